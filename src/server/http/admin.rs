//! What administrators do over HTTP (JSON; form-encoded posts): list the
//! accounts, make others administrators, deactivate an account (its sessions
//! end, its sockets close with 4003 on every instance, it cannot log in; its
//! messages stay, marked, unless removed too: then each becomes a deletion by
//! the administrator) and reactivate it.

use axum::{
    Json,
    extract::{FromRequestParts, State},
    http::request::Parts,
};
use serde::Deserialize;

use super::{forms::ValidForm, memberships::is_set};
use crate::protocol::events::deletion;
use crate::{
    error::AppError,
    names::canonical_username,
    protocol::{
        AccountKind, CloseReason, EventBody,
        api::{AccountDeactivated, AccountList, AccountReactivated, AdminChanged},
    },
    server::{
        accounts::{auth::User, tokens},
        bus::{Event, Group},
        http::{gate::RequireBrowser, state::AppState},
        storage::{NewEvent, accounts::AccountFlag},
    },
};

/// The logged-in administrator of the request, in a browser (an API token
/// administers nothing): 401 for anonymous visitors, 403 `forbidden` for
/// other accounts and for tokens.
pub struct RequireAdmin(pub User);

impl<S: Send + Sync> FromRequestParts<S> for RequireAdmin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let RequireBrowser(user) = RequireBrowser::from_request_parts(parts, state).await?;
        if user.0.is_admin { Ok(Self(user)) } else { Err(AppError::Forbidden) }
    }
}

/// `GET /api/admin/users/`: `{"users": [{username, is_admin, deactivated, created_at}]}`.
pub async fn list(State(state): State<AppState>, _: RequireAdmin) -> Result<Json<AccountList>, AppError> {
    let users = state.store.accounts().all().await?;
    Ok(Json(AccountList { users }))
}

/// The form of the account actions.
#[derive(Deserialize)]
pub struct AccountForm {
    username: String,
    /// `deactivate`: also delete every message of theirs.
    remove_messages: Option<String>,
    /// `admin`: `true` to make an administrator, `false` to end that.
    admin: Option<String>,
}

/// The canonical name of a form's account, which must exist and not be the
/// administrator's own (one cannot lock oneself out).
async fn other_account(state: &AppState, me: &User, username: &str) -> Result<crate::entity::user::Model, AppError> {
    let username = canonical_username(username).map_err(|_| AppError::BadUsername)?;
    if username == me.0.username {
        return Err(AppError::BadRequest("you cannot change your own account here".into()));
    }
    state
        .store
        .find_user_by_name(&username)
        .await?
        .ok_or_else(|| AppError::BadRequest(format!("there is no account named {username}")))
}

/// `POST /api/admin/users/deactivate` (`username`, `remove_messages`).
pub async fn deactivate(
    State(state): State<AppState>,
    RequireAdmin(me): RequireAdmin,
    ValidForm(form_data): ValidForm<AccountForm>,
) -> Result<Json<AccountDeactivated>, AppError> {
    let account = other_account(&state, &me, &form_data.username).await?;
    state.store.accounts().set_account_flag(&account.username, AccountFlag::Deactivated, true).await?;
    // Its sockets close everywhere, and its sessions end for good: a
    // reactivation does not bring them back.
    let ended = Event::EndSessions { session: None, reason: CloseReason::AccessEnded };
    if let Err(err) = state.layer.group_send(&Group::User(account.id), ended).await {
        tracing::warn!(%err, "could not close a deactivated account's sockets everywhere");
    }
    state.sessions.end_other_sessions(account.id, None).await?;
    // Its API tokens go too (their sockets close, their subscriptions end).
    tokens::revoke_all(&state.store, &state.sessions, account.id).await?;
    let mut removed = 0;
    if is_set(form_data.remove_messages.as_deref()) {
        let messages = state.store.accounts().messages_of(account.id).await?;
        let mut pending = Vec::with_capacity(messages.len());
        for (room, target) in messages {
            let event = NewEvent {
                room,
                sender: me.0.clone(),
                client_id: None,
                body: EventBody::Deletion(deletion::Body { target }),
                display_as: None,
                hook_maker: None,
            };
            pending.push(state.store.append(event).await);
        }
        for stored in pending {
            if stored.await.is_ok() {
                removed += 1;
            }
        }
    }
    Ok(Json(AccountDeactivated { username: account.username, deactivated: true, removed_messages: removed }))
}

/// `POST /api/admin/users/reactivate` (`username`): the account may log in again.
pub async fn reactivate(
    State(state): State<AppState>,
    RequireAdmin(me): RequireAdmin,
    ValidForm(form_data): ValidForm<AccountForm>,
) -> Result<Json<AccountReactivated>, AppError> {
    let account = other_account(&state, &me, &form_data.username).await?;
    state.store.accounts().set_account_flag(&account.username, AccountFlag::Deactivated, false).await?;
    Ok(Json(AccountReactivated { username: account.username, deactivated: false }))
}

/// `POST /api/admin/users/admin` (`username`, `admin=true|false`).
pub async fn set_admin(
    State(state): State<AppState>,
    RequireAdmin(me): RequireAdmin,
    ValidForm(form_data): ValidForm<AccountForm>,
) -> Result<Json<AdminChanged>, AppError> {
    let account = other_account(&state, &me, &form_data.username).await?;
    if account.kind != AccountKind::Person {
        return Err(AppError::BadRequest("only people can be administrators".into()));
    }
    let admin = is_set(form_data.admin.as_deref());
    state.store.accounts().set_account_flag(&account.username, AccountFlag::Admin, admin).await?;
    Ok(Json(AdminChanged { username: account.username, is_admin: admin }))
}
