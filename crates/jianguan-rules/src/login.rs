//! Login protection: password strength, failure lock-out and session life.
//!
//! Basis: GB/T 22239-2019 (网络安全等级保护基本要求) 8.1.4.1 a) requires
//! identity authentication with complex passwords changed periodically, and
//! b) requires login-failure handling: limiting failed attempts, ending
//! sessions, and logging out after a timeout. The numbers below are the
//! platform's defaults for those requirements.

use chrono::{DateTime, Duration, Utc};

/// Failed attempts in a row that lock an account.
pub const MAX_FAILURES: i64 = 5;
/// How long a locked account stays locked.
pub const LOCK_MINUTES: i64 = 15;
/// Idle-independent life of a browser session.
pub const SESSION_HOURS: i64 = 8;
/// Life of a bearer token for machine clients.
pub const TOKEN_HOURS: i64 = 24;
/// Failed sign-ins per client address per minute before sign-in is refused.
pub const ATTEMPTS_PER_MINUTE: u32 = 20;

/// State after a failed login: the new failure count and, when the limit is
/// reached, the time until which the account is locked.
pub fn after_failure(previous_failures: i64, now: DateTime<Utc>) -> (i64, Option<DateTime<Utc>>) {
    let failures = previous_failures.saturating_add(1);
    if failures >= MAX_FAILURES {
        (failures, Some(now + Duration::minutes(LOCK_MINUTES)))
    } else {
        (failures, None)
    }
}

pub fn is_locked(locked_until: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    locked_until.is_some_and(|t| t > now)
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WeakPassword {
    #[error("password must be at least 8 characters")]
    TooShort,
    #[error("password must mix at least three of: lower-case, upper-case, digits, symbols")]
    TooSimple,
    #[error("password must be at most 128 characters")]
    TooLong,
}

/// Complexity check for new passwords (GB/T 22239-2019 8.1.4.1 a).
pub fn check_password(pw: &str) -> Result<(), WeakPassword> {
    let n = pw.chars().count();
    if n < 8 {
        return Err(WeakPassword::TooShort);
    }
    if n > 128 {
        return Err(WeakPassword::TooLong);
    }
    let classes = [
        pw.chars().any(|c| c.is_ascii_lowercase()),
        pw.chars().any(|c| c.is_ascii_uppercase()),
        pw.chars().any(|c| c.is_ascii_digit()),
        pw.chars().any(|c| !c.is_ascii_alphanumeric()),
    ];
    if classes.iter().filter(|&&c| c).count() < 3 {
        return Err(WeakPassword::TooSimple);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifth_failure_locks_for_fifteen_minutes() {
        let now = Utc::now();
        assert_eq!(after_failure(0, now), (1, None));
        assert_eq!(after_failure(3, now), (4, None));
        let (n, until) = after_failure(4, now);
        assert_eq!(n, 5);
        assert_eq!(until, Some(now + Duration::minutes(15)));
        assert!(is_locked(until, now + Duration::minutes(14)));
        assert!(!is_locked(until, now + Duration::minutes(15)));
    }

    #[test]
    fn password_complexity() {
        assert_eq!(check_password("Ab1!"), Err(WeakPassword::TooShort));
        assert_eq!(check_password("abcdefgh1"), Err(WeakPassword::TooSimple));
        assert!(check_password("Jianguan#2026").is_ok());
        assert!(check_password("jianguan#2026").is_ok());
    }
}
