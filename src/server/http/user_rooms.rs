//! A user's rooms over HTTP (JSON, form-encoded posts): the list with unread
//! and mention counts, a room's members (for `@` completion) and its
//! notification level. Every room is named by the user and checked by
//! `accounts::access` first. (Creating rooms and changing members: `memberships`.)

use axum::{
    Json,
    extract::{Path, State},
};
use serde::Deserialize;

use crate::{
    error::AppError,
    protocol::{
        NotifyLevel,
        api::{NotifySet, RoomList, RoomMembers},
    },
    server::{
        accounts::access,
        http::state::AppState,
        http::{forms::ValidForm, gate::RequireUser},
        policy::Action,
    },
};

/// `GET /api/rooms/`: `{"rooms": [...]}`, unread rooms first.
pub async fn list(State(state): State<AppState>, RequireUser(user): RequireUser) -> Result<Json<RoomList>, AppError> {
    let rooms = state.store.memberships().rooms_of(user.0.id, true).await?;
    Ok(Json(RoomList { rooms }))
}

/// `GET /api/rooms/{room}/members`: `{"room", "members": [usernames]}`.
pub async fn members(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(room): Path<String>,
) -> Result<Json<RoomMembers>, AppError> {
    let room = access::room(&state.store, &user, &room, Action::Read).await?.name;
    let listed = state.store.memberships().members(&room).await?;
    let bots = listed.iter().filter(|(_, kind)| kind.is_bot()).map(|(name, _)| name.clone()).collect();
    let members = listed.into_iter().map(|(name, _)| name).collect();
    Ok(Json(RoomMembers { room, members, bots }))
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
) -> Result<Json<NotifySet>, AppError> {
    let room = access::room(&state.store, &user, &room, Action::Read).await?.name;
    let joined = state.store.memberships().join_room(user.0.id, &room, None).await?;
    if joined.is_none() || !state.store.memberships().set_notify(user.0.id, &room, form.level).await? {
        return Err(AppError::BadRequest(format!("#{room} is not in your rooms")));
    }
    Ok(Json(NotifySet { room, notify: form.level }))
}
