//! Room history, one code path for every reader: `GET /api/messages/{room}/`
//! (JSON) and the room page's server function both call [`read_history`], which
//! asks `accounts::access` first.

use axum::{
    Json,
    extract::{Path, Query, State, rejection::QueryRejection},
    http::HeaderMap,
    response::{IntoResponse, Response},
};
use serde::Deserialize;

use crate::{
    error::AppError,
    protocol::HistoryPage,
    server::{
        accounts::{
            access::{self, Admitted},
            auth::User,
        },
        http::state::AppState,
        http::{
            gate::RequireUser,
            params::{LimitParam, SeqParam},
        },
        policy::Action,
        storage::store::{Found, HistoryQuery},
    },
};

/// The query of `GET /api/messages/{room}/`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryParams {
    before: Option<SeqParam>,
    after: Option<SeqParam>,
    #[serde(default)]
    limit: LimitParam,
    thread: Option<SeqParam>,
}

impl From<HistoryParams> for HistoryQuery {
    fn from(params: HistoryParams) -> Self {
        Self {
            before: params.before.map(|s| s.0),
            after: params.after.map(|s| s.0),
            limit: params.limit.0,
            thread: params.thread.map(|s| s.0),
        }
    }
}

/// `GET /api/messages/{room}/?before=&after=&limit=&thread=`. The newest page of a
/// quiet room is the same for every reader: it is sent as made once (see
/// `bodies`), with an `ETag` that a reload can match for a `304`.
pub async fn messages(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(room): Path<String>,
    headers: HeaderMap,
    params: Result<Query<HistoryParams>, QueryRejection>,
) -> Result<Response, AppError> {
    let Query(params) = params.map_err(|rejection| AppError::BadRequest(rejection.body_text()))?;
    let query = HistoryQuery::from(params);
    if query.is_newest_page() {
        let admitted = access::room(&state.store, &user, &room, Action::Read).await?;
        if let Some(body) = state.store.newest_page_body(&admitted.name).await? {
            return Ok(body.respond(&headers));
        }
        return Ok(Json(page_of(&state, &admitted, query).await?).into_response());
    }
    Ok(Json(read_history(&state, &user, &room, query).await?).into_response())
}

/// A page of the room named `room` (any case), as `user` may read it.
pub async fn read_history(state: &AppState, user: &User, room: &str, query: HistoryQuery) -> Result<HistoryPage, AppError> {
    let room = access::room(&state.store, user, room, Action::Read).await?;
    page_of(state, &room, query).await
}

/// A page of a room the permission check admitted: of its timeline, or with
/// `thread`, of that thread (`not_found` when it names no root of the room).
pub async fn page_of(state: &AppState, room: &Admitted, query: HistoryQuery) -> Result<HistoryPage, AppError> {
    if let Some(root) = query.thread {
        let page = state.store.threads().thread_page(&room.name, root, query).await?.ok_or(AppError::NotFound)?;
        return Ok(HistoryPage { room: room.name.clone(), messages: page.replies, thread: Some(root), root: Some(page.root) });
    }
    let messages = state.store.history(&room.name, query).await?;
    Ok(HistoryPage::of_room(room.name.clone(), messages))
}

/// The messages of an admitted room around the one at `seq` (a permalink),
/// and what that seq is.
pub async fn around_of(state: &AppState, room: &Admitted, seq: i64) -> Result<(HistoryPage, Found), AppError> {
    let (messages, found) = state.store.around(&room.name, seq).await?;
    Ok((HistoryPage::of_room(room.name.clone(), messages), found))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{MAX_PAGE_SIZE, PAGE_SIZE};

    fn parse(query: &str) -> Result<HistoryQuery, String> {
        serde_urlencoded::from_str::<HistoryParams>(query).map(HistoryQuery::from).map_err(|e| e.to_string())
    }

    #[test]
    fn limit_is_checked_and_defaults_to_a_page() {
        assert_eq!(parse("").unwrap().limit, PAGE_SIZE);
        assert_eq!(parse("limit=7").unwrap().limit, 7);
        assert_eq!(parse("limit=5000").unwrap().limit, MAX_PAGE_SIZE);
        assert!(parse("limit=0").unwrap_err().contains("page size"));
    }

    #[test]
    fn bad_seq_parameters_are_refused_with_a_reason() {
        assert!(parse("before=x").unwrap_err().contains("sequence number"));
        assert!(parse("after=-1").unwrap_err().contains("sequence number"));
        assert!(parse("sort=asc").unwrap_err().contains("unknown field"));
        let q = parse("after=5&before=9").unwrap();
        assert_eq!((q.after, q.before), (Some(5), Some(9)));
    }
}
