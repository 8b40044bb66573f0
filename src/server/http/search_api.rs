//! Search over HTTP: `GET /api/search/` (JSON) and the search page's server
//! function both call [`run_search`], which parses the query, asks
//! `accounts::access` for a room named by `room=` or `in:`, and lets the store
//! return only what the user may read.

use axum::{
    Json,
    extract::{Query, State, rejection::QueryRejection},
};
use serde::Deserialize;

use crate::{
    error::AppError,
    search_query::{self, MAX_PAGE, PAGE, Results},
    server::{
        accounts::{access, auth::User},
        http::state::AppState,
        http::{gate::RequireUser, params::SeqParam},
        policy::Action,
        storage::full_text::SearchRequest,
    },
};

/// The query of `GET /api/search/`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    #[serde(default)]
    pub q: String,
    /// Only this room (as `in:` does).
    pub room: Option<String>,
    /// A result's `cursor`: only older results.
    pub before: Option<SeqParam>,
    pub limit: Option<u64>,
}

/// `GET /api/search/?q=&room=&before=&limit=`
pub async fn search(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    params: Result<Query<SearchParams>, QueryRejection>,
) -> Result<Json<Results>, AppError> {
    let Query(params) = params.map_err(|rejection| AppError::BadRequest(rejection.body_text()))?;
    Ok(Json(run_search(&state, &user, params).await?))
}

/// One page of results for `user`, newest first.
pub async fn run_search(state: &AppState, user: &User, params: SearchParams) -> Result<Results, AppError> {
    if let Err(throttled) = state.limits.check_search(user.0.id) {
        return Err(AppError::RateLimited { retry_after_secs: throttled.retry_after_secs });
    }
    let query = search_query::Query::parse(&params.q).map_err(|err| AppError::BadRequest(err.to_string()))?;
    let limit = match params.limit {
        None => PAGE,
        Some(limit @ 1..=MAX_PAGE) => limit,
        Some(_) => return Err(AppError::BadRequest(format!("limit is 1-{MAX_PAGE}"))),
    };
    let room = match params.room.as_deref().filter(|r| !r.is_empty()).or(query.room.as_deref()) {
        Some(raw) => Some(access::room(&state.store, user, raw, Action::Read).await?.name),
        None => None,
    };
    let request =
        SearchRequest { user_id: user.0.id, query: &query, room: room.as_deref(), before: params.before.map(|b| b.0), limit };
    let results = state.store.full_text().run(request).await?;
    let next_before = (results.len() as u64 == limit).then(|| results.last().map(|hit| hit.cursor)).flatten();
    Ok(Results { query: params.q, results, next_before })
}
