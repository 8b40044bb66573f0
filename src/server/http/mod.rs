//! The HTTP surface: the router, the login gate every handler and server
//! function goes through, the JSON history API and health check, the answers of
//! the account forms, canonical room URLs, same-origin checks and security
//! headers. [`AppError`] becomes a response here, in one place.
//!
//! - [`routes`]: the axum router and its layers.
//! - [`store_errors`]: how storage's errors answer (`StoreError` → `AppError`).
//! - [`state`]: `AppState`, what every handler and server function shares.
//! - [`gate`]: the request context: app state and the logged-in user; keeping
//!   active sessions alive.
//! - [`sockets`]: the room and inbox socket upgrades: checks, then a finished
//!   consumer handed to `realtime`.
//! - [`history`]: room history (JSON API and the room page's server function).
//! - [`operations`]: `/healthz` (public and detailed) and the metrics listener.
//! - [`client_ip`]: the client's address behind trusted proxies.
//! - [`forms`]: how account server functions answer plain form posts and JS calls.
//! - [`user_rooms`]: a user's rooms (list and counts, members, notification level).
//! - [`memberships`]: creating rooms, a private room's members and invite
//!   links.
//! - [`links`]: `/join/{code}` and `/dm/{username}/`: a page that asks, and
//!   the same-origin POST that joins or starts the conversation.
//! - [`attachments`]: file uploads and serving files to their rooms' readers.
//! - [`search_api`]: full-text search (JSON API and the search page's server function).
//! - [`thread_follows`]: following threads, and the followed ones with their counts.
//! - [`push`]: Web Push: the public key, the user's push subscriptions, a test push.
//! - [`admin`]: accounts, for administrators (roles, deactivation).
//! - [`bearer`]: `Authorization: Bearer <token>` on `/api/` and `/ws/` paths.
//! - [`entry`]: who gets in, for administrators: the registration mode,
//!   account invitations, password reset links, accounts made by hand.
//! - [`sso`]: single sign-on's two legs (`/auth/oidc/start`, `/auth/oidc/callback`).
//! - [`emails`]: the links Parlor mails (verification, one-click unsubscribe).
//! - [`integrations`]: API tokens, bots, incoming webhooks (and the URL they
//!   post to), outgoing event subscriptions, bots' slash commands.
//! - [`posts`]: `POST /api/messages/{room}/`: a `send` over HTTP.
//! - [`room_paths`]: canonical `/room/...` URLs and the lobby's no-JS "open" form.
//! - [`hosts`]: only the `--public-url`'s host is served (DNS rebinding).
//! - [`origin`]: same-origin checks for socket upgrades and form posts.
//! - [`params`]: typed query parameters (sequence numbers, page sizes).
//! - [`security_headers`]: CSP and the other protective response headers.
//! - [`assets`]: the bundle under content-hashed names, kept by browsers for a year.
//! - [`serve`]: the accept loop: header-read timeout, `TCP_NODELAY`, graceful stop.

pub mod admin;
pub mod assets;
pub mod attachments;
pub mod bearer;
pub mod client_ip;
pub mod emails;
pub mod entry;
pub mod forms;
pub mod gate;
pub mod history;
pub mod hosts;
pub mod integrations;
pub mod links;
pub mod locale;
pub mod memberships;
pub mod operations;
pub mod origin;
pub mod params;
pub mod posts;
pub mod push;
pub mod room_paths;
pub mod routes;
pub mod search_api;
pub mod security_headers;
pub mod serve;
pub mod sockets;
pub mod sso;
pub mod state;
pub mod store_errors;
pub mod thread_follows;
pub mod user_rooms;

use axum::{
    Json,
    http::header,
    response::{IntoResponse, Response},
};
use serde_json::json;

use crate::error::AppError;

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let body = Json(json!({ "error": self.code(), "message": self.to_string() }));
        let mut response = (self.status(), body).into_response();
        if let AppError::RateLimited { retry_after_secs } = self {
            response.headers_mut().insert(header::RETRY_AFTER, retry_after_secs.into());
        }
        response
    }
}
