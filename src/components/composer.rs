//! The message box (`#messageInput`) and send button (`#sendBtn`). Enter sends.

use leptos::{ev, prelude::*};

use const_format::formatcp;

use crate::protocol::MAX_TEXT_CHARS;

/// Shown while the text is over the limit.
const TOO_LONG: &str = formatcp!("Messages can have at most {MAX_TEXT_CHARS} characters.");

#[component]
pub fn Composer(
    /// Called with the trimmed, non-empty text to send.
    on_send: Callback<String>,
) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let send = move || {
        let value = text.get_untracked();
        let trimmed = value.trim();
        if !trimmed.is_empty() && trimmed.chars().count() <= MAX_TEXT_CHARS {
            on_send.run(trimmed.to_owned());
            text.set(String::new());
        }
    };
    let too_long = move || text.with(|t| t.trim().chars().count() > MAX_TEXT_CHARS);
    view! {
        <form class="composer" on:submit=move |ev: ev::SubmitEvent| { ev.prevent_default(); send(); }>
            <input
                id="messageInput"
                type="text"
                autocomplete="off"
                placeholder="Write a message…"
                aria-label="Message"
                prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))
            />
            <button id="sendBtn" type="submit" disabled=too_long>"Send"</button>
            <Show when=too_long>
                <p class="form-error">{TOO_LONG}</p>
            </Show>
        </form>
    }
}
