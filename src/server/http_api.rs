//! The JSON API: room history at `/api/messages/{room}/` and `/healthz`. Errors
//! answer as `{"error": code, "message": text}` with the status of [`AppError`].

use std::collections::HashMap;

use axum::{
    Json,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::json;

use crate::{
    error::AppError,
    names::canonical_room,
    protocol::{HistoryPage, MAX_PAGE_SIZE, PAGE_SIZE},
    server::{auth::AuthSession, db, state::AppState, store},
};

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, Json(json!({ "error": self.code(), "message": self.to_string() }))).into_response()
    }
}

/// `GET /api/messages/{room}/?before=&after=&limit=`
pub async fn messages(
    State(state): State<AppState>,
    auth: AuthSession,
    Path(room): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<HistoryPage>, AppError> {
    if auth.user.is_none() {
        return Err(AppError::Unauthorized);
    }
    let room = canonical_room(&room).map_err(|why| AppError::BadRoom(why.into()))?;
    let query = parse_history_query(&params)?;
    let messages = store::history(&state.db, &room, query).await.map_err(|err| {
        tracing::error!(%err, room, "history query failed");
        AppError::Internal
    })?;
    Ok(Json(HistoryPage { room, messages }))
}

/// Reads `before`, `after` and `limit`, refusing anything else.
pub fn parse_history_query(params: &HashMap<String, String>) -> Result<store::HistoryQuery, AppError> {
    let seq = |name: &str| -> Result<Option<i64>, AppError> {
        params
            .get(name)
            .map(|raw| match raw.parse::<i64>() {
                Ok(n) if n >= 0 => Ok(n),
                _ => Err(AppError::BadRequest(format!("`{name}` must be a non-negative integer"))),
            })
            .transpose()
    };
    if let Some(unknown) = params.keys().find(|k| !matches!(k.as_str(), "before" | "after" | "limit")) {
        return Err(AppError::BadRequest(format!(
            "unknown parameter `{unknown}`; use before, after or limit"
        )));
    }
    let limit = match params.get("limit") {
        None => PAGE_SIZE,
        Some(raw) => match raw.parse::<u64>() {
            // Larger pages are capped rather than refused.
            Ok(n) if n >= 1 => n.min(MAX_PAGE_SIZE),
            _ => return Err(AppError::BadRequest("`limit` must be a positive integer".into())),
        },
    };
    Ok(store::HistoryQuery { before: seq("before")?, after: seq("after")?, limit })
}

/// `GET /healthz`: 200 when the database and the channel layer answer, else 503.
pub async fn healthz(State(state): State<AppState>) -> Response {
    let database = db::ping(&state.db).await.map_err(|e| e.to_string());
    let layer = state.layer.health().await.map_err(|e| e.to_string());
    let status = if database.is_ok() && layer.is_ok() { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let describe = |r: Result<(), String>| r.map_or_else(|e| e, |()| "ok".to_owned());
    (status, Json(json!({ "database": describe(database), "channel_layer": describe(layer) }))).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn limit_is_checked_and_defaults_to_a_page() {
        assert_eq!(parse_history_query(&params(&[])).unwrap().limit, PAGE_SIZE);
        assert_eq!(parse_history_query(&params(&[("limit", "7")])).unwrap().limit, 7);
        assert_eq!(parse_history_query(&params(&[("limit", "5000")])).unwrap().limit, MAX_PAGE_SIZE);
        assert!(parse_history_query(&params(&[("limit", "0")])).is_err());
    }

    #[test]
    fn bad_seq_parameters_are_refused() {
        assert!(parse_history_query(&params(&[("before", "x")])).is_err());
        assert!(parse_history_query(&params(&[("after", "-1")])).is_err());
        assert!(parse_history_query(&params(&[("sort", "asc")])).is_err());
        let q = parse_history_query(&params(&[("after", "5"), ("before", "9")])).unwrap();
        assert_eq!((q.after, q.before), (Some(5), Some(9)));
    }
}
