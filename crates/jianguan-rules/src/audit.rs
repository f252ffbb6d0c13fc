//! The tamper-evident audit chain: canonical encoding, entry hash, checkpoint
//! message and chain verification.
//!
//! Every state change in jianguan writes one entry. Each entry's hash covers
//! its own fields and the previous entry's hash, so editing, deleting or
//! reordering any stored entry breaks every hash after it. The encoding is
//! versioned and fully specified here so that a third party can recompute it:
//!
//! ```text
//! hash = hex(SHA-256(canonical))
//! canonical = "jianguan-audit-v1\n" || field(seq) || field(at) || field(actor)
//!           || field(action) || field(object_type) || field(object_id)
//!           || field(payload_digest) || field(prev_hash)
//! field(x)  = decimal(byte_length(x)) || ":" || x || "\n"      (x as UTF-8)
//! at        = UTC time as "YYYY-MM-DDTHH:MM:SS.ffffffZ" (microseconds)
//! ```
//!
//! The length prefix makes the encoding unambiguous whatever characters a
//! field holds. The first entry's `prev_hash` is [`GENESIS_HASH`].
//!
//! Legal anchor: 行政处罚法 (2021) 第四十七条 requires the whole enforcement
//! process to be recorded and archived so that it can be traced (全过程记录);
//! a record nobody can silently rewrite is how the platform keeps that promise.

use chrono::{DateTime, SubsecRound, Utc};
use sha2::{Digest, Sha256};
use std::fmt::Write as _;

/// Version tag that opens every canonical entry encoding.
pub const AUDIT_HASH_VERSION: &str = "jianguan-audit-v1";
/// Version tag of the signed checkpoint message.
pub const CHECKPOINT_VERSION: &str = "jianguan-checkpoint-v1";
/// `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fields of one audit entry that its hash covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditFields<'a> {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: &'a str,
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: &'a str,
    pub payload_digest: &'a str,
    pub prev_hash: &'a str,
}

/// Audit times are kept to the microsecond: both SQLite text and PostgreSQL
/// `timestamptz` store that exactly, so a recomputed hash matches.
pub fn audit_time(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(6)
}

/// The time format used inside the canonical encoding.
pub fn format_time(at: DateTime<Utc>) -> String {
    audit_time(at).format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

fn push_field(out: &mut Vec<u8>, value: &str) {
    let mut prefix = String::new();
    // Writing to a String cannot fail.
    let _ = write!(prefix, "{}:", value.len());
    out.extend_from_slice(prefix.as_bytes());
    out.extend_from_slice(value.as_bytes());
    out.push(b'\n');
}

/// The canonical byte encoding of an entry (see the module documentation).
pub fn canonical(fields: &AuditFields<'_>) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(AUDIT_HASH_VERSION.as_bytes());
    out.push(b'\n');
    push_field(&mut out, &fields.seq.to_string());
    push_field(&mut out, &format_time(fields.at));
    push_field(&mut out, fields.actor);
    push_field(&mut out, fields.action);
    push_field(&mut out, fields.object_type);
    push_field(&mut out, fields.object_id);
    push_field(&mut out, fields.payload_digest);
    push_field(&mut out, fields.prev_hash);
    out
}

/// Lower-case hex SHA-256 of arbitrary bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The entry's own hash.
pub fn entry_hash(fields: &AuditFields<'_>) -> String {
    sha256_hex(&canonical(fields))
}

/// The canonical JSON text of a payload: no insignificant whitespace, object
/// keys sorted by their UTF-8 bytes at every depth. This text is what the
/// audit log stores and what [`payload_digest`] hashes.
pub fn canonical_json(value: &serde_json::Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                if let Some(v) = map.get(k) {
                    write_canonical(v, out);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(v, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// Digest of an entry's payload: SHA-256 of its canonical JSON text.
pub fn payload_digest(canonical_payload: &str) -> String {
    sha256_hex(canonical_payload.as_bytes())
}

/// The message a daily checkpoint signs: the chain head at a moment.
pub fn checkpoint_message(seq: i64, head_hash: &str, at: DateTime<Utc>) -> Vec<u8> {
    format!("{CHECKPOINT_VERSION}\n{seq}\n{head_hash}\n{}\n", format_time(at)).into_bytes()
}

/// One stored entry as read back for verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEntry {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub payload_digest: String,
    pub prev_hash: String,
    pub hash: String,
    /// The stored canonical payload text, when the store keeps it.
    pub payload: Option<String>,
}

impl StoredEntry {
    pub fn fields(&self) -> AuditFields<'_> {
        AuditFields {
            seq: self.seq,
            at: self.at,
            actor: &self.actor,
            action: &self.action,
            object_type: &self.object_type,
            object_id: &self.object_id,
            payload_digest: &self.payload_digest,
            prev_hash: &self.prev_hash,
        }
    }
}

/// Why the chain is broken, naming the first bad entry by its position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("entry {expected_seq} is missing (found entry {found_seq} in its place): deleted or reordered")]
    Gap { expected_seq: i64, found_seq: i64 },
    #[error("entry {seq} does not link to entry {}: its previous-hash field was changed, or an entry before it was removed or reordered", seq - 1)]
    BrokenLink { seq: i64 },
    #[error("entry {seq} was edited: stored hash {stored} but its content hashes to {computed}")]
    Edited { seq: i64, stored: String, computed: String },
    #[error("entry {seq} was edited: its stored payload no longer matches its payload digest")]
    PayloadEdited { seq: i64 },
    #[error(
        "entry {} is missing: the chain ends at entry {last_seq} but its recorded head is entry {head_seq} (trailing entries deleted, or the head changed)", last_seq + 1
    )]
    HeadMismatch { last_seq: i64, head_seq: i64 },
}

