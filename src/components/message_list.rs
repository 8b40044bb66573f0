//! The room's messages (`<div id="messages">`). The rows themselves are HTML
//! that the server rendered once per message (`message_row`; the page's rows
//! come in as the island's children, live ones are built from frames by
//! `client::rows`); this island part keeps them in step with the room's state
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

use crate::{
    chat::{PendingMessage, RoomState},
    client,
    components::{
        message_row::{MessageActions, ReaderClasses},
        message_tools::{MessageTools, ToolsAt},
    },
    local_time,
    protocol::ChatMessage,
    seen_by::seen_by,
};

/// How far apart two messages of one sender may be and still form one group.
pub const GROUP_SECONDS: i64 = 5 * 60;

/// How close to the bottom (in pixels) still counts as "at the bottom".
const AT_BOTTOM_PX: i32 = 48;

/// What an empty room shows in place of rows.
pub const EMPTY_HTML: &str = r#"<p class="empty">No messages yet. Say hello!</p>"#;
/// The divider above the first message that was unread when the room opened.
pub const UNREAD_DIVIDER_HTML: &str = r#"<div id="newMessages" class="unread-divider" role="separator">New messages</div>"#;

/// The divider that starts a day ("Today", "Monday 23 November"; a date in UTC).
pub fn day_divider_html(label: &str) -> String {
    let label = label.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    format!(r#"<div class="day-divider" role="separator"><span>{label}</span></div>"#)
}

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
        shown.update_value(|shown| client::rows::sync(&list, state, &sync_room, shown, tools, actions, local));
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
        move |ev: ev::MouseEvent| client::rows::clicked(&ev, state, actions),
        move |ev: &leptos::web_sys::Event| client::rows::pointed(ev, tools),
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
                (!names.is_empty()).then(|| view! { <p id="seenBy" class="seen-by">"Seen by "{names.join(", ")}</p> })
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

/// Who reads the rows, and where the page opened.
#[derive(Clone, Debug, Default)]
pub struct Reader {
    pub me: String,
    /// The reader moderates the room: they may delete any message.
    pub moderates: bool,
    /// The first message that was unread when the page opened.
    pub first_unread: Option<i64>,
    /// The message a permalink points at.
    pub highlighted: Option<i64>,
}

/// Where a row stands for its reader: the day it starts (its label), whether
/// the "New messages" divider goes above it, and its classes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement {
    pub day: Option<String>,
    pub unread: bool,
    pub classes: ReaderClasses,
}

/// Each message's [`Placement`] for `reader`, days in the reader's zone when
/// `local` (UTC otherwise: the server's).
pub fn placements(messages: &[ChatMessage], reader: &Reader, local: bool) -> Vec<Placement> {
    let mut previous: Option<(&ChatMessage, String)> = None;
    messages
        .iter()
        .map(|message| {
            let (day, label) = local_time::day(&message.timestamp, local);
            let starts_day = previous.as_ref().is_none_or(|(_, before)| *before != day);
            let mine = message.sender == reader.me;
            let classes = ReaderClasses {
                mine,
                mentions_me: message.mentions.contains(&reader.me),
                may_remove: mine || reader.moderates,
                continued: !starts_day && previous.as_ref().is_some_and(|(before, _)| continues(before, message)),
                highlighted: reader.highlighted == Some(message.seq),
            };
            previous = Some((message, day));
            Placement { day: starts_day.then_some(label), unread: reader.first_unread == Some(message.seq), classes }
        })
        .collect()
}

/// Whether `message` continues the group of `before`: the same sender, soon
/// after, neither deleted, and not a reply (a reply shows whom it answers).
fn continues(before: &ChatMessage, message: &ChatMessage) -> bool {
    before.sender == message.sender
        && !before.deleted
        && !message.deleted
        && message.reply_to.is_none()
        && local_time::seconds_between(&before.timestamp, &message.timestamp)
            .is_some_and(|gap| (0..=GROUP_SECONDS).contains(&gap))
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
            {pending.attachment.map(|file| view! { <p class="attachment attachment-file">"File: "{file.name}</p> })}
        </article>
    }
}
