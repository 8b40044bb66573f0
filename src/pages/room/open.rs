//! `POST /api/open_room`: what the room page reads to open a room — the
//! newest history (or a permalink's context, or a thread beside it), the
//! reader's place in it, what they may do there, the room's topic, "Seen by",
//! the page's rows as HTML and the reader's rooms — in as few reads as it can.

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

/// `POST /api/open_room`: opens a room for its page: puts it in the reader's
/// list and returns the newest history (or, with `at`, the messages around
/// that one) with the reader's read marker, and (on the server) their rooms.
#[server(prefix = "/api", endpoint = "open_room")]
pub async fn open_room(room: String, at: Option<i64>, thread: Option<i64>) -> Result<RoomView, AppError> {
    use crate::{
        chat::first_unread,
        message_view::Reader,
        protocol::PAGE_SIZE,
        server::{
            accounts::access,
            http::{gate, history},
            policy::Action,
            row_cache::page_rows,
            storage::store::{Found, HistoryQuery},
        },
    };
    let (state, user) = gate::require_user().await?;
    let admitted = access::room(&state.store, &user, &room, Action::Read).await?;
    // A permalink to a reply kept in its thread opens the thread at it, beside its root.
    let in_thread = match at {
        Some(seq) => state.store.threads().thread_root_of(&admitted.name, seq).await?,
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
        Some(root) => crate::api::thread_of(&state, &admitted, root).await?,
        None => None,
    };
    // The reader's list says where they are in this room; a first visit to a
    // public room puts it in the list (one more read of it, once).
    let mut rooms = state.store.memberships().rooms_of(user.0.id, false).await?;
    if !rooms.iter().any(|listed| listed.room == page.room)
        && state.store.memberships().join_room(user.0.id, &page.room, None).await?.is_some()
    {
        rooms = state.store.memberships().rooms_of(user.0.id, false).await?;
    }
    let listed = rooms.iter().find(|listed| listed.room == page.room);
    let (last_read_seq, notify) = listed.map_or((0, NotifyLevel::default()), |listed| (listed.last_read_seq, listed.notify));
    let title = match admitted.kind {
        RoomKind::Direct => listed.and_then(|listed| listed.with.clone()),
        _ => admitted.title,
    };
    let seen = state.store.seen().reads_seen(&page.room, &user.0).await?;
    let highlighted = at.filter(|(_, found)| *found != Permalink::Missing).map(|(seq, _)| seq);
    let reader = Reader {
        first_unread: highlighted.is_none().then(|| first_unread(&page.messages, &user.0.username, last_read_seq)).flatten(),
        highlighted,
        me: user.0.username.clone(),
        moderates: admitted.manages,
    };
    let rows = page_rows(&state.store.caches().rows, &page.room, &page.messages, &reader, &crate::i18n::texts());
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
