//! Who someone is and what they may do.
//!
//! - [`auth`]: the axum-login backend (users, password checks) and registration.
//! - [`access`]: the permission check: may this user read or write this room.
//! - [`limits`]: rate limits for log-ins, messages, new rooms and socket upgrades.
//! - [`session_control`]: log-in (always a new session id), log-out, keeping
//!   active sessions alive, and closing a session's sockets everywhere.

pub mod access;
pub mod auth;
pub mod limits;
pub mod session_control;
