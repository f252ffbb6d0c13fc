//! SQL for the audit chain and checkpoints. The hash and its encoding are in
//! `jianguan_rules::audit`; this module only stores and reads them.

use crate::platform::db::{Db, Tx};
use crate::{on_db, on_tx};
use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use jianguan_rules::audit::{
    AuditFields, ChainVerifier, StoredEntry, canonical_json, checkpoint_message, entry_hash, payload_digest,
};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Who did something. Logged by id, never by name (no personal data in the chain
/// beyond what the payload of the change itself holds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    User(i64),
    /// A command run on the server (`jianguan user add`, `demo`, ...).
    Cli,
    /// The server itself (scheduled jobs).
    System,
    /// Someone not signed in (failed logins, public submissions).
    Anonymous,
}

impl Actor {
    pub fn as_string(&self) -> String {
        match self {
            Actor::User(id) => format!("user:{id}"),
            Actor::Cli => "cli".into(),
            Actor::System => "system".into(),
            Actor::Anonymous => "anonymous".into(),
        }
    }
}

/// Readable names for actor strings ("user:7" → "李明（inspector）"; the
/// others as they are), for pages that show who did what.
pub async fn actor_names(db: &Db, actors: &[String]) -> Result<std::collections::HashMap<String, String>, sqlx::Error> {
    let mut out = std::collections::HashMap::new();
    for a in actors.iter().map(String::as_str) {
        if out.contains_key(a) {
            continue;
        }
        let name = match a.strip_prefix("user:").and_then(|id| id.parse::<i64>().ok()) {
            Some(id) => {
                let row: Option<(String, String)> = on_db!(db, pool => sqlx::query_as(
                    "select username, display_name from users where id = $1").bind(id).fetch_optional(pool).await?);
                row.map_or_else(|| a.to_string(), |(u, d)| format!("{d}（{u}）"))
            }
            None => match a {
                "cli" => "服务器命令".to_string(),
                "system" => "系统".to_string(),
                "anonymous" => "未登录用户".to_string(),
                other => other.to_string(),
            },
        };
        out.insert(a.to_string(), name);
    }
    Ok(out)
}

/// Append an audit entry inside the caller's transaction and return its seq.
///
/// The head row is updated first: on PostgreSQL that row lock serialises
/// concurrent writers so the chain never forks; on SQLite writers are already
/// serialised by the database handle.
pub async fn record(
    tx: &mut Tx,
    at: DateTime<Utc>,
    actor: &Actor,
    action: &str,
    object: (&str, &str),
    payload: &serde_json::Value,
) -> Result<i64, sqlx::Error> {
    let actor = actor.as_string();
    let payload_text = canonical_json(payload);
    let digest = payload_digest(&payload_text);
    let (seq, prev): (i64, String) = on_tx!(tx, c => {
        sqlx::query_as("update audit_head set seq = seq + 1 where id = 1 returning seq, hash")
            .fetch_one(&mut *c)
            .await?
    });
    let fields = AuditFields {
        seq,
        at,
        actor: &actor,
        action,
        object_type: object.0,
        object_id: object.1,
        payload_digest: &digest,
        prev_hash: &prev,
    };
    let hash = entry_hash(&fields);
    on_tx!(tx, c => {
        sqlx::query(
            "insert into audit_log (seq, at, actor, action, object_type, object_id, payload, payload_digest, prev_hash, hash)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(seq)
        .bind(at)
        .bind(&actor)
        .bind(action)
        .bind(object.0)
        .bind(object.1)
        .bind(&payload_text)
        .bind(&digest)
        .bind(&prev)
        .bind(&hash)
        .execute(&mut *c)
        .await?;
        sqlx::query("update audit_head set hash = $1 where id = 1").bind(&hash).execute(&mut *c).await?;
    });
    Ok(seq)
}

#[derive(sqlx::FromRow)]
struct EntryRow {
    seq: i64,
    at: DateTime<Utc>,
    actor: String,
    action: String,
    object_type: String,
    object_id: String,
    payload: String,
    payload_digest: String,
    prev_hash: String,
    hash: String,
}

impl From<EntryRow> for StoredEntry {
    fn from(r: EntryRow) -> Self {
        StoredEntry {
            seq: r.seq,
            at: r.at,
            actor: r.actor,
            action: r.action,
            object_type: r.object_type,
            object_id: r.object_id,
            payload_digest: r.payload_digest,
            prev_hash: r.prev_hash,
            hash: r.hash,
            payload: Some(r.payload),
        }
    }
}

/// An audit entry as shown to administrators.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub payload: serde_json::Value,
    pub hash: String,
    pub prev_hash: String,
}

