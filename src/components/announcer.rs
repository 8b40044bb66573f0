//! The room's ARIA live region (`#liveAnnouncer`, polite): screen readers hear
//! of other people's new messages — one at a time when the room is calm, and
//! in a busy room a summary at most every [`QUIET_MS`] ("5 new messages, the
//! latest from alice") instead of every message.

use leptos::prelude::*;

use crate::{chat::RoomState, client, i18n::t_args};

/// Least time between two announcements.
pub const QUIET_MS: f64 = 4_000.0;

/// Longest text read out of a message.
const SPOKEN_CHARS: usize = 120;

#[component]
pub fn Announcer(state: RoomState) -> impl IntoView {
    let said = RwSignal::new(String::new());
    // What the page opened with is not news.
    let last_seq = StoredValue::new(state.messages.with_untracked(|m| m.last().map_or(0, |m| m.seq)));
    let last_said_at = StoredValue::new(f64::MIN);
    let waiting = StoredValue::new(0usize);
    // Effects run only in the browser.
    Effect::new(move |_| {
        let newest = state.messages.with(|m| m.last().cloned());
        let Some(newest) = newest else { return };
        let before = last_seq.get_value();
        last_seq.set_value(newest.seq.max(before));
        // Older messages (a page loaded above) are not news; nor is one's own message.
        if newest.seq <= before || newest.sender == state.me.get_value() {
            return;
        }
        waiting.update_value(|n| *n += 1);
        let now = client::now_ms();
        if now - last_said_at.get_value() < QUIET_MS {
            return;
        }
        last_said_at.set_value(now);
        let count = waiting.get_value();
        waiting.set_value(0);
        let who = newest.sender_name.clone().unwrap_or_else(|| newest.sender.clone());
        said.set(if count == 1 {
            let text: String = newest.text.chars().take(SPOKEN_CHARS).collect();
            let file = newest.attachment.as_ref().map(|a| t_args("announce-file", &[("name", (&a.name).into())]));
            t_args("announce-one", &[("who", who.as_str().into()), ("text", text.as_str().into())]) + &file.unwrap_or_default()
        } else {
            t_args("announce-many", &[("count", count.into()), ("who", who.as_str().into())])
        });
    });
    view! {
        <div id="liveAnnouncer" class="visually-hidden" role="status" aria-live="polite" aria-atomic="true">{move || said.get()}</div>
    }
}
