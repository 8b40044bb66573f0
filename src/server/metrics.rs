//! Prometheus metrics, rendered at `GET /metrics`. Names and what they count:
//!
//! - `parlor_messages_stored_total`: messages committed.
//! - `parlor_messages_duplicate_total`: resends answered from an earlier copy.
//! - `parlor_frames_rejected_total{code}`: client frames refused, by error code.
//! - `parlor_sockets_open`: room sockets currently open.
//! - `parlor_inbox_sockets_open`: inbox sockets currently open.
//! - `parlor_socket_lag_total`: times a socket fell behind the channel layer.
//! - `parlor_catch_up_messages_total`: messages sent to sockets from the database.
//! - `parlor_catch_up_from_memory_total`: room events sent to sockets that lagged
//!   from their group's recent events (without the database).
//! - `parlor_store_errors_total`: sends that could not be stored.
//! - `parlor_link_previews_total{outcome}`: links of new messages, by what
//!   became of them (`shown`, `refused_address`, `timed_out`, ...; `server::previews`).
//! - `parlor_pushes_total{outcome}`: Web Pushes, by what became of them
//!   (`sent`, `later`, `gone`, `skipped`, `dropped`, ...; `server::push`).
//! - `parlor_password_hashes_total`: argon2 hashes and verifications run
//!   (log-ins, registrations, password changes and resets share their slots).

use std::sync::OnceLock;

use axum::{
    http::header,
    response::{IntoResponse, Response},
};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

pub const MESSAGES_STORED: &str = "parlor_messages_stored_total";
pub const MESSAGES_DUPLICATE: &str = "parlor_messages_duplicate_total";
pub const FRAMES_REJECTED: &str = "parlor_frames_rejected_total";
pub const SOCKETS_OPEN: &str = "parlor_sockets_open";
pub const INBOX_SOCKETS_OPEN: &str = "parlor_inbox_sockets_open";
pub const SOCKET_LAG: &str = "parlor_socket_lag_total";
pub const CATCH_UP_MESSAGES: &str = "parlor_catch_up_messages_total";
pub const CATCH_UP_FROM_MEMORY: &str = "parlor_catch_up_from_memory_total";
pub const PASSWORD_HASHES: &str = "parlor_password_hashes_total";
pub const STORE_ERRORS: &str = "parlor_store_errors_total";

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process-wide recorder once (several servers in one test process
/// share it) and returns the handle that renders it.
pub fn install() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            // Fails only if another recorder was installed first; ours then renders nothing.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// `GET /metrics`
pub async fn render() -> Response {
    let body = install().render();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}
