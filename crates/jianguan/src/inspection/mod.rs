//! The inspection context: the record of a supervisory visit or remote
//! check, which cites catalog items through the catalog's guard. This is the
//! record the catalog's plans and key list count; issue 6 adds check-in,
//! checklist answers, evidence and signing on top of it.

pub mod evidence;
pub mod qr;
pub mod receipt;
pub mod routes;
pub mod store;
