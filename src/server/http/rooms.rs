//! A user's rooms over HTTP (JSON, form-encoded posts): the list with unread
//! and mention counts, a room's members (for `@` completion), its notification
//! level, and leaving it. Every room is named by the user and checked by
//! `accounts::access` first.

use axum::{
    Form, Json,
    extract::{Path, State, rejection::FormRejection},
};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::{
    error::AppError,
    names::canonical_username,
    protocol::{NotifyLevel, RoomStatus},
    server::{
        accounts::access::{self, Need},
        http::gate::RequireUser,
        realtime::layer::{Event, Group, UserNotice},
        state::AppState,
    },
};

fn internal(err: impl std::fmt::Display) -> AppError {
    tracing::error!(%err, "a rooms request failed");
    AppError::Internal
}

/// `GET /api/rooms/`: `{"rooms": [...]}`, unread rooms first.
pub async fn list(State(state): State<AppState>, RequireUser(user): RequireUser) -> Result<Json<Value>, AppError> {
    let rooms: Vec<RoomStatus> = state.store.rooms_of(user.0.id).await.map_err(internal)?;
    Ok(Json(json!({ "rooms": rooms })))
}

/// `GET /api/rooms/{room}/members`: `{"room", "members": [usernames]}`.
pub async fn members(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(room): Path<String>,
) -> Result<Json<Value>, AppError> {
    let room = access::room(&state.store, &user, &room, Need::Read).await?;
    let members = state.store.members(&room).await.map_err(internal)?;
    Ok(Json(json!({ "room": room, "members": members })))
}

/// The form of `POST /api/rooms/{room}/notify`.
#[derive(Deserialize)]
pub struct NotifyForm {
    level: NotifyLevel,
}

/// `POST /api/rooms/{room}/notify` (`level` = `all` | `mentions` | `none`).
pub async fn set_notify(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(room): Path<String>,
    form: Result<Form<NotifyForm>, FormRejection>,
) -> Result<Json<Value>, AppError> {
    let Form(form) = form.map_err(|rejection| AppError::BadRequest(rejection.body_text()))?;
    let room = access::room(&state.store, &user, &room, Need::Read).await?;
    let joined = state.store.join_room(user.0.id, &room, None).await.map_err(internal)?;
    if joined.is_none() || !state.store.set_notify(user.0.id, &room, form.level).await.map_err(internal)? {
        return Err(AppError::BadRequest(format!("#{room} is not in your rooms")));
    }
    Ok(Json(json!({ "room": room, "notify": form.level })))
}

/// The form of `POST /api/rooms/{room}/members/remove`.
#[derive(Deserialize)]
pub struct MemberForm {
    username: String,
}

/// `POST /api/rooms/{room}/members/remove` (`username`): a member leaves the
/// room (takes it out of their list; the history stays). Only oneself, for now.
pub async fn remove_member(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(room): Path<String>,
    form: Result<Form<MemberForm>, FormRejection>,
) -> Result<Json<Value>, AppError> {
    let Form(form) = form.map_err(|rejection| AppError::BadRequest(rejection.body_text()))?;
    let room = access::room(&state.store, &user, &room, Need::Read).await?;
    let username = canonical_username(&form.username).map_err(|_| AppError::BadUsername)?;
    if username != user.0.username {
        return Err(AppError::BadRequest("you can only remove yourself from a public room".into()));
    }
    let left = state.store.leave_room(user.0.id, &room).await.map_err(internal)?;
    if left {
        let notice = Event::Notice(UserNotice::Left { room: room.clone() });
        let _ = state.layer.group_send(&Group::User(user.0.id), notice).await;
    }
    Ok(Json(json!({ "room": room, "left": left })))
}
