//! Who is in the room now (`<ul id="presence">`) and who is typing
//! (`<p id="typing">`): "alice is typing…", cleared five seconds after the last
//! typing frame or when that person's message arrives.

use std::time::Duration;

use leptos::prelude::*;

use crate::i18n::t;
use crate::{
    chat::{RoomState, typing_line},
    client,
};

#[component]
pub fn PresenceList(state: RoomState) -> impl IntoView {
    view! {
        <ul id="presence" class="presence" aria-label=t("presence-label")>
            <For each=move || state.presence.get() key=|user| user.clone() let:user>
                <li class="present" data-user=user.clone()>{user.clone()}</li>
            </For>
        </ul>
    }
}

#[component]
pub fn TypingIndicator(state: RoomState) -> impl IntoView {
    // While someone types, look once a second whose time is up.
    Effect::new(move |_| {
        if state.typing.with(Vec::is_empty) {
            return;
        }
        if let Ok(ticker) = set_interval_with_handle(
            move || {
                state.expire_typing(client::now_ms());
            },
            Duration::from_secs(1),
        ) {
            on_cleanup(move || ticker.clear());
        }
    });
    let line = move || {
        let me = state.me.get_value();
        let users: Vec<String> = state.typing.with(|t| t.iter().map(|t| t.user.clone()).filter(|u| *u != me).collect());
        typing_line(&users)
    };
    view! { <p id="typing" class="typing" aria-live="polite">{line}</p> }
}
