//! The database: SQLite (embedded default) or PostgreSQL, chosen at run time
//! by URL scheme, behind one small enum.
//!
//! Queries are written once in portable SQL (`$1` placeholders, `returning`,
//! `on conflict`) and run through the [`on_db!`] and [`on_tx!`] macros, which
//! expand the same block once per backend. There is no `sqlx::Any` and no code
//! generic over the database type; a `match` on the backend appears only where
//! the dialects truly differ.

use anyhow::Context as _;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};
use std::borrow::Cow;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard};

/// A migration: version, description, SQL. Both dialects list the same
/// versions (checked by a test).
type Embedded = (i64, &'static str, &'static str);

pub const SQLITE_MIGRATIONS: &[Embedded] = &[
    (1, "platform", include_str!("../../migrations/sqlite/0001_platform.sql")),
    (2, "registry", include_str!("../../migrations/sqlite/0002_registry.sql")),
    (3, "catalog", include_str!("../../migrations/sqlite/0003_catalog.sql")),
    (4, "draws", include_str!("../../migrations/sqlite/0004_draws.sql")),
    (5, "evidence", include_str!("../../migrations/sqlite/0005_evidence.sql")),
    (6, "checkins", include_str!("../../migrations/sqlite/0006_checkins.sql")),
    (
        7,
        "checklists",
        include_str!("../../migrations/sqlite/0007_checklists.sql"),
    ),
    (
        8,
        "specialties",
        include_str!("../../migrations/sqlite/0008_specialties.sql"),
    ),
    (9, "risk", include_str!("../../migrations/sqlite/0009_risk.sql")),
    (
        10,
        "enforcement",
        include_str!("../../migrations/sqlite/0010_enforcement.sql"),
    ),
    (
        11,
        "enforcement_clock",
        include_str!("../../migrations/sqlite/0011_enforcement_clock.sql"),
    ),
    (
        12,
        "jurisdiction",
        include_str!("../../migrations/sqlite/0012_jurisdiction.sql"),
    ),
];

pub const POSTGRES_MIGRATIONS: &[Embedded] = &[
    (
        1,
        "platform",
        include_str!("../../migrations/postgres/0001_platform.sql"),
    ),
    (
        2,
        "registry",
        include_str!("../../migrations/postgres/0002_registry.sql"),
    ),
    (3, "catalog", include_str!("../../migrations/postgres/0003_catalog.sql")),
    (4, "draws", include_str!("../../migrations/postgres/0004_draws.sql")),
    (
        5,
        "evidence",
        include_str!("../../migrations/postgres/0005_evidence.sql"),
    ),
    (
        6,
        "checkins",
        include_str!("../../migrations/postgres/0006_checkins.sql"),
    ),
    (
        7,
        "checklists",
        include_str!("../../migrations/postgres/0007_checklists.sql"),
    ),
    (
        8,
        "specialties",
        include_str!("../../migrations/postgres/0008_specialties.sql"),
    ),
    (9, "risk", include_str!("../../migrations/postgres/0009_risk.sql")),
    (
        10,
        "enforcement",
        include_str!("../../migrations/postgres/0010_enforcement.sql"),
    ),
    (
        11,
        "enforcement_clock",
        include_str!("../../migrations/postgres/0011_enforcement_clock.sql"),
    ),
    (
        12,
        "jurisdiction",
        include_str!("../../migrations/postgres/0012_jurisdiction.sql"),
    ),
];

fn migrator(list: &[Embedded]) -> Migrator {
    Migrator {
        migrations: Cow::Owned(
            list.iter()
                .map(|(v, d, sql)| {
                    Migration::new(*v, Cow::Borrowed(*d), MigrationType::Simple, Cow::Borrowed(*sql), false)
                })
                .collect(),
        ),
        ignore_missing: false,
        locking: true,
        no_tx: false,
    }
}

/// Which backend a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> anyhow::Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Backend::Postgres)
        } else {
            anyhow::bail!("unsupported database URL scheme (expected sqlite:// or postgres://)")
        }
    }
}

/// A pool on one of the two backends.
#[derive(Clone, Debug)]
pub enum Db {
    /// SQLite allows one writer at a time; the mutex queues writers in this
    /// process instead of letting them fail with SQLITE_BUSY mid-transaction.
    Sqlite {
        pool: SqlitePool,
        write: Arc<Mutex<()>>,
    },
    Postgres {
        pool: PgPool,
    },
}

/// Expand a block once per backend with `$pool` bound to the concrete pool.
#[macro_export]
macro_rules! on_db {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::platform::db::Db::Sqlite { pool: $pool, .. } => $body,
            $crate::platform::db::Db::Postgres { pool: $pool } => $body,
        }
    };
}

/// Expand a block once per backend with `$conn` bound to the transaction's
/// connection (`&mut SqliteConnection` / `&mut PgConnection`).
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match $tx.inner_mut() {
            $crate::platform::db::TxInner::Sqlite(t) => {
                let $conn = &mut **t;
                $body
            }
            $crate::platform::db::TxInner::Postgres(t) => {
                let $conn = &mut **t;
                $body
            }
        }
    };
}

