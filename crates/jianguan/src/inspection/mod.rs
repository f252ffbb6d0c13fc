//! The inspection context: the record of a supervisory visit or remote
//! check, which cites catalog items through the catalog's guard, answers
//! their checklists, carries its evidence and, once signed, never changes
//! (a correction is a new, linked record).

pub mod alerts;
pub mod checklist;
pub mod cosign;
pub mod detail;
pub mod evidence;
pub mod exif;
pub mod form;
pub mod links;
pub mod ports;
pub mod qr;
pub mod receipt;
pub mod routes;
pub mod store;
