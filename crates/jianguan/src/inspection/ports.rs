//! The ports this context declares: what it needs done by a context above
//! it, in its own transaction, without naming it. The composition root
//! (`crate::app::wire`) plugs the implementation in.
//!
//! - [`CaseTransfer`]: an inspection concluded with a case transfer (移送立案)
//!   raises a lead (市场监督管理行政处罚程序规定第十八条) in the transaction
//!   that signs the record; enforcement implements it.

use chrono::{DateTime, NaiveDate, Utc};
use jianguan_rules::calendar::Calendar;
use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;

use crate::audit::Actor;
use crate::platform::db::{Db, Tx};
use crate::platform::error::{AppError, AppResult};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The visit that was transferred.
pub struct TransferredVisit<'a> {
    pub department_id: i64,
    pub uscc: &'a str,
    pub inspection_id: i64,
    pub inspected_on: NaiveDate,
    pub summary: &'a str,
}

/// Whether the record a new one corrects (directly or through earlier
/// corrections) already raised a lead: read before the transaction.
pub type Raised = for<'a> fn(&'a Db, Option<i64>) -> BoxFuture<'a, Result<bool, sqlx::Error>>;

/// Raise the lead, in the signing transaction; returns its id.
pub type Raise = for<'a> fn(
    &'a mut Tx,
    &'a Actor,
    DateTime<Utc>,
    &'a Calendar,
    TransferredVisit<'a>,
) -> BoxFuture<'a, AppResult<i64>>;

/// Raising the lead of a transferred visit.
#[derive(Clone, Copy)]
pub struct CaseTransfer {
    pub raised: Raised,
    pub raise: Raise,
}

/// The one wiring of the process: a port is a capability of the program,
/// not of one request, and records are signed outside requests too (the
/// demo loader, imports).
static CASE_TRANSFER: OnceLock<CaseTransfer> = OnceLock::new();

/// Plug in the implementation (the first wiring wins; the root calls this
/// once at start).
pub fn wire_case_transfer(port: CaseTransfer) {
    let _ = CASE_TRANSFER.set(port);
}

/// The wired port; an error (not a silent skip) when nobody wired it.
pub fn case_transfer() -> AppResult<&'static CaseTransfer> {
    CASE_TRANSFER
        .get()
        .ok_or_else(|| AppError::internal("the case-transfer port is not wired"))
}
