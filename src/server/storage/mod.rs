//! Where Parlor keeps things: the [`Store`] handle that owns the database
//! connection and the group-commit writer, the one path by which messages are
//! written; connecting and migrating; and the session store.
//!
//! - [`store`]: the `Store` handle and every read query.
//! - [`events`]: how one batch of room events (messages, edits, deletions,
//!   reactions) is stored — seqs, resends, rules, mentions, memberships, one
//!   transaction — and how events are read back; read markers.
//! - [`doors`]: what the permission check reads, private and direct rooms,
//!   invite links, accounts an administrator manages.
//! - [`memberships`]: a user's rooms: joining, leaving, counts, notification levels.
//! - [`admission`]: who may write what, judged in the writer's transaction.
//! - [`attachments`]: uploaded files and their content-addressed blobs.
//! - [`search`]: full-text search over what a user may read (FTS5, `tsvector`).
//! - [`appender`]: the writer task: group commit, publish in `seq` order, answer senders.
//! - [`db`]: connecting to SQLite or PostgreSQL and running migrations.
//! - [`sessions`]: the tower-sessions store on the same database.
//! - [`devices`]: each logged-in session's handle, browser and last use.
//! - [`cache`]: sessions, accounts, rooms' doors and newest pages kept in
//!   memory, forgotten on every instance when they change.

mod admission;
pub mod appender;
pub mod attachments;
pub mod cache;
pub mod db;
pub mod devices;
pub mod doors;
pub mod error;
mod events;
mod memberships;
pub mod search;
pub mod sessions;
pub mod store;

pub use appender::AppendError;
pub use error::StoreError;
pub use events::{ReadMarker, Refusal};
pub use store::{NewEvent, Store, Stored};