const ENTRY_COLUMNS: &str = "seq, at, actor, action, object_type, object_id, payload, payload_digest, prev_hash, hash";

/// The newest entries, newest first, optionally before a seq (paging).
pub async fn recent(db: &Db, before: Option<i64>, limit: i64) -> Result<Vec<AuditEntry>, sqlx::Error> {
    let sql = format!("select {ENTRY_COLUMNS} from audit_log where seq < $1 order by seq desc limit $2");
    let rows: Vec<EntryRow> = on_db!(db, pool => {
        sqlx::query_as(&sql).bind(before.unwrap_or(i64::MAX)).bind(limit).fetch_all(pool).await?
    });
    Ok(rows
        .into_iter()
        .map(|r| AuditEntry {
            payload: serde_json::from_str(&r.payload).unwrap_or(serde_json::Value::Null),
            seq: r.seq,
            at: r.at,
            actor: r.actor,
            action: r.action,
            object_type: r.object_type,
            object_id: r.object_id,
            hash: r.hash,
            prev_hash: r.prev_hash,
        })
        .collect())
}

/// The recorded head: (seq, hash).
pub async fn head(db: &Db) -> Result<(i64, String), sqlx::Error> {
    on_db!(db, pool => sqlx::query_as("select seq, hash from audit_head where id = 1").fetch_one(pool).await)
}

/// A signed statement of the chain head at one moment, published daily.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow, PartialEq, Eq)]
pub struct Checkpoint {
    /// Calendar day in China Standard Time (UTC+8), `YYYY-MM-DD`.
    pub day: String,
    pub at: DateTime<Utc>,
    pub head_seq: i64,
    pub head_hash: String,
    /// Hex ed25519 public key of the server that signed.
    pub public_key: String,
    /// Hex ed25519 signature over `checkpoint_message(head_seq, head_hash, at)`.
    pub signature: String,
}

pub async fn checkpoints(db: &Db, limit: i64) -> Result<Vec<Checkpoint>, sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query_as(
            "select day, at, head_seq, head_hash, public_key, signature from audit_checkpoints order by day desc limit $1",
        )
        .bind(limit)
        .fetch_all(pool)
        .await
    })
}

