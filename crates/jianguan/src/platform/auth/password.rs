//! argon2id password hashing (RFC 9106 / OWASP parameters: m = 19 MiB, t = 2, p = 1).

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::platform::error::AppError;

pub fn hash(password: &str) -> Result<String, AppError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(AppError::internal)?;
    let salt = SaltString::encode_b64(&salt).map_err(AppError::internal)?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(AppError::internal)
}

pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
        .unwrap_or(false)
}

/// A valid hash of an unguessable password, verified against when the
/// username does not exist so that timing does not reveal which accounts exist.
pub const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3ZpJ4u4lq6CwHhYqv0Zx3z2k5T6mKFQ3QhQmZrWd4Ac";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_then_verify() {
        let h = hash("Jianguan#2026").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("Jianguan#2026", &h));
        assert!(!verify("jianguan#2026", &h));
        assert!(!verify("x", "not a hash"));
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }
}
