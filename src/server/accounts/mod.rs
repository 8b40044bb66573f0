//! Who someone is and what they may do.
//!
//! - [`auth`]: the axum-login backend (users, password checks) and registration.
//! - [`access`]: the permission check: may this user read or write this room.
//! - [`known_browsers`]: signed cookies of browsers that logged in to an
//!   account before, which others' guesses do not lock out.
//! - [`limits`]: rate limits for log-ins, messages, new rooms and socket upgrades.
//! - [`session_control`]: log-in (always a new session id), log-out, keeping
//!   active sessions alive, closing a session's sockets everywhere; each
//!   session's device, and ending one session or all of a user's.
//! - [`settings`]: what a user changes of their own account: password, display name.
//! - [`tokens`]: API tokens as a way in (the request's [`tokens::Bearer`]), and ending them.
//! - [`user_agent`]: a browser's `User-Agent` as a device name.

pub mod access;
pub mod auth;
pub mod known_browsers;
pub mod limits;
pub mod session_control;
pub mod settings;
pub mod tokens;
pub mod user_agent;
