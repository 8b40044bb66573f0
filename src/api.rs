//! Server functions that more than one part of the browser code calls: who is
//! logged in ([`current_user`], for the header and the room socket) and a page
//! of a room's history ([`load_history`], for the room page, "load older" and
//! the socket's reset). They live here, not in a page or component, so that
//! client code never reaches into one.

use leptos::prelude::*;

use crate::{error::AppError, protocol::HistoryPage};

/// `POST /api/me`: the username of the session, if logged in.
#[server(prefix = "/api", endpoint = "me")]
pub async fn current_user() -> Result<Option<String>, AppError> {
    let user = crate::server::http::gate::current_user().await?;
    Ok(user.map(|user| user.0.username))
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
    history::read_history(&state, &user, &room, HistoryQuery { before, after: None, limit: PAGE_SIZE }).await
}