/// Sign today's checkpoint unless one exists. Returns the new checkpoint, or
/// `None` when today already has one.
pub async fn checkpoint_today(
    db: &Db,
    key: &SigningKey,
    now: DateTime<Utc>,
) -> Result<Option<Checkpoint>, sqlx::Error> {
    let day = crate::platform::clock::china_day(now).to_string();
    let mut tx = db.begin().await?;
    // Read the head inside the transaction so the signed head is consistent.
    let (seq, hash): (i64, String) = on_tx!(tx, c => {
        sqlx::query_as("select seq, hash from audit_head where id = 1").fetch_one(&mut *c).await?
    });
    let sig = key.sign(&checkpoint_message(seq, &hash, now));
    let cp = Checkpoint {
        day,
        at: now,
        head_seq: seq,
        head_hash: hash,
        public_key: hex::encode(key.verifying_key().as_bytes()),
        signature: hex::encode(sig.to_bytes()),
    };
    let inserted = on_tx!(tx, c => {
        sqlx::query(
            "insert into audit_checkpoints (day, at, head_seq, head_hash, public_key, signature)
             values ($1, $2, $3, $4, $5, $6) on conflict (day) do nothing",
        )
        .bind(&cp.day)
        .bind(cp.at)
        .bind(cp.head_seq)
        .bind(&cp.head_hash)
        .bind(&cp.public_key)
        .bind(&cp.signature)
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    if inserted == 1 {
        // The checkpoint is itself a change: chaining it means a deleted
        // checkpoint row is noticed (the entry still names it).
        record(
            &mut tx,
            now,
            &Actor::System,
            CHECKPOINT_ACTION,
            ("audit_checkpoint", &cp.day),
            &serde_json::json!({"day": cp.day, "head_seq": cp.head_seq, "head_hash": cp.head_hash, "signature": cp.signature}),
        )
        .await?;
    }
    tx.commit().await?;
    Ok((inserted == 1).then_some(cp))
}

/// The audit action of the entry that chains each checkpoint.
pub const CHECKPOINT_ACTION: &str = "audit.checkpoint";

/// Check a checkpoint's signature against the key it names (or a pinned key).
pub fn checkpoint_signature_ok(cp: &Checkpoint, pinned: Option<&str>) -> bool {
    let key_hex = pinned.unwrap_or(&cp.public_key);
    let (Ok(k), Ok(s)) = (hex::decode(key_hex), hex::decode(&cp.signature)) else {
        return false;
    };
    let (Ok(k), Ok(s)) = (<[u8; 32]>::try_from(k.as_slice()), <[u8; 64]>::try_from(s.as_slice())) else {
        return false;
    };
    let Ok(vk) = VerifyingKey::from_bytes(&k) else {
        return false;
    };
    vk.verify(
        &checkpoint_message(cp.head_seq, &cp.head_hash, cp.at),
        &Signature::from_bytes(&s),
    )
    .is_ok()
}

/// What `jianguan audit verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyOutcome {
    Intact { entries: i64, checkpoints: usize },
    Broken(String),
}

/// Recompute the whole chain from the database, in pages, and check every
/// checkpoint: its signature (against `pinned_key` when given, else the key
/// it names), that the entry it signed still has the signed hash, and that
/// checkpoint rows and their chain entries match one to one.
pub async fn verify(db: &Db, pinned_key: Option<&str>) -> Result<VerifyOutcome, sqlx::Error> {
    const PAGE: i64 = 5_000;
    // The head first: entries committed while we scan are not our business,
    // and must not look like a truncated chain.
    let (head_seq, head_hash) = head(db).await?;
    let cps = checkpoints(db, i64::MAX).await?;
    for cp in &cps {
        if !checkpoint_signature_ok(cp, pinned_key) {
            return Ok(VerifyOutcome::Broken(format!(
                "checkpoint of {} (entry {}) has an invalid signature",
                cp.day, cp.head_seq
            )));
        }
    }
    let expected: BTreeMap<i64, Vec<&Checkpoint>> = cps.iter().fold(BTreeMap::new(), |mut m, cp| {
        m.entry(cp.head_seq).or_insert_with(Vec::new).push(cp);
        m
    });
    let mut chained_days: BTreeMap<String, i64> = BTreeMap::new();
    let mut v = ChainVerifier::new();
    let mut last = 0i64;
    let sql = format!("select {ENTRY_COLUMNS} from audit_log where seq > $1 and seq <= $2 order by seq limit $3");
    loop {
        let rows: Vec<EntryRow> = on_db!(db, pool => {
            sqlx::query_as(&sql).bind(last).bind(head_seq).bind(PAGE).fetch_all(pool).await?
        });
        let n = rows.len() as i64;
        for row in rows {
            let entry = StoredEntry::from(row);
            last = entry.seq;
            if let Err(b) = v.push(&entry) {
                return Ok(VerifyOutcome::Broken(b.to_string()));
            }
            if let Some(cp) = expected
                .get(&entry.seq)
                .and_then(|l| l.iter().find(|cp| cp.head_hash != entry.hash))
            {
                return Ok(VerifyOutcome::Broken(format!(
                    "entry {} does not match the signed checkpoint of {}",
                    entry.seq, cp.day
                )));
            }
            if entry.action == CHECKPOINT_ACTION {
                let day = serde_json::from_str::<serde_json::Value>(entry.payload.as_deref().unwrap_or("{}"))
                    .ok()
                    .and_then(|p| p["day"].as_str().map(str::to_string))
                    .unwrap_or_default();
                chained_days.insert(day, entry.seq);
            }
        }
        if n < PAGE {
            break;
        }
    }
    let verified = v.verified();
    if let Some((seq, list)) = expected.range(verified + 1..).next() {
        let day = list.first().map(|c| c.day.clone()).unwrap_or_default();
        return Ok(VerifyOutcome::Broken(format!(
            "entry {} is missing but the checkpoint of {day} signed a chain of {seq} entries",
            verified + 1
        )));
    }
    for (day, seq) in &chained_days {
        if !cps.iter().any(|c| &c.day == day) {
            return Ok(VerifyOutcome::Broken(format!(
                "entry {seq} records the checkpoint of {day}, but that checkpoint was deleted"
            )));
        }
    }
    if let Some(cp) = cps.iter().find(|c| !chained_days.contains_key(&c.day)) {
        return Ok(VerifyOutcome::Broken(format!(
            "the checkpoint of {} is not recorded in the chain: inserted by hand or its entry removed",
            cp.day
        )));
    }
    match v.finish(head_seq, &head_hash) {
        Ok(entries) => Ok(VerifyOutcome::Intact {
            entries,
            checkpoints: cps.len(),
        }),
        Err(b) => Ok(VerifyOutcome::Broken(b.to_string())),
    }
}

/// What the public may know of one entry: its place and hashes, not what
/// it records.
pub async fn public_entry(db: &Db, seq: i64) -> Result<Option<(i64, DateTime<Utc>, String, String)>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_as("select seq, at, prev_hash, hash from audit_log where seq = $1")
        .bind(seq).fetch_optional(pool).await)
}
