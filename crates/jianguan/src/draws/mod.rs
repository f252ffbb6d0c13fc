//! The draw context: double random, one public (双随机、一公开, mission C9,
//! C18). Tasks are scheduled with a published commitment, drawn with a value
//! supplied at the draw, and published with everything needed to verify
//! them offline (`jianguan draw verify`).

pub mod routes;
pub mod schedule;
pub mod store;