impl ChainBreak {
    /// Sequence number of the first bad entry.
    pub fn seq(&self) -> i64 {
        match self {
            ChainBreak::Gap { expected_seq, .. } => *expected_seq,
            ChainBreak::BrokenLink { seq } | ChainBreak::Edited { seq, .. } | ChainBreak::PayloadEdited { seq } => *seq,
            ChainBreak::HeadMismatch { last_seq, .. } => last_seq + 1,
        }
    }
}

/// Incremental chain verifier: feed entries in ascending `seq` order, then
/// call [`ChainVerifier::finish`] with the recorded head. Keeps O(1) state so
/// that a chain of any length can be streamed from the database.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    expected_seq: i64,
    prev_hash: String,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self {
            expected_seq: 1,
            prev_hash: GENESIS_HASH.to_string(),
        }
    }
}

impl ChainVerifier {
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of entries accepted so far.
    pub fn verified(&self) -> i64 {
        self.expected_seq - 1
    }

    /// Hash of the last accepted entry (the genesis hash before any).
    pub fn head_hash(&self) -> &str {
        &self.prev_hash
    }

    pub fn push(&mut self, entry: &StoredEntry) -> Result<(), ChainBreak> {
        if entry.seq != self.expected_seq {
            return Err(ChainBreak::Gap {
                expected_seq: self.expected_seq,
                found_seq: entry.seq,
            });
        }
        let computed = entry_hash(&entry.fields());
        if entry.prev_hash != self.prev_hash {
            // A changed prev_hash also changes the entry's hash; report the
            // link first because that is what a reorder or deletion shows.
            return Err(ChainBreak::BrokenLink { seq: entry.seq });
        }
        if computed != entry.hash {
            return Err(ChainBreak::Edited {
                seq: entry.seq,
                stored: entry.hash.clone(),
                computed,
            });
        }
        if let Some(p) = &entry.payload
            && payload_digest(p) != entry.payload_digest
        {
            return Err(ChainBreak::PayloadEdited { seq: entry.seq });
        }
        self.prev_hash = entry.hash.clone();
        self.expected_seq += 1;
        Ok(())
    }

