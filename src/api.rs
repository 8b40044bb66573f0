//! Server functions that more than one part of the browser code calls: who is
//! logged in ([`current_user`], for the header and the room socket), a page of
//! a room's history ([`load_history`], for "load older" and the socket's
//! reset), opening a room ([`open_room`]) and the user's rooms ([`my_rooms`],
//! for the lobby and the sidebar), the active public rooms ([`active_rooms`],
//! likewise). They live here, not in a page or component,
//! so that client code never reaches into one.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    chat::OpenThread,
    error::AppError,
    protocol::{HistoryPage, NotifyLevel, RoomKind, RoomStatus, SeenRead},
};

/// A room as its page opens it: the newest history and the reader's place in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomView {
    pub page: HistoryPage,
    /// The reader's username.
    pub me: String,
    /// The newest `seq` the reader had seen (the "New messages" divider goes after it).
    pub last_read_seq: i64,
    pub notify: NotifyLevel,
    /// For a permalink (`?at=SEQ`): the seq, and what it turned out to be.
    pub at: Option<(i64, Permalink)>,
    pub kind: RoomKind,
    /// What a private room is called; for a direct room, the other person.
    pub title: Option<String>,
    /// Whether the reader may manage the room (members, invites, moderation).
    pub manages: bool,
    /// Whether the reader may make and revoke the room's incoming webhooks.
    pub hooks: bool,
    /// The room's topic (shown under its name), if it has one.
    pub topic: Option<String>,
    /// Whether the reader may set the topic.
    pub sets_topic: bool,
    /// How far the other readers of a small room have read ("Seen by"; empty
    /// for larger rooms and when the reader does not share reads).
    pub seen: Vec<SeenRead>,
    /// The thread open beside the room (`?thread=SEQ`, or a permalink to a reply).
    pub thread: Option<OpenThread>,
    /// The page's message rows as HTML (the server's cached rows with this
    /// reader's classes): the room page shows them; never sent to the browser
    /// as data.
    #[serde(skip)]
    pub rows: String,
    /// The reader's rooms with their counts (the page's sidebar and title;
    /// the island gets them as a prop of their own).
    #[serde(skip)]
    pub rooms: Vec<RoomStatus>,
}

/// What a permalink's `seq` is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Permalink {
    /// A message, shown in its context.
    Message,
    /// A deleted message (its placeholder is shown).
    Deleted,
    /// No message of this room has that seq (the newest page is shown).
    Missing,
}

/// `POST /api/me`: the username of the session (or of an API token: a
/// script's "who am I"), if logged in.
#[server(prefix = "/api", endpoint = "me")]
pub async fn current_user() -> Result<Option<String>, AppError> {
    use crate::server::http::gate;
    let user = match gate::bearer().await {
        Some(bearer) => Some(bearer.user),
        None => gate::current_user().await?,
    };
    Ok(user.map(|user| user.0.username))
}

/// `POST /api/am_admin`: whether the session's user is an administrator (the
/// header then links to `/admin`).
#[server(prefix = "/api", endpoint = "am_admin")]
pub async fn am_admin() -> Result<bool, AppError> {
    let user = crate::server::http::gate::current_user().await?;
    Ok(user.is_some_and(|user| user.0.is_admin))
}

/// `POST /api/history`: a page of the room's history, the newest or the one
/// before `before`. The same code path as `GET /api/messages/{room}/`.
#[server(prefix = "/api", endpoint = "history")]
pub async fn load_history(room: String, before: Option<i64>) -> Result<HistoryPage, AppError> {
    use crate::{
        protocol::PAGE_SIZE,
        server::{
            http::{gate, history},
            storage::store::HistoryQuery,
        },
    };
    let (state, user) = gate::require_user().await?;
    let mut page =
        history::read_history(&state, &user, &room, HistoryQuery { before, after: None, limit: PAGE_SIZE, thread: None }).await?;
    page.messages = page.messages.into_iter().map(crate::server::rows::formatted).collect();
    Ok(page)
}

