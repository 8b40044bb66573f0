//! Everything that runs only on the server (`ssr` feature).
//!
//! # Layout
//! - [`config`]: command-line flags and their environment twins.
//! - [`startup`]: start-up (database, migrations, channel layer, router), serving,
//!   and the orderly stop.
//! - [`tasks`]: background tasks, tracked so that a stop ends and awaits them.
//! - [`shutdown`]: the signal that tells the listener and the sockets to stop.
//! - [`metrics`]: Prometheus counters and the `/metrics` endpoint.
//! - [`http`]: the HTTP surface: router, the login gate, the JSON API, form
//!   answers, room URLs, same-origin checks, security headers.
//! - [`realtime`]: the room socket (`ChatConsumer` and `RoomSocket`) and the
//!   channel layer that fans events out (memory or Redis).
//! - [`storage`]: the `Store` handle (every query), the group-commit writer, the
//!   database connection and migrations, and the session store.
//! - [`media`]: what an uploaded file is (images recognised by their bytes,
//!   decoded within bounds) and image thumbnails.
//! - [`accounts`]: who someone is and what they may do: the axum-login backend,
//!   the permission check for rooms, and rate limits.

pub mod accounts;
pub mod bus;
pub mod config;
pub mod http;
pub mod media;
pub mod metrics;
pub mod policy;
pub mod realtime;
pub mod shutdown;
pub mod startup;
pub mod storage;
pub mod tasks;
