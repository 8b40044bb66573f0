//! Integrations over HTTP (JSON; form-encoded or JSON bodies): API tokens,
//! bots, a room's incoming webhooks and the URL they post to, a bot's
//! outgoing event subscriptions, and bots' slash commands. What each may do
//! with a room is asked of the one policy (`accounts::access`).
//!
//! - [`tokens`]: `/api/tokens`: a user's tokens, made, listed, revoked.
//! - [`bots`]: `/api/admin/bots`: bots an administrator makes, with their tokens.
//! - [`hooks`]: `/api/rooms/{room}/webhooks`: a room's incoming webhooks.
//! - [`incoming`]: `POST /hooks/{secret}`: a message from outside.
//! - [`subscriptions`]: `/api/subscriptions`: where a bot is sent its rooms' events.
//! - [`commands`]: `/api/commands`: slash commands bots registered.

pub mod bots;
pub mod commands;
pub mod hooks;
pub mod incoming;
pub mod subscriptions;
pub mod tokens;

use crate::{
    entity::user,
    error::AppError,
    names::{MAX_ROOM_CHARS, has_deceptive_characters},
    protocol::{RoomKind, format_timestamp},
    server::{
        accounts::access::Admitted,
        http::state::AppState,
        storage::{StoreError, error::Taken},
    },
};

/// The id of an admitted room; a public room no message has made yet is made
/// now (by `by`, counted against their new rooms), as its first message would.
pub async fn room_id_made(state: &AppState, by: &user::Model, room: &Admitted) -> Result<i64, AppError> {
    if let Some(id) = state.store.room_id(&room.name).await? {
        return Ok(id);
    }
    if room.kind != RoomKind::Public {
        return Err(AppError::NotFound);
    }
    if let Err(throttled) = state.limits.check_new_room(by.id) {
        return Err(AppError::RateLimited { retry_after_secs: throttled.retry_after_secs });
    }
    match state.store.rooms().create_room(by, RoomKind::Public, &room.name).await {
        Ok(_) | Err(StoreError::Conflict(Taken::RoomName)) => {}
        Err(err) => return Err(err.into()),
    }
    state.store.room_id(&room.name).await?.ok_or(AppError::NotFound)
}

/// A name a person gives a token, a webhook or a bot's display: trimmed,
/// 1-64 characters, nothing that could pass for something else.
pub fn label(raw: &str, what: &str) -> Result<String, AppError> {
    let label = raw.trim();
    let length = label.chars().count();
    if length == 0 || length > MAX_ROOM_CHARS || has_deceptive_characters(label) {
        return Err(AppError::BadRequest(format!(
            "{what} is 1-{MAX_ROOM_CHARS} characters, without control, direction-override or invisible characters"
        )));
    }
    Ok(label.to_owned())
}

/// An optional time as the API writes times (RFC 3339, UTC).
pub fn time_of(at: Option<chrono::DateTime<chrono::Utc>>) -> Option<String> {
    at.map(format_timestamp)
}
