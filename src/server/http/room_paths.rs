//! Canonical room URLs. A `/room/...` page path whose name lowercasing makes
//! valid is redirected to the canonical `/room/{room}/`; an invalid name gets a
//! 404 that says why. Also the lobby's "open a room" form without JavaScript.

use axum::{
    extract::{Query, Request},
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;

use crate::{
    names::{ROOM_RULE, canonical_room},
    paths,
};

/// Middleware for every request: acts only on `/room/...` page paths.
pub async fn canonical_room_pages(request: Request, next: Next) -> Response {
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
        return (StatusCode::NOT_FOUND, format!("No such room: {ROOM_RULE}.")).into_response();
    };
    if tail.is_some_and(|t| !t.is_empty()) {
        return (StatusCode::NOT_FOUND, "Not found").into_response();
    }
    let canonical = paths::room(&room);
    if path != canonical {
        let query = request.uri().query().map(|q| format!("?{q}")).unwrap_or_default();
        return Redirect::permanent(&format!("{canonical}{query}")).into_response();
    }
    next.run(request).await
}

/// The query of `GET /open`.
#[derive(Deserialize)]
pub struct OpenParams {
    #[serde(default)]
    room: String,
}

/// `GET /open?room=NAME`: the lobby's "open a room" form without JavaScript.
/// Valid names go to the room; others back to the lobby with the reason.
pub async fn open_room(Query(params): Query<OpenParams>) -> Redirect {
    match canonical_room(&params.room) {
        Ok(room) => Redirect::to(&paths::room(&room)),
        Err(_) => Redirect::to(&format!("/?error=bad_room&room={}", urlencoding::encode(&params.room))),
    }
}
