//! What users change of their own account: the password (the current one is
//! asked for, guesses limited like log-ins; every other session of the user
//! ends, this one continues, and the account's API tokens are revoked), and
//! the display name shown beside the username.

use crate::{
    error::AppError,
    names::{self, MIN_PASSWORD_CHARS},
    server::{
        accounts::{
            auth::{AuthSession, Passwords, User},
            session_control::SessionControl,
            tokens,
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
    store.resets().end_resets(user.0.id).await?;
    let updated = store.find_user(user.0.id).await?.ok_or(AppError::Unauthorized)?;
    sessions.end_other_sessions(user.0.id, auth.session.id().as_ref()).await?;
    tokens::revoke_after_new_password(store, sessions, user.0.id).await?;
    sessions.renew(auth, &User(updated), user_agent).await
}

/// Asks for the account's current password before a change that could hand
/// the account to someone else (its e-mail address, which reset links go
/// to). An account without a password (single sign-on: no reset link is ever
/// mailed to it) is asked for none.
pub async fn confirm_password(passwords: &Passwords, user: &User, given: Option<String>) -> Result<(), AppError> {
    if !crate::server::accounts::auth::is_password_hash(&user.0.password_hash) {
        return Ok(());
    }
    let given = given.unwrap_or_default();
    if passwords.verify(given, user.0.password_hash.clone()).await.map_err(AppError::internal)? {
        Ok(())
    } else {
        Err(AppError::WrongCredentials)
    }
}

/// Sets or clears (an empty name) the logged-in user's display name.
pub async fn set_display_name(store: &Store, user: &User, raw: &str) -> Result<Option<String>, AppError> {
    let name = names::display_name(raw).map_err(|rule| AppError::BadRequest(rule.to_owned()))?;
    if let Some(name) = &name {
        not_someone_else(store, name, &user.0.username).await?;
    }
    store.set_display_name(user.0.id, name.clone()).await?;
    Ok(name)
}

/// Nobody may show up as someone else: a name shown for `own` (a display
/// name, a webhook's `username`) that is another account's username — in any
/// case, or written with look-alike letters (Cyrillic `а` for Latin `a`,
/// UTS #39's skeletons) — is refused.
pub async fn not_someone_else(store: &Store, name: &str, own: &str) -> Result<(), AppError> {
    for candidate in username_look_alikes(name) {
        if candidate != own && store.find_user_by_name(&candidate).await?.is_some() {
            return Err(AppError::BadRequest(format!("{name} is another account's username")));
        }
    }
    Ok(())
}

/// The usernames `name` could be read as: itself, and itself with every
/// letter of another script that looks like an ASCII one replaced by it (its
/// UTS #39 skeleton, where that is ASCII), each when it is a valid username.
/// (Usernames are ASCII, so only such letters can imitate one.)
fn username_look_alikes(name: &str) -> Vec<String> {
    let folded: String = name
        .chars()
        .flat_map(|c| {
            let mut one = [0u8; 4];
            let skeleton: String = unicode_security::confusable_detection::skeleton(c.encode_utf8(&mut one)).collect();
            if !c.is_ascii() && skeleton.is_ascii() { skeleton.chars().collect::<Vec<_>>() } else { vec![c] }
        })
        .collect();
    let mut found: Vec<String> =
        [name, folded.as_str()].into_iter().filter_map(|candidate| names::canonical_username(candidate).ok()).collect();
    found.dedup();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn look_alike_letters_read_as_the_username_they_imitate() {
        assert_eq!(username_look_alikes("Admin"), ["admin"]);
        assert_eq!(username_look_alikes("\u{0430}dmin"), ["admin"], "Cyrillic a");
        assert_eq!(username_look_alikes("b\u{043e}b"), ["bob"], "Cyrillic o");
        assert!(username_look_alikes("Ada Lovelace").is_empty(), "not a username at all");
    }
}
