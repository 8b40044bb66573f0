//! The "E-mail" part of `/settings` (when the server has e-mail, `--smtp-url`):
//! the user's address — verified, or waiting for the link mailed to it — a
//! form to set it, removing it, and whether they are mailed the mentions and
//! direct messages they did not read in time. Plain HTML posts.
//!
//! Reset links go to the verified address, so changing or removing it asks
//! for the current password (guesses limited like log-ins), and the old
//! verified address is told, with a link that undoes the change for 7 days
//! (`server::http::emails`): a stolen session cannot become a stolen account.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// The user's e-mail, as the settings page shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailView {
    /// The server sends mail.
    pub enabled: bool,
    pub address: Option<String>,
    pub verified: bool,
    pub notify: bool,
    /// Changing the address asks for the password (accounts that have one).
    pub needs_password: bool,
}

/// The user's e-mail now.
#[cfg(feature = "ssr")]
pub async fn email_view(
    state: &crate::server::http::state::AppState,
    user: &crate::server::accounts::auth::User,
) -> Result<EmailView, AppError> {
    let row = state.store.emails().email_of(user.0.id).await?;
    Ok(EmailView {
        needs_password: crate::server::accounts::auth::is_password_hash(&user.0.password_hash),
        enabled: state.mail.is_some(),
        address: row.as_ref().map(|row| row.address.clone()),
        verified: row.as_ref().is_some_and(|row| row.verified),
        notify: row.as_ref().is_none_or(|row| row.notify),
    })
}

/// `POST /api/set_email`: fields `address`, `password` (the current one):
/// kept unverified, and a link to verify it is mailed there; the old verified
/// address is mailed a link that undoes the change.
#[server(prefix = "/api", endpoint = "set_email")]
pub async fn set_email(address: String, password: Option<String>) -> Result<(), AppError> {
    use crate::server::http::{forms, gate};
    let outcome = async {
        let (state, user) = gate::require_user().await?;
        let mailer = state.mail.clone().ok_or(AppError::NotFound)?;
        let address = address.trim().to_owned();
        if address.parse::<lettre::Address>().is_err() || address.len() > 254 {
            return Err(AppError::BadEmail);
        }
        forms::check_auth_rate(&user.0.username).await?;
        forms::check_auth_rate(&address).await?;
        crate::server::accounts::settings::confirm_password(&state.passwords, &user, password).await?;
        let old = state.store.emails().email_of(user.0.id).await?;
        let token = state.store.emails().set_email(user.0.id, &address).await?;
        let mail =
            crate::server::mail::compose::verification(&user.0.username, &mailer.link(&crate::paths::verify_email(&token)));
        mailer.send("verify", &address, mail).await.map_err(AppError::internal)?;
        tell_old_address(&state, &mailer, &user.0, old, Some(&address)).await
    }
    .await;
    forms::finish(outcome, crate::paths::SETTINGS, &crate::paths::settings_done("email_sent", "email"), "")
}

/// `POST /api/remove_email`: field `password` (the current one): the address
/// is forgotten; a verified one is mailed a link that undoes it.
#[server(prefix = "/api", endpoint = "remove_email")]
pub async fn remove_email(password: Option<String>) -> Result<(), AppError> {
    use crate::server::http::{forms, gate};
    let outcome = async {
        let (state, user) = gate::require_user().await?;
        forms::check_auth_rate(&user.0.username).await?;
        crate::server::accounts::settings::confirm_password(&state.passwords, &user, password).await?;
        let old = state.store.emails().email_of(user.0.id).await?;
        state.store.emails().remove_email(user.0.id).await?;
        match state.mail.clone() {
            Some(mailer) => tell_old_address(&state, &mailer, &user.0, old, None).await,
            None => Ok(()),
        }
    }
    .await;
    forms::finish(outcome, crate::paths::SETTINGS, &crate::paths::settings_done("email_removed", "email"), "")
}

/// Mails the account's old verified address (if it had one, and it is not
/// kept) that it was replaced by `new` (or removed), with a link that undoes it.
#[cfg(feature = "ssr")]
async fn tell_old_address(
    state: &crate::server::http::state::AppState,
    mailer: &crate::server::mail::Mailer,
    account: &crate::entity::user::Model,
    old: Option<crate::entity::email_address::Model>,
    new: Option<&str>,
) -> Result<(), AppError> {
    let Some(old) = old.filter(|old| old.verified && new.is_none_or(|new| !new.eq_ignore_ascii_case(&old.address))) else {
        return Ok(());
    };
    let token = state.store.emails().create_email_undo(account.id, &old.address, new).await?;
    let link = mailer.link(&crate::paths::undo_email(&token));
    let mail = crate::server::mail::compose::address_changed(&account.username, new, &link);
    mailer.send("address_changed", &old.address, mail).await.map_err(AppError::internal)
}

/// `POST /api/email_notify`: field `on` = `true` | `false`.
#[server(prefix = "/api", endpoint = "email_notify")]
pub async fn email_notify(on: bool) -> Result<(), AppError> {
    use crate::server::http::{forms, gate};
    let outcome = async {
        let (state, user) = gate::require_user().await?;
        state.store.emails().set_email_notify(user.0.id, on).await.map(drop).map_err(AppError::from)
    }
    .await;
    forms::finish(outcome, crate::paths::SETTINGS, &crate::paths::settings_done("email_notify", "email"), "")
}

#[component]
pub fn EmailSettings(email: EmailView) -> impl IntoView {
    if !email.enabled {
        return ().into_any();
    }
    let state = match (&email.address, email.verified) {
        (None, _) => "No address: Parlor mails you nothing.".to_owned(),
        (Some(address), true) => format!("{address} (verified)"),
        (Some(address), false) => format!("{address}: open the link mailed to it to verify it."),
    };
    view! {
        <h2 id="email">"E-mail"</h2>
        <p id="emailState">{state}</p>
        <form id="emailForm" method="post" action="/api/set_email" class="stacked-form">
            <label for="emailAddress">"Address"</label>
            <input id="emailAddress" name="address" type="email" autocomplete="email" required value=email.address.clone().unwrap_or_default() />
            {email.needs_password.then(|| view! {
                <label for="emailPassword">"Your current password"</label>
                <input id="emailPassword" name="password" type="password" autocomplete="current-password" required />
            })}
            <button type="submit" id="saveEmail">"Save and send a link to verify it"</button>
        </form>
        {email.address.is_some().then(|| view! {
            <form method="post" action="/api/email_notify" class="stacked-form">
                <input type="hidden" name="on" value=(!email.notify).to_string() />
                <p id="emailNotifyState">{if email.notify {
                    "Mentions and direct messages you have not read after a few minutes are mailed to you (one mail per room)."
                } else {
                    "Nothing is mailed to you."
                }}</p>
                <button type="submit" id="emailNotifyBtn">{if email.notify { "Stop mailing me" } else { "Mail me what I miss" }}</button>
            </form>
            <form id="removeEmailForm" method="post" action="/api/remove_email" class="stacked-form">
                {email.needs_password.then(|| view! {
                    <label for="removeEmailPassword">"Your current password, to remove this address"</label>
                    <input id="removeEmailPassword" name="password" type="password" autocomplete="current-password" required />
                })}
                <button type="submit" id="removeEmail" class="link-button">"Remove this address"</button>
            </form>
        })}
    }
    .into_any()
}
