//! The login gate: the one way handlers, server functions and pages learn the
//! app state and who is logged in — by the session cookie, or for the JSON
//! API's handlers and the sockets by an API token (the [`Bearer`] that
//! `http::bearer` found). Axum handlers take [`RequireUser`] (sockets
//! [`RequireSocket`], what only a browser may do [`RequireBrowser`]); server
//! functions, the browser's, call [`require_user`] (or [`current_user`]),
//! which take the cookie only; pages that need an
//! account are listed in [`LOGIN_REQUIRED_PAGES`] and guarded by
//! [`login_required_pages`]; [`keep_sessions_alive`] refreshes the sessions of
//! active users and records their devices. What a user may then do with a
//! room is decided by `accounts::access`.

use axum::{
    extract::{FromRequestParts, Request, State},
    http::request::Parts,
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use leptos::prelude::use_context;
use tower_sessions::Session;

use crate::{
    error::AppError,
    paths,
    server::{
        accounts::{
            auth::{AuthSession, User},
            tokens::Bearer,
        },
        http::state::AppState,
        realtime::SocketHolder,
    },
};

/// Path prefixes of pages that only a logged-in visitor may see.
pub const LOGIN_REQUIRED_PAGES: &[&str] = &["/room/", "/admin", "/search", "/settings", "/threads"];

/// The logged-in user of the request, or a 401 `unauthorized` answer.
pub struct RequireUser(pub User);

impl<S: Send + Sync> FromRequestParts<S> for RequireUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        if let Some(bearer) = parts.extensions.get::<Bearer>() {
            return Ok(Self(bearer.user.clone()));
        }
        let auth = AuthSession::from_request_parts(parts, state).await.map_err(|_| AppError::Internal)?;
        logged_in(auth).map(Self).ok_or(AppError::Unauthorized)
    }
}

/// The logged-in user of a socket upgrade and what the socket rests on (the
/// session, or the API token, it must end with); or a 401 answer.
pub struct RequireSocket {
    pub user: User,
    pub holder: SocketHolder,
}

impl RequireSocket {
    /// Opened with an API token (not from a page of Parlor's: no `Origin` is needed).
    pub fn by_token(&self) -> bool {
        matches!(self.holder, SocketHolder::Token(_))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequireSocket {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        if let Some(Bearer { user, token_id }) = parts.extensions.get::<Bearer>() {
            return Ok(Self { user: user.clone(), holder: SocketHolder::Token(*token_id) });
        }
        let RequireSession { user, session } = RequireSession::from_request_parts(parts, state).await?;
        Ok(Self { user, holder: SocketHolder::Session(session) })
    }
}

/// The user logged in by the session cookie, for what only a person in a
/// browser may do (administration, making tokens): 403 `forbidden` when the
/// request carries an API token (a leaked token must not mint tokens or make
/// administrators), 401 without a session.
pub struct RequireBrowser(pub User);

impl<S: Send + Sync> FromRequestParts<S> for RequireBrowser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        if parts.extensions.get::<Bearer>().is_some() {
            return Err(AppError::Forbidden);
        }
        let auth = AuthSession::from_request_parts(parts, state).await.map_err(|_| AppError::Internal)?;
        logged_in(auth).map(Self).ok_or(AppError::Unauthorized)
    }
}

/// The logged-in user and their browser session (push subscriptions belong
/// to one; a socket outlives its request and must end with it); or a 401
/// `unauthorized` answer. API tokens have no session.
pub struct RequireSession {
    pub user: User,
    pub session: Session,
}

impl<S: Send + Sync> FromRequestParts<S> for RequireSession {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let auth = AuthSession::from_request_parts(parts, state).await.map_err(|_| AppError::Internal)?;
        let session = auth.session.clone();
        let user = logged_in(auth).ok_or(AppError::Unauthorized)?;
        Ok(Self { user, session })
    }
}

/// The one rule for who is logged in.
fn logged_in(auth: AuthSession) -> Option<User> {
    auth.user
}

/// In a server function: the shared state.
pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or(AppError::Internal)
}

/// In a server function: the request's authentication session (to log in or out).
pub async fn auth_session() -> Result<AuthSession, AppError> {
    leptos_axum::extract().await.map_err(|_| AppError::Internal)
}

/// In a server function: the browser's `User-Agent` (empty when it sent none).
pub async fn user_agent() -> String {
    let headers: axum::http::HeaderMap = leptos_axum::extract().await.unwrap_or_default();
    headers.get(axum::http::header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

/// In a server function: the user logged in by the session cookie, if any.
/// Server functions are the browser's: an API token never acts through them
/// (they change sessions, settings and tokens, which a token must not).
pub async fn current_user() -> Result<Option<User>, AppError> {
    Ok(logged_in(auth_session().await?))
}

/// In a server function: the API token the request carried, if a valid one.
pub async fn bearer() -> Option<Bearer> {
    leptos_axum::extract::<axum::Extension<Bearer>>().await.ok().map(|axum::Extension(bearer)| bearer)
}

/// In a server function: the state and the logged-in user, or `unauthorized`.
pub async fn require_user() -> Result<(AppState, User), AppError> {
    let user = current_user().await?.ok_or(AppError::Unauthorized)?;
    Ok((app_state()?, user))
}

/// Middleware: an anonymous visitor of a page in [`LOGIN_REQUIRED_PAGES`] is
/// sent to log in, and brought back afterwards.
pub async fn login_required_pages(auth: AuthSession, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let needs_login = LOGIN_REQUIRED_PAGES.iter().any(|prefix| path.starts_with(prefix));
    if needs_login && logged_in(auth).is_none() {
        let back_to = request.uri().path_and_query().map_or(path, |pq| pq.as_str());
        return Redirect::to(&paths::login_then(back_to)).into_response();
    }
    next.run(request).await
}

/// Middleware: keeps the sessions of active users alive.
pub async fn keep_sessions_alive(State(state): State<AppState>, auth: AuthSession, request: Request, next: Next) -> Response {
    if let Some(user) = &auth.user {
        state.sessions.refresh(&auth.session).await;
        let user_agent = request.headers().get(axum::http::header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default();
        state.sessions.track_device(&auth.session, user, user_agent).await;
    }
    next.run(request).await
}
