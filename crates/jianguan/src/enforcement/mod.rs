//! Enforcement (执法办案) from lead to closure: leads found by inspection,
//! complaint, report, transfer or monitoring are verified within their
//! period and filed as cases or declined; cases run against their decision
//! deadline and close on a ground of 程序规定第七十七条. Each case keeps its
//! own hash chain of steps. The periods are counted on the working-day
//! calendar it counts on (`crate::calendar`, below the contexts). The rules themselves live
//! in `jianguan_rules::enforcement` and `jianguan_rules::calendar`.

pub mod cases;
pub mod clock;
pub mod leads;
pub mod pages;
pub mod routes;
pub mod status;
