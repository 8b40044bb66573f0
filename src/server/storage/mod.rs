//! Where Parlor keeps things: the [`Store`] handle that owns the database
//! connection and the group-commit writer, the one path by which room events
//! are written; connecting and migrating; and the session store. Below it is
//! only the channel layer (`bus`: the writer publishes after each commit, the
//! caches hear what to forget) and the policy.
//!
//! - [`store`]: the `Store`: connection, writer, caches, and the reads every
//!   part needs; each module below that answers a concern of its own gives the
//!   Store a handle for it (`store.tokens().create_token(…)`).
//! - [`writes`]: what is asked of the writer (`NewEvent`) and what it answers (`Stored`).
//! - [`error`]: `StoreError`, what storage answers when it cannot.
//! - [`events`]: the rooms' event log: how one batch of room events
//!   (messages, edits, deletions, reactions, membership changes) is stored —
//!   seqs, resends, each kind's rules, mentions, memberships, one transaction
//!   — and how events are read back; read markers.
//! - [`room_access`]: what the permission check reads of a room for one user;
//!   creating public, private and direct rooms.
//! - [`invites`]: invite links of private rooms.
//! - [`accounts`]: the accounts an administrator manages.
//! - [`memberships`]: a user's rooms: joining, leaving, counts, notification levels.
//! - [`seen`]: "Seen by": how far the other readers of a small room have read.
//! - [`followed_threads`]: a thread's page, following threads, the followed ones with their counts.
//! - [`admission`]: who may write what, judged by the policy in the writer's
//!   transaction.
//! - [`attachments`]: uploaded files and their content-addressed blobs.
//! - [`previews`]: link previews' thumbnails, kept and served.
//! - [`full_text`]: full-text search over what a user may read (FTS5, `tsvector`).
//! - [`push`]: Web Push: the VAPID key, subscriptions, the outbox's claims.
//! - [`registration`]: who may make an account: the registration mode,
//!   account invitations, and making an account under them.
//! - [`resets`]: one-time password reset links.
//! - [`notices`]: what an account's owner is told once on their settings page.
//! - [`emails`]: users' e-mail addresses and the mail outbox's claims.
//! - [`secrets`]: secrets every instance shares (the known-browser cookies' key).
//! - [`identities`]: single sign-on identities (`iss`, `sub`) of accounts.
//! - [`integrations`]: API tokens, bots, incoming webhooks, outgoing event
//!   subscriptions and their delivery cursors, bots' commands.
//! - [`appender`]: the writer task: group commit, publish in `seq` order, answer senders.
//! - [`db`]: connecting to SQLite or PostgreSQL and running migrations.
//! - [`sessions`]: the tower-sessions store on the same database.
//! - [`devices`]: each logged-in session's handle, browser and last use.
//! - [`cache`]: sessions, accounts, rooms' access facts and newest pages kept
//!   in memory, forgotten on every instance when they change.

pub mod accounts;
mod admission;
pub mod appender;
pub mod attachments;
pub mod cache;
pub mod db;
pub mod devices;
pub mod emails;
pub mod error;
mod events;
mod followed_threads;
pub mod full_text;
mod identities;
pub mod integrations;
pub mod invites;
mod memberships;
mod notices;
mod previews;
pub mod push;
pub mod registration;
pub mod resets;
pub mod room_access;
mod secrets;
mod seen;
pub mod sessions;
pub mod store;
pub mod writes;

pub use appender::{AppendError, NewMessage};
pub use error::StoreError;
pub use events::{ReadMarker, Refusal};
pub use store::Store;
pub use writes::{NewEvent, Stored};
