//! The socket upgrades: `GET /ws/room/{room}/?after=SEQ` (the `connect` step
//! of a `ChatConsumer`) and `GET /ws/inbox/`. Each checks the session (or API token), the
//! room's permission (the one policy, through `accounts::access`), the origin
//! and the upgrade rate, builds the consumer (which takes one of the user's
//! socket slots), and hands it the upgraded socket: from there on the socket
//! is `realtime`'s.

use axum::{
    extract::{Path, Query, State, WebSocketUpgrade, rejection::QueryRejection},
    http::HeaderMap,
    response::{IntoResponse, Response},
};
use serde::Deserialize;

use crate::{
    error::AppError,
    server::{
        accounts::access,
        http::{client_ip::ClientIp, gate::RequireSocket, origin, params::SeqParam, state::AppState},
        policy::Action,
        realtime::{consumer::ChatConsumer, inbox::Inbox, room_socket},
    },
};

/// The query of `GET /ws/room/{room}/`.
#[derive(Debug, Deserialize)]
pub struct SocketParams {
    /// The last `seq` the client has shown: replay starts after it.
    after: Option<SeqParam>,
}

/// `GET /ws/room/{room}/?after=SEQ`: the room socket.
pub async fn room(
    ws: WebSocketUpgrade,
    State(state): State<AppState>,
    socket: RequireSocket,
    Path(room): Path<String>,
    params: Result<Query<SocketParams>, QueryRejection>,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let room = access::room(&state.store, &socket.user, &room, Action::Read).await?;
    check_upgrade(&state, &headers, client, socket.by_token())?;
    let Query(params) = params.map_err(|rejection| AppError::BadRequest(rejection.body_text()))?;
    let RequireSocket { user, holder } = socket;
    let consumer = ChatConsumer::new(&state.realtime, (room.name, room.kind), user.0, &holder).await?;
    let after = params.after.map(|seq| seq.0);
    Ok(room_socket::room_sized(ws).on_upgrade(move |socket| consumer.serve(socket, after)).into_response())
}

/// `GET /ws/inbox/`: the user's inbox socket.
pub async fn inbox(
    ws: WebSocketUpgrade,
    State(state): State<AppState>,
    socket: RequireSocket,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    check_upgrade(&state, &headers, client, socket.by_token())?;
    let RequireSocket { user, holder } = socket;
    let inbox = Inbox::new(&state.realtime, user.0, &holder).await?;
    Ok(room_socket::inbox_sized(ws).on_upgrade(move |socket| inbox.serve(socket)).into_response())
}

/// A socket opens only from Parlor's own pages (or with an API token, which
/// browsers never send on their own), and at most so often per client.
fn check_upgrade(state: &AppState, headers: &HeaderMap, client: std::net::IpAddr, by_token: bool) -> Result<(), AppError> {
    if !by_token && !origin::is_same_origin(headers) {
        return Err(AppError::CrossSite);
    }
    state.limits.check_upgrade(client).map_err(|throttled| AppError::RateLimited { retry_after_secs: throttled.retry_after_secs })
}
