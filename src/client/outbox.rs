//! The outbox in `localStorage`: messages typed but not yet acknowledged survive
//! a page reload and are sent (once, thanks to their `client_id`) afterwards.

use leptos::prelude::window;

use crate::chat::PendingMessage;

fn key(room: &str) -> String {
    format!("parlor.outbox.{room}")
}

/// The room's saved outbox (empty when none or unreadable).
pub fn load(room: &str) -> Vec<PendingMessage> {
    let Ok(Some(storage)) = window().local_storage() else { return Vec::new() };
    storage.get_item(&key(room)).ok().flatten().and_then(|json| serde_json::from_str(&json).ok()).unwrap_or_default()
}

/// Saves the room's outbox, removing the entry when it is empty.
pub fn save(room: &str, outbox: &[PendingMessage]) {
    let Ok(Some(storage)) = window().local_storage() else { return };
    if outbox.is_empty() {
        let _ = storage.remove_item(&key(room));
    } else if let Ok(json) = serde_json::to_string(outbox) {
        let _ = storage.set_item(&key(room), &json);
    }
}

/// A fresh idempotency key: time and randomness, well under 64 characters.
pub fn new_client_id() -> String {
    let millis = js_sys::Date::now() as u64;
    let random = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
    format!("{millis:x}-{random:x}")
}
