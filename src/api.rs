//! Server functions that more than one part of the browser code calls: who is
//! logged in ([`current_user`], for the header and the room socket), a page of
//! a room's history ([`load_history`], for "load older" and the socket's
//! reset), a thread ([`load_thread`]), the user's rooms ([`my_rooms`], for the
//! lobby and the sidebar), the active public rooms ([`active_rooms`],
//! likewise). They live here, not in a page or component, so that client code
//! never reaches into one. (Opening a room for its page is the room page's own:
//! `pages::room::open`.)

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    chat::OpenThread,
    error::AppError,
    protocol::{HistoryPage, RoomStatus},
};

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
    page.messages = page.messages.into_iter().map(crate::server::row_cache::formatted).collect();
    Ok(page)
}

/// The thread of `root` in an admitted room, formatted; `None` when `root` is no thread's root.
#[cfg(feature = "ssr")]
pub(crate) async fn thread_of(
    state: &crate::server::http::state::AppState,
    admitted: &crate::server::accounts::access::Admitted,
    root: i64,
) -> Result<Option<OpenThread>, AppError> {
    use crate::server::{http::history, row_cache::formatted, storage::store::HistoryQuery};
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
    Ok(state.store.memberships().rooms_of(user.0.id, previews).await?)
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
