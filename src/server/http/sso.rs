//! Single sign-on's two legs over HTTP. `GET /auth/oidc/start?next=` keeps
//! the flow's `state`, `nonce` and PKCE verifier in the browser's session (a
//! session row: starts are limited per client like log-ins) and sends it to
//! the provider; `GET /auth/oidc/callback` checks that the `state`
//! it brings back is that session's (a code is used once: the flow is taken
//! out of the session first), has `server::sso` exchange the code and verify
//! the ID token, then logs in the account linked to (`iss`, `sub`) — or makes
//! one, when the registration mode allows (single sign-on counts as invited;
//! closed is closed) — and returns to `next`. Anything refused goes back to
//! `/login?error=sso_failed` (the reason is logged).

use axum::{
    extract::{Query, State},
    http::HeaderMap,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;

use super::{client_ip::ClientIp, forms::safe_next, state::AppState};
use crate::{
    entity::user,
    error::AppError,
    names::{MAX_USERNAME_CHARS, canonical_username, display_name},
    server::{
        accounts::auth::{AuthSession, User},
        sso::{Flow, Identity},
        storage::{StoreError, error::Taken, integrations::bots::NO_PASSWORD, registration::Entry},
    },
};

/// Session key of a flow between its two legs.
const FLOW: &str = "parlor.oidc_flow";

/// The query of `GET /auth/oidc/start`.
#[derive(Deserialize)]
pub struct StartQuery {
    next: Option<String>,
}

/// `GET /auth/oidc/start?next=PATH`: to the provider.
pub async fn start(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    auth: AuthSession,
    Query(query): Query<StartQuery>,
) -> Result<Response, AppError> {
    let sso = state.sso.as_ref().ok_or(AppError::NotFound)?;
    if let Err(throttled) = state.limits.check_client(client) {
        return Err(AppError::RateLimited { retry_after_secs: throttled.retry_after_secs });
    }
    let next = safe_next(query.next.as_deref());
    let (url, flow) = sso.begin(next).await.map_err(|err| {
        tracing::warn!(%err, "single sign-on could not start");
        AppError::SsoFailed
    })?;
    auth.session.insert(FLOW, flow).await.map_err(AppError::internal)?;
    Ok(Redirect::to(&url).into_response())
}

/// The query of `GET /auth/oidc/callback`.
#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// `GET /auth/oidc/callback?code=&state=`: back from the provider.
pub async fn callback(
    State(state): State<AppState>,
    mut auth: AuthSession,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let failed = |why: &str| {
        tracing::warn!(why, "single sign-on was refused");
        Redirect::to(&format!("/login?error={}", AppError::SsoFailed.code())).into_response()
    };
    let Some(sso) = state.sso.as_ref() else { return AppError::NotFound.into_response() };
    // Taken out first: whatever happens, this flow is not used twice.
    let flow: Option<Flow> = auth.session.remove(FLOW).await.ok().flatten();
    let Some(flow) = flow else { return failed("no flow in this session") };
    if let Some(error) = &query.error {
        return failed(&format!("the provider said {error}"));
    }
    let (Some(code), Some(returned)) = (query.code, query.state) else { return failed("no code or state") };
    if returned != flow.state {
        return failed("the state is not this session's");
    }
    let next = flow.next.clone();
    let identity = match sso.finish(flow, code).await {
        Ok(identity) => identity,
        Err(err) => return failed(&err.to_string()),
    };
    let user = match account_of(&state, &identity).await {
        Ok(user) => user,
        Err(AppError::RegistrationClosed) => {
            return Redirect::to(&format!("/login?error={}", AppError::RegistrationClosed.code())).into_response();
        }
        Err(err) => return failed(&err.to_string()),
    };
    if user.deactivated {
        return Redirect::to(&format!("/login?error={}", AppError::Deactivated.code())).into_response();
    }
    let user_agent = headers.get(axum::http::header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if let Err(err) = state.sessions.log_in(&mut auth, &User(user), user_agent).await {
        return err.into_response();
    }
    Redirect::to(&next).into_response()
}

/// The account linked to `identity`, made (and linked) on a first log-in
/// when the registration mode allows.
async fn account_of(state: &AppState, identity: &Identity) -> Result<user::Model, AppError> {
    if let Some(user) = state.store.identities().identity(&identity.issuer, &identity.subject).await? {
        return Ok(user);
    }
    let wanted = identity
        .preferred_username
        .clone()
        .or_else(|| identity.email.as_deref().and_then(|email| email.split('@').next()).map(str::to_owned))
        .unwrap_or_else(|| "member".to_owned());
    let base: String = canonical_username(&wanted)
        .unwrap_or_else(|_| wanted.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_lowercase());
    let base = if base.is_empty() { "member".to_owned() } else { base };
    for n in 1..100 {
        let name = match n {
            1 => base.clone(),
            n => {
                let suffix = format!("-{n}");
                format!("{}{suffix}", &base[..base.len().min(MAX_USERNAME_CHARS - suffix.len())])
            }
        };
        let Ok(name) = canonical_username(&name) else { continue };
        let entry = Entry::SingleSignOn { issuer: &identity.issuer, subject: &identity.subject };
        match state.store.registration().create_user(&name, NO_PASSWORD.to_owned(), entry).await {
            Ok(made) => {
                // The provider's name, if it passes the display-name rules (else none).
                if let Some(Ok(Some(shown))) = identity.name.as_deref().map(display_name) {
                    let _ = state.store.set_display_name(made.user.id, Some(shown)).await;
                }
                return Ok(made.user);
            }
            Err(StoreError::Conflict(Taken::Username)) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    Err(AppError::UsernameTaken)
}
