//! One file per page, each with the server functions it calls.

pub mod admin;
pub mod admin_entry;
pub mod entry;
pub mod lobby;
pub mod login;
pub mod register;
pub mod room;
pub mod search;
pub mod settings;
pub mod settings_email;
pub mod settings_tokens;
pub mod threads;
