//! The server's ed25519 key: created on first start, kept in the data folder,
//! used to sign audit checkpoints (and later, QR codes). The private half is
//! never printed or logged.

use anyhow::Context as _;
use ed25519_dalek::SigningKey;
use std::path::Path;

pub const KEY_FILE: &str = "server-ed25519.key";

/// Load the key from `data_dir`, creating it (mode 0600) if absent.
pub fn load_or_create(data_dir: &Path) -> anyhow::Result<SigningKey> {
    let path = data_dir.join(KEY_FILE);
    if path.exists() {
        let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let bytes = hex::decode(text.trim()).context("server key file is not hex")?;
        let seed: [u8; 32] = bytes.as_slice().try_into().context("server key must be 32 bytes")?;
        return Ok(SigningKey::from_bytes(&seed));
    }
    std::fs::create_dir_all(data_dir).with_context(|| format!("cannot create {}", data_dir.display()))?;
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("no system randomness: {e}"))?;
    write_private(&path, &hex::encode(seed))?;
    tracing::info!(path = %path.display(), "created server signing key");
    Ok(SigningKey::from_bytes(&seed))
}

/// The hex public key of the server key in `data_dir`, if there is one
/// (never creates a key).
pub fn public_key_hex(data_dir: &Path) -> anyhow::Result<Option<String>> {
    if !data_dir.join(KEY_FILE).exists() {
        return Ok(None);
    }
    Ok(Some(hex::encode(load_or_create(data_dir)?.verifying_key().as_bytes())))
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    f.write_all(text.as_bytes())?;
    Ok(())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text).with_context(|| format!("cannot create {}", path.display()))
}

/// Fresh random bytes as URL-safe base64 (session ids, tokens, CSRF tokens).
pub fn random_token(bytes: usize) -> anyhow::Result<String> {
    use base64::Engine as _;
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| anyhow::anyhow!("no system randomness: {e}"))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf))
}