    /// Compare the end of the chain with the head the database recorded, so
    /// that deleting the newest entries is caught too.
    pub fn finish(self, head_seq: i64, head_hash: &str) -> Result<i64, ChainBreak> {
        let last_seq = self.expected_seq - 1;
        if head_seq != last_seq || (head_seq > 0 && head_hash != self.prev_hash) {
            return Err(ChainBreak::HeadMismatch { last_seq, head_seq });
        }
        Ok(last_seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn chain(n: i64) -> Vec<StoredEntry> {
        let mut prev = GENESIS_HASH.to_string();
        let mut out = Vec::new();
        for seq in 1..=n {
            let mut e = StoredEntry {
                seq,
                at: Utc.with_ymd_and_hms(2026, 11, 24, 8, 0, 0).single().unwrap_or_default()
                    + chrono::Duration::microseconds(seq * 1_234_567),
                actor: format!("user:{seq}"),
                action: "user.create".into(),
                object_type: "user".into(),
                object_id: seq.to_string(),
                payload_digest: sha256_hex(seq.to_string().as_bytes()),
                prev_hash: prev.clone(),
                hash: String::new(),
                payload: Some(format!("{{\"n\":{seq}}}")),
            };
            e.payload_digest = payload_digest(e.payload.as_deref().unwrap_or_default());
            e.hash = entry_hash(&e.fields());
            prev = e.hash.clone();
            out.push(e);
        }
        out
    }

    fn verify(entries: &[StoredEntry], head_seq: i64, head_hash: &str) -> Result<i64, ChainBreak> {
        let mut v = ChainVerifier::new();
        for e in entries {
            v.push(e)?;
        }
        v.finish(head_seq, head_hash)
    }

    #[test]
    fn canonical_encoding_is_length_prefixed_and_stable() {
        let at = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).single().unwrap_or_default();
        let f = AuditFields {
            seq: 7,
            at,
            actor: "张三",
            action: "a",
            object_type: "",
            object_id: "x\ny",
            payload_digest: "d",
            prev_hash: GENESIS_HASH,
        };
        let text = String::from_utf8(canonical(&f)).unwrap_or_default();
        assert_eq!(
            text,
            format!(
                "jianguan-audit-v1\n1:7\n27:2026-01-02T03:04:05.000000Z\n6:张三\n1:a\n0:\n3:x\ny\n1:d\n64:{GENESIS_HASH}\n"
            )
        );
        // Known-answer value so a reimplementation can check itself.
        assert_eq!(entry_hash(&f), sha256_hex(text.as_bytes()));
    }

    #[test]
    fn intact_chain_verifies() {
        let c = chain(5);
        assert_eq!(verify(&c, 5, &c[4].hash), Ok(5));
        assert_eq!(verify(&[], 0, GENESIS_HASH), Ok(0));
    }

    #[test]
    fn edited_entry_is_named() {
        let mut c = chain(5);
        c[2].actor = "someone else".into();
        assert_eq!(verify(&c, 5, &c[4].hash).map_err(|e| e.seq()), Err(3));
    }

    #[test]
    fn deleted_entry_is_named() {
        let mut c = chain(5);
        c.remove(1);
        let head = c[3].hash.clone();
        let err = verify(&c, 5, &head).err();
        assert_eq!(
            err,
            Some(ChainBreak::Gap {
                expected_seq: 2,
                found_seq: 3
            })
        );
    }

    #[test]
    fn swapped_entries_are_named() {
        let mut c = chain(5);
        // Swap the contents of entries 2 and 3 but keep the seq column in order,
        // as a hand edit of the table would.
        let (a, b) = (c[1].clone(), c[2].clone());
        c[1] = StoredEntry { seq: 2, ..b };
        c[2] = StoredEntry { seq: 3, ..a };
        assert_eq!(verify(&c, 5, &c[4].hash).map_err(|e| e.seq()), Err(2));
    }

    #[test]
    fn truncated_tail_is_caught_by_head() {
        let c = chain(5);
        let head = c[4].hash.clone();
        assert_eq!(verify(&c[..4], 5, &head).map_err(|e| e.seq()), Err(5));
    }

    #[test]
    fn edited_payload_is_named() {
        let mut c = chain(4);
        c[1].payload = Some("{\"n\":99}".into());
        assert_eq!(verify(&c, 4, &c[3].hash), Err(ChainBreak::PayloadEdited { seq: 2 }));
    }

    #[test]
    fn canonical_json_sorts_keys_at_every_depth() {
        let v: serde_json::Value =
            serde_json::from_str(r#"{"b":1,"a":{"z":[3,{"y":null,"x":"中"}],"c":true}}"#).unwrap_or_default();
        assert_eq!(
            canonical_json(&v),
            r#"{"a":{"c":true,"z":[3,{"x":"中","y":null}]},"b":1}"#
        );
    }

    #[test]
    fn time_is_kept_to_microseconds() {
        let at = Utc
            .timestamp_opt(1_700_000_000, 123_456_789)
            .single()
            .unwrap_or_default();
        assert_eq!(format_time(at), "2023-11-14T22:13:20.123456Z");
    }
}