pub enum TxInner {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// A write transaction. Dropping it without [`Tx::commit`] rolls back.
pub struct Tx {
    inner: TxInner,
    _writer: Option<OwnedMutexGuard<()>>,
}

impl Tx {
    pub fn inner_mut(&mut self) -> &mut TxInner {
        &mut self.inner
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self.inner {
            TxInner::Sqlite(t) => t.commit().await,
            TxInner::Postgres(t) => t.commit().await,
        }
    }
}

/// Options for opening a database. (A PostgreSQL schema is chosen in the URL:
/// `?options[search_path]=NAME`; tests use one schema per test.)
#[derive(Debug, Clone)]
pub struct DbOptions {
    pub max_connections: u32,
}

impl Default for DbOptions {
    fn default() -> Self {
        Self { max_connections: 8 }
    }
}

impl Db {
    /// Open (and for SQLite, create) the database named by `url`.
    pub async fn connect(url: &str, opts: &DbOptions) -> anyhow::Result<Self> {
        match Backend::of_url(url)? {
            Backend::Sqlite => {
                let co = SqliteConnectOptions::from_str(url)
                    .context("invalid SQLite URL")?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10));
                let pool = SqlitePoolOptions::new()
                    .max_connections(opts.max_connections)
                    .connect_with(co)
                    .await
                    .context("cannot open the SQLite database")?;
                Ok(Db::Sqlite {
                    pool,
                    write: Arc::new(Mutex::new(())),
                })
            }
            Backend::Postgres => {
                let co = PgConnectOptions::from_str(url).context("invalid PostgreSQL URL")?;
                let pool = PgPoolOptions::new()
                    .max_connections(opts.max_connections)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(co)
                    .await
                    .context("cannot connect to PostgreSQL")?;
                Ok(Db::Postgres { pool })
            }
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite { .. } => Backend::Sqlite,
            Db::Postgres { .. } => Backend::Postgres,
        }
    }

    /// Run pending migrations for this backend.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        match self {
            Db::Sqlite { pool, .. } => migrator(SQLITE_MIGRATIONS).run(pool).await?,
            Db::Postgres { pool } => migrator(POSTGRES_MIGRATIONS).run(pool).await?,
        }
        Ok(())
    }

    /// Begin a write transaction.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        match self {
            Db::Sqlite { pool, write } => {
                let guard = write.clone().lock_owned().await;
                Ok(Tx {
                    inner: TxInner::Sqlite(pool.begin().await?),
                    _writer: Some(guard),
                })
            }
            Db::Postgres { pool } => Ok(Tx {
                inner: TxInner::Postgres(pool.begin().await?),
                _writer: None,
            }),
        }
    }

    /// Cheap liveness probe for `/healthz`.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        on_db!(self, pool => sqlx::query("select 1").execute(pool).await.map(|_| ()))
    }

    pub async fn close(&self) {
        on_db!(self, pool => pool.close().await)
    }
}

/// Hide the password in a database URL before it is printed or logged.
pub fn redact_url(url: &str) -> String {
    // A password may also come as a query parameter (`?password=...`).
    let url = &match url.split_once('?') {
        Some((base, query)) => {
            let q: Vec<String> = query
                .split('&')
                .map(|kv| match kv.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                    _ => kv.to_string(),
                })
                .collect();
            format!("{base}?{}", q.join("&"))
        }
        None => url.to_string(),
    };
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// The name of a violated unique constraint, if that is what the error is,
/// so callers can turn duplicates into a clear 409 instead of a 500.
pub fn unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// A state enum read from its text column on either database: its
/// `TryFrom<String>` decides, and an unknown text is a decode error, never a
/// silent default. Statuses are bound as their `as_str()`.
macro_rules! text_state {
    ($t:ty) => {
        impl<DB: sqlx::Database> sqlx::Type<DB> for $t
        where
            String: sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <String as sqlx::Type<DB>>::type_info()
            }
            fn compatible(ty: &DB::TypeInfo) -> bool {
                <String as sqlx::Type<DB>>::compatible(ty)
            }
        }

        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $t
        where
            String: sqlx::Decode<'r, DB>,
        {
            fn decode(value: <DB as sqlx::Database>::ValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                let text = <String as sqlx::Decode<'r, DB>>::decode(value)?;
                Ok(Self::try_from(text)?)
            }
        }
    };
}

pub(crate) use text_state;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hidden() {
        assert_eq!(
            redact_url("postgres://jg:secret@db:5432/jg"),
            "postgres://jg:***@db:5432/jg"
        );
        assert_eq!(redact_url("sqlite://data/jianguan.db"), "sqlite://data/jianguan.db");
        assert_eq!(
            redact_url("postgres://h/db?user=a&password=s3cret"),
            "postgres://h/db?user=a&password=***"
        );
    }
}
