//! The room's messages (`<div id="messages">`). The rows themselves are HTML
//! that the server rendered once per message (`message_view`; the page's rows
//! come in as the island's children, live ones are built from frames by
//! `components::row_sync`); this island part keeps them in step with the room's state
//! and adds what is the reader's own: the day dividers in their zone, the
//! groups of one sender's messages, the "New messages" divider, their own
//! reactions, and the one toolbar of actions (`message_tools`) that moves to the
//! row under the pointer or the focus. Clicks on reactions, previews' remove
//! buttons and reply quotes are handled here, for every row at once.
//!
//! The list opens at the divider (or a permalink's message) and follows new
//! messages while the reader is at the bottom; when the page is visible and the
//! newest message is on screen, `on_seen` hears its `seq`. In a small room,
//! "Seen by" under the newest message names who has read it; the user's
//! pending messages follow.

use leptos::{ev, html, prelude::*};

use crate::i18n::{t, t_args};
use crate::{
    chat::{PendingMessage, RoomState},
    client,
    components::message_tools::{MessageActions, MessageTools, ToolsAt},
    local_time,
    seen_by::seen_by,
};

/// How close to the bottom (in pixels) still counts as "at the bottom".
const AT_BOTTOM_PX: i32 = 48;

#[component]
pub fn MessageList(
    state: RoomState,
    room: String,
    actions: MessageActions,
    /// Called with the newest `seq` on screen while the page is visible.
    on_seen: Callback<i64>,
    /// The rows the server rendered for the page (`<div id="rows">`).
    children: Children,
) -> impl IntoView {
    let list_ref = NodeRef::<html::Div>::new();
    let tools = ToolsAt::new();
    // Follow new messages only while the reader is at the bottom.
    let following = StoredValue::new(true);
    let at_bottom = move || {
        list_ref.get_untracked().is_none_or(|list| list.scroll_height() - list.scroll_top() - list.client_height() < AT_BOTTOM_PX)
    };
    let report_seen = move || {
        if client::page_visible() && at_bottom() {
            let newest = state.messages.with_untracked(|m| m.last().map(|m| m.seq));
            if let Some(seq) = newest {
                on_seen.run(seq);
            }
        }
    };
    let on_scroll = move |_| {
        following.set_value(at_bottom());
        report_seen();
    };
    // What the rows on screen were built from (the page's rows: its messages).
    let shown = StoredValue::new(state.messages.get_untracked());
    let opened = StoredValue::new(false);
    let sync_room = room.clone();
    Effect::new(move |_| {
        state.messages.track();
        state.outbox.track();
        state.first_unread.track();
        state.highlighted.track();
        state.editing.track();
        let local = local_time::showing_local();
        let Some(list) = list_ref.get() else { return };
        #[cfg(feature = "hydrate")]
        shown.update_value(|shown| super::row_sync::sync(&list, state, &sync_room, shown, tools, actions, local));
        #[cfg(not(feature = "hydrate"))]
        let _ = (&sync_room, shown, local, actions);
        // Open at the divider when there is one, else at the bottom.
        if !opened.get_value() {
            opened.set_value(true);
            let highlighted = state.highlighted.get_untracked().map(|seq| format!("m{seq}"));
            let start = highlighted.as_deref().unwrap_or("newMessages");
            if let Some(divider) = document().get_element_by_id(start) {
                divider.scroll_into_view();
                following.set_value(at_bottom());
                report_seen();
                return;
            }
        }
        if following.get_value() {
            list.set_scroll_top(list.scroll_height());
        }
        report_seen();
    });
    let visibility = window_event_listener(ev::visibilitychange, move |_| report_seen());
    on_cleanup(move || visibility.remove());
    #[cfg(feature = "hydrate")]
    let (on_click, on_pointer) = (
        move |ev: ev::MouseEvent| super::row_sync::clicked(&ev, state, actions),
        move |ev: &leptos::web_sys::Event| super::row_sync::pointed(ev, tools),
    );
    #[cfg(not(feature = "hydrate"))]
    let (on_click, on_pointer) = (|_: ev::MouseEvent| {}, |_: &leptos::web_sys::Event| {});
    view! {
        <div
            id="messages"
            class="messages"
            node_ref=list_ref
            on:scroll=on_scroll
            on:click=on_click
            on:mouseover=move |ev| on_pointer(ev.as_ref())
            on:focusin=move |ev| on_pointer(ev.as_ref())
        >
            {children()}
            {move || {
                let names = state.messages.with(|m| state.read_by.with(|r| state.me.with_value(|me| seen_by(m, r, me))));
                (!names.is_empty()).then(|| view! { <p id="seenBy" class="seen-by">{t_args("seen-by", &[("names", names.join(", ").as_str().into())])}</p> })
            }}
            <For
                each=move || state.outbox.get().into_iter().filter(PendingMessage::in_timeline)
                key=|p| (p.client_id.clone(), p.error.clone())
                let:pending
            >
                <PendingRow pending />
            </For>
            <div class="tools-home" hidden>
                <MessageTools state actions at=tools />
            </div>
        </div>
    }
}

#[component]
fn PendingRow(pending: PendingMessage) -> impl IntoView {
    let failed = pending.error.is_some();
    view! {
        <article class="message pending" class:failed=failed data-client-id=pending.client_id>
            <span class="sender">"you"</span>
            <span class="pending-state">
                {pending.error.unwrap_or_else(|| t("message-sending"))}
            </span>
            <p class="text">{pending.text}</p>
            {pending.attachment.map(|file| view! { <p class="attachment attachment-file">"File: "{file.name}</p> })}
        </article>
    }
}
