//! API tokens as a way in: the [`Bearer`] a request's `Authorization: Bearer
//! <token>` header proves (found by `http::bearer` on `/api/` and `/ws/`
//! paths, never on pages), and ending a token — its row deleted, its
//! sockets closed on every instance, the subscriptions it made gone with it;
//! all of an account's ended with a new password.

use crate::{
    error::AppError,
    server::{
        accounts::{auth::User, session_control::SessionControl},
        storage::Store,
    },
};

/// Who a request's bearer token says it is.
#[derive(Clone, Debug)]
pub struct Bearer {
    pub user: User,
    /// The token's id (its sockets, rate and subscriptions are counted by it).
    pub token_id: i64,
}

/// Revokes `user_id`'s token `token_id`: it authenticates nothing more and
/// its sockets close (4001) on every instance. `false` when they have no such token.
pub async fn revoke(store: &Store, sessions: &SessionControl, user_id: i64, token_id: i64) -> Result<bool, AppError> {
    if !store.tokens().revoke_token(user_id, token_id).await? {
        return Ok(false);
    }
    sessions.end_token_sockets(user_id, token_id).await;
    Ok(true)
}

/// Revokes every token of `user_id` (their account is deactivated); the
/// revoked tokens' names.
pub async fn revoke_all(store: &Store, sessions: &SessionControl, user_id: i64) -> Result<Vec<String>, AppError> {
    let revoked = store.tokens().revoke_tokens_of(user_id).await?;
    for token in &revoked {
        sessions.end_token_sockets(user_id, token.id).await;
    }
    Ok(revoked.into_iter().map(|token| token.name).collect())
}

/// The account's password was just set (changed, or by a reset link): a
/// token minted with a stolen session must not outlive it. Every token is
/// revoked, and the owner is told which on their settings page.
pub async fn revoke_after_new_password(store: &Store, sessions: &SessionControl, user_id: i64) -> Result<(), AppError> {
    let names = revoke_all(store, sessions, user_id).await?;
    if !names.is_empty() {
        let at = crate::protocol::format_timestamp(chrono::Utc::now());
        store.notices().add_notice(user_id, &crate::protocol::Notice::TokensRevoked { tokens: names, at }).await?;
    }
    Ok(())
}
