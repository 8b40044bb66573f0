//! `POST /api/messages/{room}/`: a message sent over HTTP (integrations,
//! scripts) — the same fields, rules and answers as a socket's `send` frame,
//! through the same writer: `{"text", "client_id"?, "reply_to"?, "thread"?,
//! "also_in_room"?, "attachment"?}` → `{"room", "seq", "duplicate"}`. A bot
//! answering an event it was delivered uses `client_id` = `reply:{room}:{seq}`,
//! so that a delivery tried again cannot post twice (the same send is stored once).

use crate::protocol::events::message;
use crate::{
    error::AppError,
    protocol::{ClientFrame, Command, api::MessageSent, check_client_frame},
    server::{
        accounts::access,
        http::{forms::ValidForm, gate::RequireUser, state::AppState},
        policy::Action,
        storage::NewEvent,
    },
};
use axum::{
    Json,
    extract::{Path, State},
};
use serde::Deserialize;

/// The body of `POST /api/messages/{room}/`: a `send` frame without its `type`.
#[derive(Deserialize)]
pub struct SendBody {
    text: String,
    client_id: Option<String>,
    reply_to: Option<i64>,
    attachment: Option<String>,
    thread: Option<i64>,
    #[serde(default)]
    also_in_room: bool,
}

/// `POST /api/messages/{room}/`.
pub async fn send(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(room): Path<String>,
    ValidForm(body): ValidForm<SendBody>,
) -> Result<Json<MessageSent>, AppError> {
    let room = access::room(&state.store, &user, &room, Action::Post).await?;
    let frame = ClientFrame::Message(message::Request {
        text: body.text,
        client_id: body.client_id,
        reply_to: body.reply_to,
        attachment: body.attachment,
        thread: body.thread,
        also_in_room: body.also_in_room,
    });
    let Command::Event { body, client_id } = check_client_frame(frame).map_err(|rejection| AppError::Rejected(rejection.code))?
    else {
        return Err(AppError::Internal);
    };
    if let Err(throttled) = state.limits.check_message(user.0.id) {
        return Err(AppError::RateLimited { retry_after_secs: throttled.retry_after_secs });
    }
    if state.store.room_id(&room.name).await?.is_none()
        && let Err(throttled) = state.limits.check_new_room(user.0.id)
    {
        return Err(AppError::RateLimited { retry_after_secs: throttled.retry_after_secs });
    }
    let event = NewEvent { room: room.name.clone(), sender: user.0, client_id, body, display_as: None, hook_maker: None };
    let stored = state.store.append(event).await.await.map_err(|err| AppError::Rejected(err.frame_code()))?;
    Ok(Json(MessageSent { room: room.name, seq: stored.seq, duplicate: stored.duplicate }))
}
