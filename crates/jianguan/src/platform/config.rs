//! Run-time configuration: command-line flags, then `JIANGUAN_*` environment
//! variables (clap reads both), then an optional TOML file, then defaults.
//! Secrets (the database password) are never printed: see [`Config::describe`].

use anyhow::Context as _;
use clap::Args;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::PathBuf;

use super::db::redact_url;

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_DATA_DIR: &str = "./data";

/// Where the data lives; shared by every subcommand that opens the database.
#[derive(Debug, Clone, Args, Default)]
pub struct DbArgs {
    /// Database URL: `sqlite://PATH` or `postgres://USER:PASS@HOST/DB`.
    /// Default: a SQLite file in the data folder.
    #[arg(long, env = "JIANGUAN_DATABASE_URL", hide_env_values = true)]
    pub database: Option<String>,
    /// Data folder: SQLite file, server key, uploaded files (default ./data).
    #[arg(long, env = "JIANGUAN_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Optional TOML file with `listen`, `database`, `data_dir`, `secure_cookies`, `trust_forwarded_for`.
    #[arg(long, env = "JIANGUAN_CONFIG")]
    pub config: Option<PathBuf>,
    /// Where evidence files live: a folder (default `{data_dir}/evidence`)
    /// or `s3://bucket[/prefix]` (endpoint and keys from `AWS_*`).
    #[arg(long, env = "JIANGUAN_EVIDENCE_STORE")]
    pub evidence_store: Option<String>,
}

/// Flags of the commands that run the web server.
#[derive(Debug, Clone, Args, Default)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Address to listen on (default 127.0.0.1:8080).
    #[arg(long, env = "JIANGUAN_LISTEN")]
    pub listen: Option<String>,
    /// Mark cookies Secure (when served over HTTPS).
    #[arg(long, env = "JIANGUAN_SECURE_COOKIES")]
    pub secure_cookies: Option<bool>,
    /// Behind a reverse proxy: take client addresses from X-Forwarded-For.
    #[arg(long, env = "JIANGUAN_TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: Option<bool>,
    /// The address the public reaches the portal at, e.g.
    /// `https://jg.hubei.gov.cn`: QR posters carry it (without it, the
    /// address of the request, which a client can choose).
    #[arg(long, env = "JIANGUAN_PUBLIC_BASE_URL")]
    pub public_base_url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    database: Option<String>,
    data_dir: Option<PathBuf>,
    evidence_store: Option<String>,
    secure_cookies: Option<bool>,
    trust_forwarded_for: Option<bool>,
    public_base_url: Option<String>,
}

/// The resolved configuration.
#[derive(Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub database_url: String,
    pub data_dir: PathBuf,
    pub evidence_store: String,
    pub secure_cookies: bool,
    pub trust_forwarded_for: bool,
    pub public_base_url: Option<String>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl Config {
    pub fn resolve(args: &ServeArgs) -> anyhow::Result<Self> {
        let file = match &args.db.config {
            Some(p) => {
                let text = std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?;
                toml::from_str::<FileConfig>(&text).with_context(|| format!("invalid config file {}", p.display()))?
            }
            None => FileConfig::default(),
        };
        let data_dir = args
            .db
            .data_dir
            .clone()
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let database_url = args
            .db
            .database
            .clone()
            .or(file.database)
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("jianguan.db").display()));
        let listen_text = args
            .listen
            .clone()
            .or(file.listen)
            .unwrap_or_else(|| DEFAULT_LISTEN.to_string());
        let listen = listen_text
            .parse()
            .with_context(|| format!("--listen {listen_text:?} is not an address like 127.0.0.1:8080"))?;
        let evidence_store = args
            .db
            .evidence_store
            .clone()
            .or(file.evidence_store)
            .unwrap_or_else(|| data_dir.join("evidence").display().to_string());
        Ok(Config {
            listen,
            database_url,
            evidence_store,
            data_dir,
            secure_cookies: args.secure_cookies.or(file.secure_cookies).unwrap_or(false),
            trust_forwarded_for: args.trust_forwarded_for.or(file.trust_forwarded_for).unwrap_or(false),
            public_base_url: match args.public_base_url.clone().or(file.public_base_url) {
                Some(u) => Some(check_base_url(&u)?),
                None => None,
            },
        })
    }

    pub fn for_db(args: &DbArgs) -> anyhow::Result<Self> {
        Self::resolve(&ServeArgs {
            db: args.clone(),
            ..Default::default()
        })
    }

    /// A one-line description safe to print and log.
    pub fn describe(&self) -> String {
        format!(
            "listen={} database={} data_dir={} evidence={}",
            self.listen,
            redact_url(&self.database_url),
            self.data_dir.display(),
            self.evidence_store
        )
    }
}

/// `http(s)://host[:port]`, without a trailing slash, path or query.
fn check_base_url(u: &str) -> anyhow::Result<String> {
    let t = u.trim().trim_end_matches('/');
    let rest = t
        .strip_prefix("https://")
        .or_else(|| t.strip_prefix("http://"))
        .ok_or_else(|| anyhow::anyhow!("--public-base-url {u:?} must start with https:// or http://"))?;
    if rest.is_empty()
        || !rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '-' | '[' | ']'))
    {
        anyhow::bail!("--public-base-url {u:?} must be a scheme and a host, like https://jg.hubei.gov.cn");
    }
    Ok(t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_base_url_is_a_scheme_and_a_host() {
        assert_eq!(
            check_base_url("https://jg.hubei.gov.cn/").unwrap(),
            "https://jg.hubei.gov.cn"
        );
        assert_eq!(check_base_url("http://10.0.0.5:8080").unwrap(), "http://10.0.0.5:8080");
        for bad in ["jg.hubei.gov.cn", "https://", "https://evil.example/q?x=1", "ftp://x"] {
            assert!(check_base_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn defaults_and_precedence() {
        let c = Config::resolve(&ServeArgs::default()).unwrap();
        assert_eq!(c.listen.to_string(), DEFAULT_LISTEN);
        assert!(c.database_url.starts_with("sqlite://"));
        assert!(c.database_url.ends_with("jianguan.db"));

        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("jg.toml");
        std::fs::write(
            &file,
            "listen = \"0.0.0.0:9000\"\ndatabase = \"postgres://u:secret@h/db\"\n",
        )
        .unwrap();
        let mut args = ServeArgs::default();
        args.db.config = Some(file);
        let c = Config::resolve(&args).unwrap();
        assert_eq!(c.listen.to_string(), "0.0.0.0:9000");
        assert!(!c.describe().contains("secret"));
        assert!(!format!("{c:?}").contains("secret"));
        args.listen = Some("127.0.0.1:7000".into());
        assert_eq!(Config::resolve(&args).unwrap().listen.to_string(), "127.0.0.1:7000");
    }

    #[test]
    fn unknown_keys_in_the_file_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("jg.toml");
        std::fs::write(&file, "lisen = \"x\"\n").unwrap();
        let mut args = ServeArgs::default();
        args.db.config = Some(file);
        assert!(Config::resolve(&args).is_err());
    }
}
