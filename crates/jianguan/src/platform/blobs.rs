//! Where files live (evidence today; case documents later), through
//! `object_store`: a local folder by default (`{data_dir}/evidence`), or any
//! S3-compatible store for a province (`--evidence-store s3://bucket/prefix`,
//! credentials and endpoint from the usual `AWS_*` variables). Files are
//! named by their SHA-256 (`ab/abcdef…`), so a write is idempotent and a read
//! can be checked against the name.

use std::sync::Arc;

use axum::body::Bytes;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

/// S3 settings given in code rather than the environment.
#[derive(Debug, Clone, Default)]
pub struct S3Options {
    pub endpoint: Option<String>,
    pub region: Option<String>,
    /// Access key id and secret.
    pub credentials: Option<(String, String)>,
}

/// A content-addressed file store.
#[derive(Clone)]
pub struct Blobs {
    store: Arc<dyn ObjectStore>,
    describe: String,
}

impl std::fmt::Debug for Blobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe)
    }
}

impl Default for Blobs {
    fn default() -> Self {
        Self::memory()
    }
}

fn path(sha: &str) -> Path {
    Path::from(format!("{}/{sha}", &sha[..2.min(sha.len())]))
}

impl Blobs {
    /// A folder on this machine (created if missing).
    pub fn local(dir: &std::path::Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)?;
        Ok(Self {
            store: Arc::new(LocalFileSystem::new_with_prefix(dir)?),
            describe: format!("file://{}", dir.display()),
        })
    }

    /// An S3-compatible bucket, `s3://bucket` or `s3://bucket/prefix`;
    /// `AWS_ENDPOINT`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY` and `AWS_ALLOW_HTTP` configure the rest.
    pub fn s3(url: &str) -> anyhow::Result<Self> {
        Self::s3_with(url, &S3Options::default())
    }

    /// As [`Blobs::s3`], with settings given here taking precedence over
    /// the environment.
    pub fn s3_with(url: &str, o: &S3Options) -> anyhow::Result<Self> {
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| anyhow::anyhow!("evidence store {url:?}: expected s3://bucket[/prefix]"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let mut b = AmazonS3Builder::from_env().with_bucket_name(bucket);
        if let Some(e) = &o.endpoint {
            b = b.with_endpoint(e).with_allow_http(e.starts_with("http://"));
        }
        if let Some(r) = &o.region {
            b = b.with_region(r);
        }
        if let Some((id, secret)) = &o.credentials {
            b = b.with_access_key_id(id).with_secret_access_key(secret);
        }
        let s3 = b.build()?;
        let store: Arc<dyn ObjectStore> = if prefix.trim_matches('/').is_empty() {
            Arc::new(s3)
        } else {
            Arc::new(object_store::prefix::PrefixStore::new(s3, prefix.trim_matches('/')))
        };
        Ok(Self {
            store,
            describe: format!("s3://{rest}"),
        })
    }

    /// In memory (tests, benchmarks).
    pub fn memory() -> Self {
        Self {
            store: Arc::new(object_store::memory::InMemory::new()),
            describe: "memory".into(),
        }
    }

    /// A store named by a configuration value: `s3://…`, or a folder.
    pub fn open(spec: &str) -> anyhow::Result<Self> {
        if spec.starts_with("s3://") {
            Self::s3(spec)
        } else {
            Self::local(std::path::Path::new(spec.strip_prefix("file://").unwrap_or(spec)))
        }
    }

    /// Store `bytes` under `sha` unless already there (the same name always
    /// holds the same bytes, so a repeated write changes nothing).
    pub async fn put(&self, sha: &str, bytes: &[u8]) -> object_store::Result<()> {
        let p = path(sha);
        match self.store.head(&p).await {
            Ok(_) => Ok(()),
            Err(object_store::Error::NotFound { .. }) => self
                .store
                .put(&p, PutPayload::from(Bytes::copy_from_slice(bytes)))
                .await
                .map(|_| ()),
            Err(e) => Err(e),
        }
    }

    /// Overwrite a file whatever it holds: only for tests that tamper.
    pub async fn overwrite(&self, sha: &str, bytes: &[u8]) -> object_store::Result<()> {
        self.store
            .put(&path(sha), PutPayload::from(Bytes::copy_from_slice(bytes)))
            .await
            .map(|_| ())
    }

    /// Remove the file stored under `sha` (gone already is fine): only for
    /// files no record cites, such as uploads never signed into one.
    pub async fn delete(&self, sha: &str) -> object_store::Result<()> {
        match self.store.delete(&path(sha)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// The bytes stored under `sha`; `None` when missing.
    pub async fn get(&self, sha: &str) -> object_store::Result<Option<Bytes>> {
        match self.store.get(&path(sha)).await {
            Ok(r) => Ok(Some(r.bytes().await?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub fn describe(&self) -> &str {
        &self.describe
    }
}
