//! `/api/rooms/{room}/webhooks`: a room's incoming webhooks, beside its
//! invites — made, listed and revoked by whoever may manage them (the
//! policy's `ManageHooks`: anyone who may read a public room, a private
//! room's owner or an administrator). Each hook posts as an account of its
//! own (kind `hook`, shown with a BOT badge); in a private room that account
//! is added as a member when the hook is made, and removed when it is revoked,
//! each a room event like any membership change. A hook posts only while its
//! maker may post in the room (`incoming`), and the list names each hook's
//! maker, so the room's managers see every hook and whose it is.
//!
//! A room has at most [`MAX_PER_ROOM`] working hooks, a person at most
//! [`MAX_PER_MAKER`] over all rooms, and makes at most
//! `limits::HOOKS_PER_HOUR` an hour (each is an account row): past them,
//! 409 `too_many` / 429 `rate_limited`.

use axum::{
    Json,
    extract::{Path, State},
};
use serde::Deserialize;

use super::{label, room_id_made, time_of};
use crate::{
    error::AppError,
    names::display_name,
    paths,
    protocol::{
        AccountKind, MemberChange, RoomKind,
        api::{Webhook, WebhookList, WebhookMade, WebhookRevoked},
        format_timestamp,
    },
    server::{
        accounts::{
            access::{self, Admitted},
            settings::not_someone_else,
        },
        http::{forms::ValidForm, gate::RequireUser, memberships::change_membership, params, state::AppState},
        policy::Action,
        storage::{StoreError, accounts::AccountFlag, integrations::bots::hook_username},
    },
};

/// Tries at a free username for a hook's account (10 random hex digits each).
const NAME_TRIES: usize = 5;
/// Working webhooks a room may have.
pub const MAX_PER_ROOM: u64 = 20;
/// Working webhooks one person may have made, over all rooms.
pub const MAX_PER_MAKER: u64 = 10;

/// The form of `POST /api/rooms/{room}/webhooks`.
#[derive(Deserialize)]
pub struct NewHookForm {
    name: String,
}

/// The room's id, for an admitted room (`None`: no message made it yet).
async fn room_id(state: &AppState, room: &Admitted) -> Result<Option<i64>, AppError> {
    Ok(state.store.room_id(&room.name).await?)
}

/// `POST /api/rooms/{room}/webhooks` (`name`) → `{"id", "name", "username",
/// "url": "/hooks/{secret}"}`: the URL is shown this once.
pub async fn create(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(room): Path<String>,
    ValidForm(form_data): ValidForm<NewHookForm>,
) -> Result<Json<WebhookMade>, AppError> {
    let room = access::room(&state.store, &user, &room, Action::ManageHooks).await?;
    if room.kind == RoomKind::Direct {
        return Err(AppError::Forbidden);
    }
    let name = label(&form_data.name, "a webhook's name")?;
    // Its name is what its messages show by default: the display-name rules.
    display_name(&name).map_err(|rule| AppError::BadRequest(format!("a webhook's name: {rule}")))?;
    not_someone_else(&state.store, &name, "").await?;
    let room_id = room_id_made(&state, &user.0, &room).await?;
    let (in_room, by_maker) = state.store.hooks().working_hooks(room_id, user.0.id).await?;
    if in_room >= MAX_PER_ROOM {
        return Err(AppError::TooMany(format!("a room has at most {MAX_PER_ROOM} webhooks: revoke one first")));
    }
    if by_maker >= MAX_PER_MAKER {
        return Err(AppError::TooMany(format!("you may have at most {MAX_PER_MAKER} webhooks: revoke one first")));
    }
    if let Err(throttled) = state.limits.check_new_hook(user.0.id) {
        return Err(AppError::RateLimited { retry_after_secs: throttled.retry_after_secs });
    }
    let mut account = None;
    for _ in 0..NAME_TRIES {
        match state.store.bots().create_robot(&hook_username(), AccountKind::Hook, Some(name.clone()), user.0.id).await {
            Ok(made) => {
                account = Some(made);
                break;
            }
            Err(StoreError::Conflict(_)) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    let account = account.ok_or(AppError::Internal)?;
    if room.kind == RoomKind::Private
        && let Err(err) = change_membership(&state, &room, &user.0, &account, MemberChange::Added).await
    {
        // No hook without its membership: its account may do nothing.
        state.store.accounts().set_account_flag(&account.username, AccountFlag::Deactivated, true).await?;
        return Err(err);
    }
    let made = state.store.hooks().create_hook(room_id, account.id, &name, user.0.id).await?;
    Ok(Json(WebhookMade { id: made.row.id, name: made.row.name, username: account.username, url: paths::hook(&made.secret) }))
}

/// `GET /api/rooms/{room}/webhooks` → `{"webhooks": [{"id", "name",
/// "username", "made_by", "created_at", "last_used_at"}]}` (the working ones).
pub async fn list(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(room): Path<String>,
) -> Result<Json<WebhookList>, AppError> {
    let room = access::room(&state.store, &user, &room, Action::ManageHooks).await?;
    let hooks = match room_id(&state, &room).await? {
        Some(id) => state.store.hooks().hooks_of(id).await?,
        None => Vec::new(),
    };
    let webhooks = hooks
        .into_iter()
        .map(|(hook, username, made_by)| Webhook {
            id: hook.id,
            name: hook.name,
            username,
            made_by,
            created_at: format_timestamp(hook.created_at),
            last_used_at: time_of(hook.last_used_at),
        })
        .collect();
    Ok(Json(WebhookList { room: room.name, webhooks }))
}

/// The form of `POST /api/rooms/{room}/webhooks/revoke`.
#[derive(Deserialize)]
pub struct RevokeHookForm {
    #[serde(deserialize_with = "params::number")]
    id: i64,
}

/// `POST /api/rooms/{room}/webhooks/revoke` (`id`) → `{"revoked": true}`:
/// its URL answers 410 from now on.
pub async fn revoke(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(room): Path<String>,
    ValidForm(form_data): ValidForm<RevokeHookForm>,
) -> Result<Json<WebhookRevoked>, AppError> {
    let room = access::room(&state.store, &user, &room, Action::ManageHooks).await?;
    let room_id = room_id(&state, &room).await?.ok_or(AppError::NotFound)?;
    let hook = state.store.hooks().revoke_hook(room_id, form_data.id).await?.ok_or(AppError::NotFound)?;
    // Revoked either way (its account may do nothing now); the membership's
    // removal tidies the member list, and may have happened already.
    if room.kind == RoomKind::Private
        && let Some(account) = state.store.find_user(hook.user_id).await?
        && let Err(err) = change_membership(&state, &room, &user.0, &account, MemberChange::Removed).await
    {
        tracing::debug!(%err, "a revoked webhook's account was not a member any more");
    }
    Ok(Json(WebhookRevoked { revoked: true, id: hook.id }))
}
