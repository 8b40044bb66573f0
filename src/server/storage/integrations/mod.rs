//! What integrations keep: API tokens, bot accounts, incoming webhooks,
//! outgoing event subscriptions with their delivery cursors, and bots'
//! commands. Secrets that only need checking (tokens, webhook URLs) are kept
//! as their SHA-256; a subscription's signing key is kept as it is (it signs).
//!
//! - [`tokens`]: bearer tokens: made, listed, found by their hash, revoked.
//! - [`bots`]: bot accounts and incoming webhooks' own accounts.
//! - [`hooks`]: a room's incoming webhooks.
//! - [`subscriptions`]: a bot's outgoing subscriptions, their rooms and lease.
//! - [`deliveries`]: a subscription's cursor in each room: the events to
//!   deliver next, and what became of a delivery.
//! - [`commands`]: slash commands bots registered.

pub mod bots;
pub mod commands;
pub mod deliveries;
pub mod hooks;
pub mod subscriptions;
pub mod tokens;

use sha2::{Digest, Sha256};

/// The SHA-256 of a secret, hex: what is kept of tokens and webhook URLs.
pub fn secret_hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// `n` random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the operating system's random source is available");
    bytes
}

/// Unix milliseconds now.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
