//! One-time codes a guard types or scans at the gate.
use rand::Rng;

/// Eight characters a guard can type: no 0/O or 1/I.
pub fn new() -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let mut rng = rand::thread_rng();
    (0..8)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// What a guard typed, as stored: trimmed, upper case, spaces and dashes dropped.
pub fn normalize(raw: &str) -> String {
    raw.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect::<String>()
        .to_ascii_uppercase()
}
