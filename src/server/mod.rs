//! Everything that runs only on the server (`ssr` feature).
//!
//! # Layout
//! - [`config`]: command-line flags and their environment twins.
//! - [`startup`]: start-up (database, migrations, channel layer, router) and serving.
//! - [`routes`]: the axum router: pages, server functions, JSON API, socket, assets.
//! - [`db`]: connecting to SQLite or PostgreSQL and running migrations.
//! - [`store`]: every query Parlor makes, in one place.
//! - [`appender`]: group commit of the sockets' messages.
//! - [`auth`]: the axum-login backend (users, password checks).
//! - [`sessions`]: the tower-sessions store that keeps sessions in the database.
//! - [`consumer`]: the `ChatConsumer`, the room's WebSocket.
//! - [`http_api`]: the JSON history API and `/healthz`.
//! - [`forms`]: how account server functions answer plain form posts and JS calls.
//! - [`guard`]: sends anonymous visitors of protected pages to `/login`.
//! - [`layer`]: the channel layer that fans messages out to a room's sockets.
//! - [`limits`]: rate limits for log-ins, messages and socket upgrades.
//! - [`origin`]: same-origin checks for socket upgrades and form posts.
//! - [`security_headers`]: CSP and the other protective response headers.
//! - [`metrics`]: Prometheus counters and the `/metrics` endpoint.
//! - [`shutdown`]: SIGINT/SIGTERM handling shared by the listener and the sockets.

pub mod startup;
pub mod appender;
pub mod auth;
pub mod config;
pub mod consumer;
pub mod db;
pub mod forms;
pub mod guard;
pub mod http_api;
pub mod layer;
pub mod limits;
pub mod metrics;
pub mod origin;
pub mod routes;
pub mod security_headers;
pub mod sessions;
pub mod shutdown;
pub mod state;
pub mod store;
