//! `Authorization: Bearer <token>`: on `/api/` and `/ws/` paths, the token is
//! looked up (by its hash), held to its rate, and the request carries the
//! [`Bearer`] it proves; a bad or revoked token is a 401, whatever cookie the
//! request also has. Pages never take a token: there the header is ignored
//! (and the visitor is whoever their cookie says). A token is not sent by
//! browsers on their own, so its requests need no same-origin check.

use axum::{
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::{
    error::AppError,
    server::{
        accounts::{auth::User, tokens::Bearer},
        http::state::AppState,
    },
};

/// Whether a request may be authenticated by a token.
pub fn takes_tokens(path: &str) -> bool {
    path.starts_with("/api/") || path.starts_with("/ws/")
}

/// The token of a request's `Authorization: Bearer` header: `None` without
/// one (or with another scheme, such as a proxy's Basic credentials, which
/// pass through untouched), `Some(Err)` when it names no token.
pub fn bearer_token(headers: &HeaderMap) -> Option<Result<&str, ()>> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = token.trim();
    Some(if token.is_empty() { Err(()) } else { Ok(token) })
}

/// Middleware: authenticates `/api/` and `/ws/` requests that carry a token.
pub async fn bearer_tokens(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    if !takes_tokens(request.uri().path()) {
        return next.run(request).await;
    }
    let found = match bearer_token(request.headers()) {
        None => return next.run(request).await,
        Some(Err(())) => return refused("the Authorization header must be `Bearer <token>`, with a token"),
        Some(Ok(token)) => state.store.tokens().authenticate_token(token).await,
    };
    match found {
        Ok(Some((token, account))) if !account.deactivated => {
            if let Err(throttled) = state.limits.check_api(token.id) {
                return AppError::RateLimited { retry_after_secs: throttled.retry_after_secs }.into_response();
            }
            request.extensions_mut().insert(Bearer { user: User(account), token_id: token.id });
            next.run(request).await
        }
        Ok(Some(_)) => AppError::Deactivated.into_response(),
        Ok(None) => refused("this token is not valid (revoked, or never made)"),
        Err(err) => AppError::internal(err).into_response(),
    }
}

/// A 401 `invalid_token` that says why, with RFC 6750's challenge.
fn refused(why: &str) -> Response {
    let body = axum::Json(serde_json::json!({ "error": "invalid_token", "message": why }));
    let mut response = (axum::http::StatusCode::UNAUTHORIZED, body).into_response();
    response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer error=\"invalid_token\""));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(value: &str) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        map
    }

    #[test]
    fn only_a_bearer_header_carries_a_token() {
        assert_eq!(bearer_token(&HeaderMap::new()), None);
        assert_eq!(bearer_token(&headers("Bearer plr_abc")), Some(Ok("plr_abc")));
        assert_eq!(bearer_token(&headers("Basic YWxpY2U6cHc=")), None, "a proxy's credentials pass through");
        assert_eq!(bearer_token(&headers("Bearer ")), Some(Err(())));
        assert_eq!(bearer_token(&headers("bearer plr_x")), Some(Ok("plr_x")));
        assert!(takes_tokens("/api/messages/lobby/") && takes_tokens("/ws/inbox/"));
        assert!(!takes_tokens("/room/lobby/") && !takes_tokens("/settings") && !takes_tokens("/hooks/abc"));
    }
}
