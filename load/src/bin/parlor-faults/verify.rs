//! After a run: what the database kept (each room's whole history, read
//! through the API) against what the clients were acknowledged and shown.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;
use serde_json::Value;

use crate::clients::Record;

/// The run's outcome: every count but `acked` must be 0.
#[derive(Debug, Default, Serialize)]
pub struct Outcome {
    pub acked: u64,
    /// Acknowledged messages the history does not hold (at their seq, with their text).
    pub lost: u64,
    /// Messages stored twice (one client id, two seqs), and seqs a reader was shown twice.
    pub duplicates: u64,
    /// Seqs of a reader's room that it was never shown.
    pub gaps: u64,
    /// Messages never acknowledged, despite every resend.
    pub unacked: u64,
    pub resets: u64,
}

/// Each room's history: seq → text.
pub async fn history(
    base: &str,
    cookie: &str,
    rooms: &[String],
) -> Result<HashMap<String, BTreeMap<i64, String>>, crate::BoxError> {
    let http = reqwest::Client::new();
    let mut all = HashMap::new();
    for room in rooms {
        let mut kept = BTreeMap::new();
        loop {
            let after = kept.keys().next_back().copied().unwrap_or(0);
            let page: Value = http
                .get(format!("{base}/api/messages/{room}/?after={after}&limit=200"))
                .header("cookie", cookie)
                .send()
                .await?
                .error_for_status()?
                .json()
                .await?;
            let messages = page["messages"].as_array().cloned().unwrap_or_default();
            if messages.is_empty() {
                break;
            }
            for message in messages {
                if let (Some(seq), Some(text)) = (message["seq"].as_i64(), message["text"].as_str()) {
                    kept.insert(seq, text.to_owned());
                }
            }
        }
        all.insert(room.clone(), kept);
    }
    Ok(all)
}

/// Compares the record with the history.
pub fn outcome(record: &Record, history: &HashMap<String, BTreeMap<i64, String>>) -> Outcome {
    let mut outcome =
        Outcome { acked: record.acked.len() as u64, unacked: record.unacked, resets: record.resets, ..Outcome::default() };
    for (client_id, (room, seq)) in &record.acked {
        let kept = history.get(room).and_then(|kept| kept.get(seq));
        if kept.is_none_or(|text| text.split(' ').next() != Some(client_id)) {
            outcome.lost += 1;
        }
    }
    for kept in history.values() {
        let mut ids = HashSet::new();
        for text in kept.values() {
            if !ids.insert(text.split(' ').next().unwrap_or_default()) {
                outcome.duplicates += 1;
            }
        }
    }
    for (room, seen) in &record.readers {
        outcome.duplicates += seen.values().map(|&shown| u64::from(shown.saturating_sub(1))).sum::<u64>();
        if let Some(kept) = history.get(room) {
            outcome.gaps += kept.keys().filter(|seq| !seen.contains_key(seq)).count() as u64;
        }
    }
    outcome
}
