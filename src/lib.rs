//! Parlor: a self-hosted real-time group chat.
//!
//! # Layout
//! - [`app`]: the Leptos shell and router (`<App/>`), rendered on the server
//!   only; the interactive parts of pages are islands (`#[island]`), the only
//!   code the browser runs.
//! - [`pages`]: one file per page (lobby, room, login, register, search,
//!   settings, admin) with the server functions it calls.
//! - [`components`]: pieces of pages (header, sidebar, message list and rows,
//!   composer, members, shortcuts, connection status, ...).
//! - [`chat`]: a room's view state (messages, outbox, connection, presence,
//!   typing, read marker) and how it merges.
//! - [`room_counts`]: the user's rooms with their live unread and mention counts.
//! - [`protocol`]: wire types shared by server and browser: every frame, its
//!   error and close codes, the message DTO, client frames parsed into the
//!   room events the server stores (see `docs/protocol.md`).
//! - [`local_time`]: times and day labels in the reader's zone after hydration.
//! - [`markup`]: the safe Markdown subset of message text, parsed into a tree.
//! - [`mentions`]: `@username` mentions: finding them, and splitting text around them.
//! - [`names`]: room and username validation and the wording of each rule.
//! - [`search_query`]: the search query language, snippets, and result types.
//! - [`seen_by`]: who has read a small room's newest message.
//! - [`slash_commands`]: bots' slash commands in the composer: offered, and told from messages.
//! - [`paths`]: Parlor's own URLs, built in one place.
//! - [`api`]: server functions shared by pages and client code (`current_user`,
//!   `load_history`).
//! - [`backoff`]: retry delays with jitter (browser socket, Redis reconnect).
//! - [`error`]: `AppError`, the error of the HTTP boundary.
//! - [`client`]: (browser) the room socket (connect, reconnect, resync,
//!   outbox), the inbox socket, notifications, uploads.
//! - [`server`]: (server) in layers that point one way: `http` → `realtime`
//!   → `accounts` → `storage` → `bus` and `policy` (its `mod.rs` draws them).
//! - [`entity`]: (server) sea-orm entities, one per table (`entity/mod.rs`
//!   lists all 27): accounts and their sessions, devices, e-mail, identities,
//!   notices and reset links; rooms, memberships, invite links and account
//!   invitations; the room events (`message`, every kind) with their mentions,
//!   reactions, files and thread follows; push, mail and webhook outboxes and
//!   cursors; tokens, hooks, subscriptions, bot commands; server settings.
#![recursion_limit = "256"]

pub mod api;
pub mod app;
pub mod backoff;
pub mod chat;
pub mod client;
pub mod components;
pub mod error;
pub mod i18n;
pub mod local_time;
pub mod markup;
pub mod mentions;
pub mod message_view;
pub mod names;
pub mod pages;
pub mod paths;
pub mod protocol;
pub mod room_counts;
pub mod search_query;
pub mod seen_by;
pub mod slash_commands;

#[cfg(feature = "ssr")]
pub mod entity;
#[cfg(feature = "ssr")]
pub mod server;

/// The pages the server renders: the application and the document around it.
#[cfg(feature = "ssr")]
pub fn site() -> server::http::routes::Site {
    use leptos::prelude::IntoAny;
    server::http::routes::Site { app: || app::App().into_any(), shell: |options| app::shell(options).into_any() }
}

/// Starts Parlor with `config`: the server, serving [`site`]'s pages.
#[cfg(feature = "ssr")]
pub async fn start(config: server::config::Config) -> Result<server::startup::Running, server::startup::StartupError> {
    server::startup::start(config, site()).await
}

/// Browser entry point: readies the reactive system for the page's islands,
/// which the page's loader then hydrates one by one (`app::Hydration`).
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}

/// Called by the loader once every island is hydrated.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrated() {
    local_time::turn_on();
}
