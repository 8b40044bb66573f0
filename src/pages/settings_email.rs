//! The "E-mail" part of `/settings` (when the server has e-mail, `--smtp-url`):
//! the user's address — verified, or waiting for the link mailed to it — a
//! form to set it, removing it, and whether they are mailed the mentions and
//! direct messages they did not read in time. Plain HTML posts.

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
}

/// The user's e-mail now.
#[cfg(feature = "ssr")]
pub async fn email_view(state: &crate::server::http::state::AppState, user_id: i64) -> Result<EmailView, AppError> {
    let row = state.store.email_of(user_id).await?;
    Ok(EmailView {
        enabled: state.mail.is_some(),
        address: row.as_ref().map(|row| row.address.clone()),
        verified: row.as_ref().is_some_and(|row| row.verified),
        notify: row.as_ref().is_none_or(|row| row.notify),
    })
}

/// `POST /api/set_email`: field `address`: kept unverified, and a link to
/// verify it is mailed there.
#[server(prefix = "/api", endpoint = "set_email")]
pub async fn set_email(address: String) -> Result<(), AppError> {
    use crate::server::http::{forms, gate};
    let outcome = async {
        let (state, user) = gate::require_user().await?;
        let mailer = state.mail.clone().ok_or(AppError::NotFound)?;
        let address = address.trim().to_owned();
        if address.parse::<lettre::Address>().is_err() || address.len() > 254 {
            return Err(AppError::BadEmail);
        }
        forms::check_auth_rate(&address).await?;
        let token = state.store.set_email(user.0.id, &address).await?;
        let mail =
            crate::server::mail::compose::verification(&user.0.username, &mailer.link(&crate::paths::verify_email(&token)));
        mailer.send("verify", &address, mail).await.map_err(AppError::internal)
    }
    .await;
    forms::finish(outcome, crate::pages::settings::SETTINGS, "/settings?done=email_sent#email", "")
}

/// `POST /api/remove_email`: the address is forgotten.
#[server(prefix = "/api", endpoint = "remove_email")]
pub async fn remove_email() -> Result<(), AppError> {
    use crate::server::http::{forms, gate};
    let outcome = async {
        let (state, user) = gate::require_user().await?;
        Ok(state.store.remove_email(user.0.id).await?)
    }
    .await;
    forms::finish(outcome, crate::pages::settings::SETTINGS, "/settings?done=email_removed#email", "")
}

/// `POST /api/email_notify`: field `on` = `true` | `false`.
#[server(prefix = "/api", endpoint = "email_notify")]
pub async fn email_notify(on: bool) -> Result<(), AppError> {
    use crate::server::http::{forms, gate};
    let outcome = async {
        let (state, user) = gate::require_user().await?;
        state.store.set_email_notify(user.0.id, on).await.map(drop).map_err(AppError::from)
    }
    .await;
    forms::finish(outcome, crate::pages::settings::SETTINGS, "/settings?done=email_notify#email", "")
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
            <form method="post" action="/api/remove_email">
                <button type="submit" id="removeEmail" class="link-button">"Remove this address"</button>
            </form>
        })}
    }
    .into_any()
}
