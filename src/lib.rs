//! Parlor: a self-hosted real-time group chat.
//!
//! # Layout
//! - [`app`]: the Leptos shell and router (`<App/>`), rendered on the server and
//!   hydrated in the browser.
//! - [`pages`]: one file per page (lobby, room, login, register) with the server
//!   functions it calls.
//! - [`components`]: pieces of pages (header, message list, composer, status).
//! - [`chat`]: a room's view state (messages, outbox, connection) and how it merges.
//! - [`protocol`]: wire types shared by server and browser (frames, message DTO).
//! - [`names`]: room and username validation, shared by both sides.
//! - [`error`]: `AppError`, the error of the HTTP boundary.
//! - [`client`]: (browser) the room socket: connect, reconnect, resync, outbox.
//! - [`server`]: (server) config, database, auth, the `ChatConsumer`, the channel
//!   layer, the JSON API.
//! - [`entity`]: (server) sea-orm entities: user, session, room, message.

pub mod app;
pub mod chat;
pub mod client;
pub mod components;
pub mod error;
pub mod names;
pub mod pages;
pub mod protocol;

#[cfg(feature = "ssr")]
pub mod entity;
#[cfg(feature = "ssr")]
pub mod server;

/// Browser entry point: hydrates the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
