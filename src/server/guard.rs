//! Room URLs: canonical names and logged-in visitors only. A room path with a name
//! that lowercasing makes valid is redirected to the canonical one; an invalid name
//! gets a 404; an anonymous visitor is sent to `/login?next=...`.

use std::collections::HashMap;

use axum::{
    extract::{Query, Request},
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};

use crate::{names::canonical_room, server::auth::AuthSession};

/// Middleware for every request: acts only on `/room/...` page paths.
pub async fn room_pages(auth: AuthSession, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let Some(rest) = path.strip_prefix("/room/") else {
        return next.run(request).await;
    };
    let (raw_name, tail) = match rest.split_once('/') {
        Some((name, tail)) => (name, Some(tail)),
        None => (rest, None),
    };
    let decoded = urlencoding::decode(raw_name).map(|s| s.into_owned()).unwrap_or_default();
    let Ok(room) = canonical_room(&decoded) else {
        return (StatusCode::NOT_FOUND, "No such room: room names are 1-64 characters of a-z, 0-9, '-' and '_'.")
            .into_response();
    };
    if tail.is_some_and(|t| !t.is_empty()) {
        return (StatusCode::NOT_FOUND, "Not found").into_response();
    }
    let canonical = format!("/room/{room}/");
    if auth.user.is_none() {
        let target = format!("/login?next={}", urlencoding::encode(&canonical));
        return Redirect::to(&target).into_response();
    }
    if path != canonical {
        return Redirect::permanent(&canonical).into_response();
    }
    next.run(request).await
}

/// `GET /open?room=NAME`: the lobby's "open a room" form without JavaScript.
/// Valid names go to the room; others back to the lobby with the reason.
pub async fn open_room(Query(params): Query<HashMap<String, String>>) -> Redirect {
    let typed = params.get("room").map(String::as_str).unwrap_or_default();
    match canonical_room(typed) {
        Ok(room) => Redirect::to(&format!("/room/{room}/")),
        Err(_) => Redirect::to(&format!("/?error=bad_room&room={}", urlencoding::encode(typed))),
    }
}