/// `POST /api/open_room`: opens a room for its page: puts it in the reader's
/// list and returns the newest history (or, with `at`, the messages around
/// that one) with the reader's read marker, and (on the server) their rooms.
#[server(prefix = "/api", endpoint = "open_room")]
pub async fn open_room(room: String, at: Option<i64>, thread: Option<i64>) -> Result<RoomView, AppError> {
    use crate::{
        chat::first_unread,
        components::message_list::Reader,
        protocol::PAGE_SIZE,
        server::{
            accounts::access,
            http::{gate, history},
            policy::Action,
            rows::page_rows,
            storage::store::{Found, HistoryQuery},
        },
    };
    let (state, user) = gate::require_user().await?;
    let admitted = access::room(&state.store, &user, &room, Action::Read).await?;
    // A permalink to a reply kept in its thread opens the thread at it, beside its root.
    let in_thread = match at {
        Some(seq) => state.store.thread_root_of(&admitted.name, seq).await?,
        None => None,
    };
    let thread = in_thread.or(thread);
    let timeline_at = match (at, in_thread) {
        (Some(_), Some(root)) => Some(root),
        _ => at,
    };
    let (page, at) = match timeline_at {
        None => (
            history::page_of(&state, &admitted, HistoryQuery { before: None, after: None, limit: PAGE_SIZE, thread: None })
                .await?,
            None,
        ),
        Some(seq) => {
            let (page, found) = history::around_of(&state, &admitted, seq).await?;
            let found = match found {
                Found::Message => Permalink::Message,
                Found::Deleted => Permalink::Deleted,
                Found::Missing => Permalink::Missing,
            };
            (page, Some((at.unwrap_or(seq), found)))
        }
    };
    let thread = match thread {
        Some(root) => thread_of(&state, &admitted, root).await?,
        None => None,
    };
    // The reader's list says where they are in this room; a first visit to a
    // public room puts it in the list (one more read of it, once).
    let mut rooms = state.store.rooms_of(user.0.id, false).await?;
    if !rooms.iter().any(|listed| listed.room == page.room) && state.store.join_room(user.0.id, &page.room, None).await?.is_some()
    {
        rooms = state.store.rooms_of(user.0.id, false).await?;
    }
    let listed = rooms.iter().find(|listed| listed.room == page.room);
    let (last_read_seq, notify) = listed.map_or((0, NotifyLevel::default()), |listed| (listed.last_read_seq, listed.notify));
    let title = match admitted.kind {
        RoomKind::Direct => listed.and_then(|listed| listed.with.clone()),
        _ => admitted.title,
    };
    let seen = state.store.reads_seen(&page.room, &user.0).await?;
    let highlighted = at.filter(|(_, found)| *found != Permalink::Missing).map(|(seq, _)| seq);
    let reader = Reader {
        first_unread: highlighted.is_none().then(|| first_unread(&page.messages, &user.0.username, last_read_seq)).flatten(),
        highlighted,
        me: user.0.username.clone(),
        moderates: admitted.manages,
    };
    let rows = page_rows(&state.store.caches().rows, &page.room, &page.messages, &reader);
    Ok(RoomView {
        page,
        me: user.0.username,
        last_read_seq,
        notify,
        at,
        kind: admitted.kind,
        title,
        manages: admitted.manages,
        hooks: admitted.hooks,
        topic: admitted.topic,
        sets_topic: admitted.sets_topic,
        seen,
        thread,
        rows,
        rooms,
    })
}

/// The thread of `root` in an admitted room, formatted; `None` when `root` is no thread's root.
#[cfg(feature = "ssr")]
async fn thread_of(
    state: &crate::server::http::state::AppState,
    admitted: &crate::server::accounts::access::Admitted,
    root: i64,
) -> Result<Option<OpenThread>, AppError> {
    use crate::server::{http::history, rows::formatted, storage::store::HistoryQuery};
    let query = HistoryQuery { limit: crate::protocol::MAX_PAGE_SIZE, thread: Some(root), ..Default::default() };
    match history::page_of(state, admitted, query).await {
        Ok(page) => Ok(page
            .root
            .map(|root| OpenThread { root: formatted(root), replies: page.messages.into_iter().map(formatted).collect() })),
        Err(AppError::NotFound) => Ok(None),
        Err(err) => Err(err),
    }
}

/// `POST /api/thread`: the thread of `root` in `room` (its root and newest
/// replies, formatted), to open beside the room. The same code path as
/// `GET /api/messages/{room}/?thread=SEQ`.
#[server(prefix = "/api", endpoint = "thread")]
pub async fn load_thread(room: String, root: i64) -> Result<OpenThread, AppError> {
    use crate::server::{accounts::access, http::gate, policy::Action};
    let (state, user) = gate::require_user().await?;
    let admitted = access::room(&state.store, &user, &room, Action::Read).await?;
    thread_of(&state, &admitted, root).await?.ok_or(AppError::NotFound)
}

/// `POST /api/my_rooms`: the reader's rooms with unread and mention counts,
/// and with each one's newest message when `previews` (the lobby: a room
/// page's sidebar shows none, so its page does not carry them).
#[server(prefix = "/api", endpoint = "my_rooms")]
pub async fn my_rooms(previews: bool) -> Result<Vec<RoomStatus>, AppError> {
    let (state, user) = crate::server::http::gate::require_user().await?;
    Ok(state.store.rooms_of(user.0.id, previews).await?)
}

/// A room as the lobby lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomListing {
    pub name: String,
    pub message_count: i64,
    /// RFC 3339, UTC.
    pub last_activity: String,
}

/// The 100 most recently active rooms.
#[server(prefix = "/api", endpoint = "lobby")]
pub async fn active_rooms() -> Result<Vec<RoomListing>, AppError> {
    use crate::{protocol::format_timestamp, server::http::gate};
    let state = gate::app_state()?;
    let rooms = state.store.active_rooms(100).await?;
    Ok(rooms
        .into_iter()
        .map(|r| RoomListing { name: r.name, message_count: r.message_count, last_activity: format_timestamp(r.last_activity) })
        .collect())
}
