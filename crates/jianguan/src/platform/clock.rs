//! The injected clock. SQL never calls `now()`: every timestamp is bound from
//! here, so tests can move time (lock-outs, session expiry, daily checkpoints)
//! and both databases store exactly the same instants.

use chrono::{DateTime, Duration, Utc};
use std::sync::{Arc, Mutex};

/// The day of `at` in China Standard Time (UTC+8, no daylight saving), in
/// which "a day" of supervision work is counted: the one home of this rule.
pub fn china_day(at: DateTime<Utc>) -> chrono::NaiveDate {
    (at + Duration::hours(8)).date_naive()
}

#[derive(Clone, Debug, Default)]
pub enum Clock {
    #[default]
    System,
    /// A clock that only moves when told to.
    Manual(Arc<Mutex<DateTime<Utc>>>),
}

impl Clock {
    pub fn manual(start: DateTime<Utc>) -> Self {
        Clock::Manual(Arc::new(Mutex::new(start)))
    }

    /// The current time, to the microsecond (what both databases keep).
    pub fn now(&self) -> DateTime<Utc> {
        let t = match self {
            Clock::System => Utc::now(),
            Clock::Manual(t) => *t.lock().unwrap_or_else(|p| p.into_inner()),
        };
        jianguan_rules::audit::audit_time(t)
    }

    /// Today in China Standard Time, the day supervision work is counted in.
    pub fn today(&self) -> chrono::NaiveDate {
        china_day(self.now())
    }

    pub fn advance(&self, by: Duration) {
        if let Clock::Manual(t) = self {
            let mut g = t.lock().unwrap_or_else(|p| p.into_inner());
            *g += by;
        }
    }
}
