//! The room's messages (`<div id="messages">`): confirmed messages by `seq` (see
//! `message_row`), then the user's pending ones. A "New messages" divider sits
//! above the first message that was unread when the room was opened, and the
//! list opens there (or at a permalink's message). When the page is visible and
//! the newest message is on screen, `on_seen` hears its `seq`. A divider names
//! each day ("Today", "Yesterday", "Monday 23 November" in the reader's zone).
//! A message that follows one of the same sender within [`GROUP_SECONDS`] on
//! the same day continues its group: it is shown without a second name and avatar.
//! In a small room, "Seen by" under the newest message names who has read it.

use leptos::{ev, html, prelude::*};

use crate::{
    chat::{PendingMessage, RoomState},
    client,
    components::message_row::{MessageActions, MessageRow},
    local_time,
    protocol::ChatMessage,
    seen_by::seen_by,
};

/// How far apart two messages of one sender may be and still form one group.
pub const GROUP_SECONDS: i64 = 5 * 60;

/// How close to the bottom (in pixels) still counts as "at the bottom".
const AT_BOTTOM_PX: i32 = 48;

#[component]
pub fn MessageList(
    state: RoomState,
    room: String,
    actions: MessageActions,
    /// Called with the newest `seq` on screen while the page is visible.
    on_seen: Callback<i64>,
) -> impl IntoView {
    let list_ref = NodeRef::<html::Div>::new();
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
    // Open at the divider when there is one, else at the bottom.
    let opened = StoredValue::new(false);
    Effect::new(move |_| {
        state.messages.track();
        state.outbox.track();
        let Some(list) = list_ref.get() else { return };
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
    view! {
        <div id="messages" class="messages" node_ref=list_ref on:scroll=on_scroll>
            <Show when=move || state.messages.with(Vec::is_empty) && state.outbox.with(Vec::is_empty)>
                <p class="empty">"No messages yet. Say hello!"</p>
            </Show>
            <For
                each=move || with_days(state)
                key=|(m, day, continued)| {
                    (m.seq, m.text.clone(), m.edited_at.clone(), m.deleted, m.reactions.clone(), m.reply_to.clone(), m.preview.clone(), day.clone(), *continued)
                }
                children=move |(message, day, continued)| {
                    let seq = message.seq;
                    view! {
                        {day.map(|label| view! { <div class="day-divider" role="separator"><span>{label}</span></div> })}
                        <Show when=move || state.first_unread.get() == Some(seq)>
                            <div id="newMessages" class="unread-divider" role="separator">"New messages"</div>
                        </Show>
                        <MessageRow message state room=room.clone() actions continued />
                    }
                }
            />
            {move || {
                let names = state.messages.with(|m| state.read_by.with(|r| state.me.with_value(|me| seen_by(m, r, me))));
                (!names.is_empty()).then(|| view! { <p id="seenBy" class="seen-by">"Seen by "{names.join(", ")}</p> })
            }}
            <For each=move || state.outbox.get() key=|p| (p.client_id.clone(), p.error.clone()) let:pending>
                <PendingRow pending />
            </For>
        </div>
    }
}

/// The messages, each with the label of the day it starts (the first message
/// of the list, and every one on another day than the one before it), and
/// whether it continues the group of the message before it.
fn with_days(state: RoomState) -> Vec<(ChatMessage, Option<String>, bool)> {
    let local = local_time::showing_local();
    state.messages.with(|messages| {
        let mut previous_day: Option<String> = None;
        let mut previous: Option<&ChatMessage> = None;
        messages
            .iter()
            .map(|message| {
                let (key, label) = local_time::day(&message.timestamp, local);
                let starts_day = previous_day.as_ref() != Some(&key);
                previous_day = Some(key);
                let continued = !starts_day && previous.is_some_and(|before| continues(before, message));
                previous = Some(message);
                (message.clone(), starts_day.then_some(label), continued)
            })
            .collect()
    })
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
