//! Who someone is and what they may do.
//!
//! - [`auth`]: the axum-login backend (users, password checks) and registration.
//! - [`access`]: the permission check: may this user read or write this room.
//! - [`limits`]: rate limits for log-ins, messages and socket upgrades.

pub mod access;
pub mod auth;
pub mod limits;
