//! Drafts in `localStorage`: what is typed in a room's composer and not yet
//! sent is kept per room (across reloads and this browser's tabs) and put
//! back when the room opens again. Log-out clears it with the rest of the
//! site's storage (`Clear-Site-Data`).

use leptos::prelude::window;

fn key(room: &str) -> String {
    format!("parlor.draft.{room}")
}

/// The room's saved draft, if any.
pub fn load(room: &str) -> Option<String> {
    let storage = window().local_storage().ok().flatten()?;
    storage.get_item(&key(room)).ok().flatten().filter(|draft| !draft.is_empty())
}

/// Keeps `text` as the room's draft; blank text removes it.
pub fn save(room: &str, text: &str) {
    let Ok(Some(storage)) = window().local_storage() else { return };
    let _ = if text.trim().is_empty() { storage.remove_item(&key(room)) } else { storage.set_item(&key(room), text) };
}
