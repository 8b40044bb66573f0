//! The room's messages (`<div id="messages">`): confirmed messages by `seq`, then
//! the user's pending ones. Text is always rendered as text, never as HTML.

use leptos::{html, prelude::*};

use crate::{
    chat::{PendingMessage, RoomState},
    protocol::ChatMessage,
};

/// `HH:MM` of an RFC 3339 timestamp, as stored (UTC).
fn clock(timestamp: &str) -> String {
    timestamp.get(11..16).unwrap_or_default().to_owned()
}

#[component]
pub fn MessageList(state: RoomState) -> impl IntoView {
    let list_ref = NodeRef::<html::Div>::new();
    // Follow new messages only while the reader is at the bottom.
    let following = StoredValue::new(true);
    let on_scroll = move |_| {
        if let Some(list) = list_ref.get_untracked() {
            let distance = list.scroll_height() - list.scroll_top() - list.client_height();
            following.set_value(distance < 48);
        }
    };
    Effect::new(move |_| {
        state.messages.track();
        state.outbox.track();
        if let Some(list) = list_ref.get()
            && following.get_value()
        {
            list.set_scroll_top(list.scroll_height());
        }
    });
    view! {
        <div id="messages" class="messages" node_ref=list_ref aria-live="polite" on:scroll=on_scroll>
            <Show when=move || state.messages.with(Vec::is_empty) && state.outbox.with(Vec::is_empty)>
                <p class="empty">"No messages yet. Say hello!"</p>
            </Show>
            <For each=move || state.messages.get() key=|m| m.seq let:message>
                <MessageRow message />
            </For>
            <For each=move || state.outbox.get() key=|p| (p.client_id.clone(), p.error.clone()) let:pending>
                <PendingRow pending />
            </For>
        </div>
    }
}

#[component]
fn MessageRow(message: ChatMessage) -> impl IntoView {
    view! {
        <article class="message" data-seq=message.seq>
            <span class="sender">{message.sender}</span>
            <time datetime=message.timestamp.clone() title=message.timestamp.clone()>
                {clock(&message.timestamp)}
            </time>
            <p class="text">{message.text}</p>
        </article>
    }
}

#[component]
fn PendingRow(pending: PendingMessage) -> impl IntoView {
    let failed = pending.error.is_some();
    view! {
        <article class="message pending" class:failed=failed data-client-id=pending.client_id>
            <span class="sender">"you"</span>
            <span class="pending-state">
                {pending.error.unwrap_or_else(|| "sending…".to_owned())}
            </span>
            <p class="text">{pending.text}</p>
        </article>
    }
}
