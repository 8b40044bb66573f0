//! Threads over HTTP (JSON, form-encoded posts): following a thread or not,
//! and the threads the user follows with their unread and mention counts.
//! A thread's page of replies is the history API's (`?thread=`). Every room
//! is named by the user and checked by `accounts::access` first; the user's
//! other sockets hear of a follow that changed.

use axum::{Json, extract::State};
use serde::Deserialize;

use crate::{
    error::AppError,
    protocol::{ThreadStatus, api::ThreadList},
    server::{
        accounts::access,
        bus::UserNotice,
        http::{forms::ValidForm, gate::RequireUser, memberships::tell, params::SeqParam, state::AppState},
        policy::Action,
    },
};

/// `GET /api/threads/`: `{"threads": [...]}`, the threads the user follows,
/// newest activity first, each with its unread and mention counts.
pub async fn list(State(state): State<AppState>, RequireUser(user): RequireUser) -> Result<Json<ThreadList>, AppError> {
    let threads: Vec<ThreadStatus> = state.store.threads().followed_threads(user.0.id).await?;
    let unread: i64 = threads.iter().map(|thread| thread.unread).sum();
    Ok(Json(ThreadList { threads, unread }))
}

/// The form of `POST /api/threads/follow`.
#[derive(Deserialize)]
pub struct FollowForm {
    room: String,
    thread: SeqParam,
    follow: String,
}

/// `POST /api/threads/follow` (`room`, `thread` = the root's `seq`,
/// `follow` = `true` | `false`): the thread's status for the user afterwards.
pub async fn follow(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    ValidForm(form): ValidForm<FollowForm>,
) -> Result<Json<ThreadStatus>, AppError> {
    let follow = match form.follow.as_str() {
        "true" | "on" | "1" => true,
        "false" | "off" | "0" => false,
        other => return Err(AppError::BadRequest(format!("follow must be true or false, not {other:?}"))),
    };
    let room = access::room(&state.store, &user, &form.room, Action::Follow).await?.name;
    let root = form.thread.0;
    let status = state.store.threads().follow_thread(user.0.id, &room, root, follow).await?.ok_or(AppError::NotFound)?;
    tell(&state, user.0.id, UserNotice::Thread { room, thread: root }).await;
    Ok(Json(status))
}
