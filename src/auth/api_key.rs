//! Integrator API keys: `gj_<prefix>_<secret>`. The prefix finds the row; only a SHA-256 of the
//! whole key is stored (the key is 256 random bits, so a slow hash adds nothing).
use rand::RngCore;
use sha2::{Digest, Sha256};

pub struct NewKey {
    pub prefix: String,
    pub full: String,
    pub hash: String,
}

pub fn generate() -> NewKey {
    let mut p = [0u8; 6];
    let mut s = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut p);
    rand::thread_rng().fill_bytes(&mut s);
    let prefix = hex::encode(p);
    let full = format!("gj_{prefix}_{}", hex::encode(s));
    let hash = sha256_hex(&full);
    NewKey { prefix, full, hash }
}

/// The prefix of a presented key, if it has the right shape.
pub fn prefix_of(presented: &str) -> Option<&str> {
    let rest = presented.strip_prefix("gj_")?;
    let (prefix, secret) = rest.split_once('_')?;
    (prefix.len() == 12 && secret.len() == 64).then_some(prefix)
}

pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// Constant-time comparison of two hex digests.
pub fn digests_match(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}
