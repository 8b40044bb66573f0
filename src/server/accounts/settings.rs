//! What users change of their own account: the password (the current one is
//! asked for; every other session of the user ends, this one continues), and
//! the display name shown beside the username.

use crate::{
    error::AppError,
    names::{self, MIN_PASSWORD_CHARS},
    server::{
        accounts::{
            auth::{AuthSession, Passwords, User},
            session_control::SessionControl,
        },
        storage::Store,
    },
};

/// Replaces the logged-in user's password after checking the current one.
pub async fn change_password(
    (store, passwords, sessions): (&Store, &Passwords, &SessionControl),
    auth: &mut AuthSession,
    (current, new): (String, String),
    user_agent: &str,
) -> Result<(), AppError> {
    let user = auth.user.clone().ok_or(AppError::Unauthorized)?;
    if new.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AppError::PasswordTooShort);
    }
    let matches = passwords.verify(current, user.0.password_hash.clone()).await.map_err(AppError::internal)?;
    if !matches {
        return Err(AppError::WrongCredentials);
    }
    let hash = passwords.hash(new).await.map_err(AppError::internal)?;
    store.set_password_hash(user.0.id, hash).await?;
    // Reset links made before stop working: the password is the one just chosen.
    store.end_resets(user.0.id).await?;
    let updated = store.find_user(user.0.id).await?.ok_or(AppError::Unauthorized)?;
    sessions.end_other_sessions(user.0.id, auth.session.id().as_ref()).await?;
    sessions.renew(auth, &User(updated), user_agent).await
}

/// Sets or clears (an empty name) the logged-in user's display name.
pub async fn set_display_name(store: &Store, user: &User, raw: &str) -> Result<Option<String>, AppError> {
    let name = names::display_name(raw).map_err(|rule| AppError::BadRequest(rule.to_owned()))?;
    // Nobody may show up as someone else: a display name that is another
    // account's username (in any case) is refused.
    if let Some(name) = &name
        && let Ok(as_username) = names::canonical_username(name)
        && as_username != user.0.username
        && store.find_user_by_name(&as_username).await?.is_some()
    {
        return Err(AppError::BadRequest(format!("{name} is another account's username")));
    }
    store.set_display_name(user.0.id, name.clone()).await?;
    Ok(name)
}
