//! Everything that runs only on the server (`ssr` feature).
//!
//! # Layout
//! The modules in their layers, top to bottom; each uses only those below it
//! (`tests/architecture.rs` fails on an edge that points up, or on a cycle):
//!
//! ```text
//! startup                          config -> database -> channel layer -> router -> serve
//! http                             router, login gate, socket upgrades, JSON API, forms, headers
//! realtime · push · integrations · mail · sso   the sockets · Web Push · webhook deliveries · e-mail · single sign-on
//! accounts · previews              log-in, sessions, permission checks, rate limits · link previews
//! storage                          Store, the event log and its writer, caches, search
//! bus · policy · media · row_cache · bodies   channel layer and its events · who may do what · uploads · message rows as HTML · shared bodies
//! config · metrics · tasks · shutdown
//! ```
//!
//! - [`startup`]: start-up (database, migrations, channel layer, router),
//!   serving, and the orderly stop.
//! - [`http`]: the HTTP surface: `AppState`, the router, the login gate, the
//!   socket upgrades (handing finished consumers to `realtime`), the JSON API,
//!   form answers, room URLs, same-origin checks, security headers.
//! - [`realtime`]: the sockets of one instance: the `ChatConsumer` (a room
//!   socket), the `Sequencer` that orders what it sends, the inbox, presence,
//!   keep-alive, the per-user socket cap; the `Realtime` handle they share.
//! - [`push`]: Web Push: the VAPID key, what a push says, sending one, and
//!   the outbox's worker (away users only, by the policy, retried, once).
//! - [`integrations`]: outgoing webhooks: a bot's subscribed events,
//!   delivered in order, once, signed, under the private-network guard.
//! - [`mail`]: e-mail: verification and reset links, mails of missed
//!   mentions and direct messages (the outbox's worker), one-click unsubscribe.
//! - [`sso`]: single sign-on with OpenID Connect (PKCE, state, nonce, the
//!   ID token verified against the issuer's keys).
//! - [`accounts`]: who someone is and what they may do: the axum-login
//!   backend, sessions (log-in, log-out, ending them), the request paths'
//!   permission check (by the policy), rate limits, account settings.
//! - [`previews`]: link previews: the worker that reads a new message's
//!   first link under the SSRF guard and stores the preview as a room event.
//! - [`storage`]: the `Store` handle (every query, its own `StoreError`), the
//!   rooms' event log and its group-commit writer, the writer's admission (by
//!   the policy), caches, search, files, the session store, migrations.
//! - [`bus`]: the channel layer (memory or Redis pub/sub), its groups, and the
//!   events and keys they carry; it knows nothing of the layers above.
//! - [`policy`]: who may do what in a room: one pure function and its table.
//! - [`media`]: what an uploaded file is (images recognised by their bytes,
//!   decoded within bounds) and image thumbnails.
//! - [`row_cache`]: message rows as HTML (`message_view`), rendered once per
//!   change and cached: the formatted text frames carry, the room page's rows.
//! - [`bodies`]: response bodies made once for many readers (JSON with its
//!   brotli and gzip forms and an `ETag`).
//! - [`config`]: command-line flags and their environment twins.
//! - [`metrics`]: Prometheus counters and the `/metrics` endpoint.
//! - [`tasks`]: background tasks, tracked so that a stop ends and awaits them.
//! - [`shutdown`]: the signal that tells the listener and the sockets to stop.

pub mod accounts;
pub mod bodies;
pub mod bus;
pub mod config;
pub mod http;
pub mod integrations;
pub mod mail;
pub mod media;
pub mod metrics;
pub mod policy;
pub mod previews;
pub mod push;
pub mod realtime;
pub mod row_cache;
pub mod shutdown;
pub mod sso;
pub mod startup;
pub mod storage;
pub mod tasks;
