//! A user's rooms over HTTP (JSON, form-encoded posts): the list with unread
//! and mention counts, a room's members (for `@` completion) and its
//! notification level. Every room is named by the user and checked by
//! `accounts::access` first. (Creating rooms and changing members: `memberships`.)

use axum::{
    Json,
    extract::{Path, State},
};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::{
    error::AppError,
    protocol::{NotifyLevel, RoomStatus},
    server::{
        accounts::access,
        http::state::AppState,
        http::{forms::ValidForm, gate::RequireUser},
        policy::Action,
    },
};

/// `GET /api/rooms/`: `{"rooms": [...]}`, unread rooms first.
pub async fn list(State(state): State<AppState>, RequireUser(user): RequireUser) -> Result<Json<Value>, AppError> {
    let rooms: Vec<RoomStatus> = state.store.rooms_of(user.0.id, true).await?;
    Ok(Json(json!({ "rooms": rooms })))
}

/// `GET /api/rooms/{room}/members`: `{"room", "members": [usernames]}`.
pub async fn members(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(room): Path<String>,
) -> Result<Json<Value>, AppError> {
    let room = access::room(&state.store, &user, &room, Action::Read).await?.name;
    let listed = state.store.members(&room).await?;
    let bots: Vec<&str> = listed.iter().filter(|(_, kind)| kind.is_bot()).map(|(name, _)| name.as_str()).collect();
    let members: Vec<&str> = listed.iter().map(|(name, _)| name.as_str()).collect();
    Ok(Json(json!({ "room": room, "members": members, "bots": bots })))
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
    ValidForm(form): ValidForm<NotifyForm>,
) -> Result<Json<Value>, AppError> {
    let room = access::room(&state.store, &user, &room, Action::Read).await?.name;
    let joined = state.store.join_room(user.0.id, &room, None).await?;
    if joined.is_none() || !state.store.set_notify(user.0.id, &room, form.level).await? {
        return Err(AppError::BadRequest(format!("#{room} is not in your rooms")));
    }
    Ok(Json(json!({ "room": room, "notify": form.level })))
}
