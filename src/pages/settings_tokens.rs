//! The "API tokens" part of `/settings`: the user's tokens (name, first
//! characters, when made and last used), each with "Revoke", and a form that
//! makes one. Plain HTML posts to their server functions, as the rest of the
//! page: a new token is kept in the session for the one page view that shows
//! it (never in a URL), then forgotten.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{error::AppError, local_time::LocalizedTime, protocol::api::TokenInfo};

/// Session key of a token just made, until the settings page shows it (the
/// redirect right after making it), at most [`SHOWN_WITHIN_SECS`].
#[cfg(feature = "ssr")]
const NEW_TOKEN: &str = "parlor.new_token";
/// How long a new token waits in the session to be shown.
#[cfg(feature = "ssr")]
const SHOWN_WITHIN_SECS: i64 = 60;

/// A token just made, and when.
#[cfg(feature = "ssr")]
#[derive(Serialize, Deserialize)]
struct NewTokenShown {
    token: String,
    made_at: i64,
}

/// The user's tokens, as the settings page shows them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokensView {
    /// As `GET /api/tokens` lists them.
    pub tokens: Vec<TokenInfo>,
    /// A token made just before this page view: shown this once.
    pub new_token: Option<String>,
}

/// The tokens of the request's user, and the one made just before (taken
/// out of the session: it shows once).
#[cfg(feature = "ssr")]
pub async fn tokens_view(
    state: &crate::server::http::state::AppState,
    user_id: i64,
    session: &tower_sessions::Session,
) -> Result<TokensView, AppError> {
    use crate::protocol::format_timestamp;
    let tokens = state
        .store
        .tokens()
        .tokens_of(user_id)
        .await?
        .into_iter()
        .map(|token| TokenInfo {
            id: token.id,
            name: token.name,
            hint: token.hint,
            created_at: format_timestamp(token.created_at),
            last_used_at: token.last_used_at.map(format_timestamp),
        })
        .collect();
    let shown = session.remove::<NewTokenShown>(NEW_TOKEN).await.ok().flatten();
    let new_token =
        shown.filter(|shown| chrono::Utc::now().timestamp() - shown.made_at <= SHOWN_WITHIN_SECS).map(|shown| shown.token);
    Ok(TokensView { tokens, new_token })
}

/// `POST /api/create_token`: field `name`; the token is shown on the
/// settings page it returns to, once. (API clients use `POST /api/tokens`.)
#[server(prefix = "/api", endpoint = "create_token")]
pub async fn create_token(name: String) -> Result<(), AppError> {
    use crate::server::http::{forms, gate, integrations::label};
    let outcome = async {
        if gate::bearer().await.is_some() {
            return Err(AppError::Forbidden);
        }
        let (state, user) = gate::require_user().await?;
        let auth = gate::auth_session().await?;
        let name = label(&name, "a token's name")?;
        let made = state.store.tokens().create_token(user.0.id, &name).await?;
        let shown = NewTokenShown { token: made.token, made_at: chrono::Utc::now().timestamp() };
        auth.session.insert(NEW_TOKEN, shown).await.map_err(AppError::internal)
    }
    .await;
    forms::finish(outcome, crate::paths::SETTINGS, &crate::paths::settings_done("token", "tokens"), "")
}

/// `POST /api/revoke_token`: field `id`: that token stops working, its
/// sockets close and its subscriptions end.
#[server(prefix = "/api", endpoint = "revoke_token")]
pub async fn revoke_token(id: i64) -> Result<(), AppError> {
    use crate::server::{
        accounts::tokens,
        http::{forms, gate},
    };
    let outcome = async {
        let (state, user) = gate::require_user().await?;
        match tokens::revoke(&state.store, &state.sessions, user.0.id, id).await? {
            true => Ok(()),
            false => Err(AppError::NotFound),
        }
    }
    .await;
    forms::finish(outcome, crate::paths::SETTINGS, &crate::paths::settings_done("token_revoked", "tokens"), "")
}

#[component]
pub fn ApiTokens(tokens: TokensView) -> impl IntoView {
    let none_yet = tokens.tokens.is_empty();
    view! {
        <h2 id="tokens">"API tokens"</h2>
        <p class="hint">
            "A token lets a script or an integration act as you: "
            <code>"Authorization: Bearer <token>"</code>
            " on the API and the sockets (never on pages)."
        </p>
        {tokens.new_token.map(|token| view! {
            <p id="newToken" class="notice" role="status">
                "Your new token (shown this once; copy it now): "
                <input id="newTokenValue" class="invite-url" readonly aria-label="new API token" value=token />
            </p>
        })}
        <form id="newTokenForm" method="post" action="/api/create_token" class="stacked-form">
            <label for="tokenName">"New token's name"</label>
            <input id="tokenName" name="name" maxlength="64" required autocomplete="off" />
            <button type="submit" id="createToken">"Create token"</button>
        </form>
        <table id="tokenList" class="sessions" hidden=none_yet>
            <caption class="visually-hidden">"Your API tokens"</caption>
            <thead><tr><th scope="col">"Name"</th><th scope="col">"Token"</th><th scope="col">"Made"</th><th scope="col">"Last used"</th><th scope="col"><span class="visually-hidden">"Action"</span></th></tr></thead>
            <tbody>
                {tokens.tokens.into_iter().map(|token| view! {
                    <tr class="token-row" data-token=token.id>
                        <td>{token.name.clone()}</td>
                        <td><code>{format!("{}…", token.hint)}</code></td>
                        <td><LocalizedTime at=token.created_at full=true /></td>
                        <td>{match token.last_used_at {
                            Some(at) => view! { <LocalizedTime at full=true /> }.into_any(),
                            None => "Never".into_any(),
                        }}</td>
                        <td>
                            <form method="post" action="/api/revoke_token">
                                <input type="hidden" name="id" value=token.id.to_string() />
                                <button type="submit" class="revoke-token" aria-label=format!("Revoke {}", token.name)>"Revoke"</button>
                            </form>
                        </td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}
