//! The user's rooms (`<nav id="myRooms">`), in the lobby and beside a room:
//! unread rooms first and bold, each with its unread count and a mention badge,
//! private rooms with a lock, direct messages in a section of their own, in
//! the lobby each with its newest message; kept live by the inbox.

use leptos::prelude::*;

use crate::i18n::t;
use crate::{
    components::lock_icon::LockIcon,
    paths,
    protocol::{RoomKind, RoomStatus},
    room_counts::{MyRooms, titled},
};

/// Keeps the tab's title on the reader's unread total, e.g. `(3) Lobby ·
/// Parlor`, as the counts change; the server renders the first one (a
/// `<Title>` of the page, with [`titled`]).
#[component]
pub fn LiveUnreadTitle(rooms: MyRooms, title: String) -> impl IntoView {
    // Effects run only in the browser.
    Effect::new(move |_| document().set_title(&titled(rooms.total_unread(), &title)));
}

#[component]
pub fn MyRoomsList(
    rooms: MyRooms,
    /// The room open beside the list, if any.
    #[prop(optional, into)]
    current: Option<String>,
    /// Show each room's newest message under its name (the lobby).
    #[prop(optional)]
    previews: bool,
) -> impl IntoView {
    let current = StoredValue::new(current);
    let of_kind = move |direct: bool| {
        move || rooms.rooms.with(|r| r.iter().filter(|s| (s.kind == RoomKind::Direct) == direct).cloned().collect::<Vec<_>>())
    };
    let has_direct = move || rooms.rooms.with(|r| r.iter().any(|s| s.kind == RoomKind::Direct));
    view! {
        <nav id="myRooms" class="my-rooms" aria-label=t("my-rooms")>
            <h2>{t("my-rooms")}</h2>
            <Show
                when=move || rooms.rooms.with(|r| !r.is_empty())
                fallback=|| view! { <p class="empty">{t("my-rooms-empty")}</p> }
            >
                <ul>
                    <For each=of_kind(false) key=|r| (r.room.clone(), r.unread, r.mentions, r.latest.as_ref().map(|l| l.seq)) let:status>
                        <RoomEntry status current show_previews=previews />
                    </For>
                </ul>
                <Show when=has_direct>
                    <h3 id="directMessages">{t("my-rooms-direct")}</h3>
                    <ul aria-labelledby="directMessages">
                        <For each=of_kind(true) key=|r| (r.room.clone(), r.unread, r.mentions, r.latest.as_ref().map(|l| l.seq)) let:status>
                            <RoomEntry status current show_previews=previews />
                        </For>
                    </ul>
                </Show>
            </Show>
        </nav>
    }
}

/// One room of the list: its name (a lock for a private room), its counts.
#[component]
fn RoomEntry(status: RoomStatus, current: StoredValue<Option<String>>, show_previews: bool) -> impl IntoView {
    let private = status.kind == RoomKind::Private;
    // The newest message, in the lobby's list (the sidebar stays one line a room).
    let preview = status.latest.clone().filter(|_| show_previews);
    view! {
        <li
            class="my-room"
            class:unread={status.unread > 0}
            // `try_`: on the server a page whose reader went away is torn
            // down while its list may still be rendering (bench k saw a panic).
            class:current={current.try_with_value(|c| c.as_deref() == Some(status.room.as_str())).unwrap_or(false)}
            class:direct={status.kind == RoomKind::Direct}
            data-room=status.room.clone()
        >
            <a href=paths::room(&status.room) rel="external">
                {private.then(|| view! { <LockIcon /> " " })}
                <bdi>{status.label()}</bdi>
            </a>
            <Show when=move || { status.mentions > 0 }>
                <span class="badge mention-count" title=t("my-rooms-mentions")>"@"{status.mentions}</span>
            </Show>
            <Show when=move || { status.unread > 0 }>
                <span class="badge unread-count" title=t("my-rooms-unread")>{status.unread}</span>
            </Show>
            {preview.map(|latest| view! {
                <span class="room-preview">
                    {latest.sender}
                    {latest.bot.then(|| view! { " "<span class="bot-badge" title=t("bot-badge-title")>{t("bot-badge")}</span> })}
                    ": "<bdi>{latest.text}</bdi>
                </span>
            })}
        </li>
    }
}
