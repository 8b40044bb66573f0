//! Health and metrics. The public `/healthz` says only whether the database and
//! the channel layer answer (a load balancer needs no more); the detailed one,
//! with the error text, and `/metrics` are for operators: on the separate
//! `--metrics-addr` listener when one is given (keep it off the public network),
//! else `/metrics` is on the main address and the shipped nginx config denies it.

use axum::{
    Json, Router,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
};
use serde_json::json;
use std::time::Duration;

use crate::server::{http::state::AppState, metrics};

/// The operations listener's router: `/metrics` and the detailed `/healthz`.
pub fn router(state: AppState) -> Router {
    Router::new().route("/healthz", get(detailed_health)).route("/metrics", get(metrics::render)).with_state(state)
}

/// Longest a health check waits for each dependency: a load balancer must get
/// its 503 while the database restarts, not a timeout of its own.
const CHECK_WAIT: Duration = Duration::from_secs(1);

/// What each dependency answered (both asked at once): `Ok` or the error text.
async fn check(state: &AppState) -> (Result<(), String>, Result<(), String>) {
    let bounded = |answer: Option<Result<(), String>>| answer.unwrap_or_else(|| Err(format!("no answer within {CHECK_WAIT:?}")));
    let (database, layer) = tokio::join!(
        tokio::time::timeout(CHECK_WAIT, async { state.store.ping().await.map_err(|e| e.to_string()) }),
        tokio::time::timeout(CHECK_WAIT, async { state.layer.health().await.map_err(|e| e.to_string()) }),
    );
    (bounded(database.ok()), bounded(layer.ok()))
}

fn status(database: &Result<(), String>, layer: &Result<(), String>) -> StatusCode {
    if database.is_ok() && layer.is_ok() { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE }
}

/// `GET /healthz`: 200 when the database and the channel layer answer, else 503;
/// each as `"ok"` or `"unavailable"`.
pub async fn health(State(state): State<AppState>) -> Response {
    let (database, layer) = check(&state).await;
    let word = |r: &Result<(), String>| if r.is_ok() { "ok" } else { "unavailable" };
    let body = json!({ "database": word(&database), "channel_layer": word(&layer) });
    (status(&database, &layer), Json(body)).into_response()
}

/// `GET /healthz` on the operations listener: as the public one, with the error text.
async fn detailed_health(State(state): State<AppState>) -> Response {
    let (database, layer) = check(&state).await;
    let describe = |r: &Result<(), String>| r.as_ref().map_or_else(Clone::clone, |()| "ok".to_owned());
    let body = json!({ "database": describe(&database), "channel_layer": describe(&layer) });
    (status(&database, &layer), Json(body)).into_response()
}
