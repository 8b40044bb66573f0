//! Wire types shared by the server and the browser: WebSocket frames (both
//! directions), their error and close codes, the message DTO and history pages.
//! These shapes are Parlor's public interface, documented field by field in
//! `docs/protocol.md`; every frame is encoded and parsed here and nowhere else.
//!
//! - [`message`]: a message as clients see it (with its attachment, the
//!   message it answers), the inbox's summary of it, a history page.
//! - [`preview`]: a link preview under a message.
//! - [`notices`]: what an account's owner is told once on their settings page.
//! - [`rooms`]: room kinds, notification levels, a user's room as listed.
//! - [`accounts`]: account kinds, registration modes, accounts as administrators see them.
//! - [`frames`]: every frame of the room and inbox sockets, both directions.
//! - [`codes`]: the `error` frame's codes and the close codes.
//! - [`events`]: room events, one home per kind (message, edit, deletion,
//!   reaction, preview, membership, command, topic): each kind's request,
//!   stored body, frame and change to a message.
//! - [`checks`]: the field rules client frames follow (text, ids, targets).
//! - [`commands`]: client frames parsed and checked into what the server
//!   acts on: a room event to store ([`EventBody`]), a read marker, typing.
//! - [`api`]: the JSON answers of the HTTP API (`/api/…`), one named type per
//!   answer, built by the server's handlers and read by the browser.

mod accounts;
pub mod api;
mod checks;
mod codes;
mod commands;
pub mod events;
mod frames;
mod message;
mod notices;
mod preview;
mod rooms;

pub use accounts::{Account, AccountKind, RegistrationMode};
pub use checks::{check_text, is_attachment_id};
pub use codes::{CloseReason, FrameErrorCode, FrameRejection};
pub use commands::{Command, check_client_frame, parse_client_frame};
pub use events::{
    Change, EventBody,
    command::{MAX_COMMAND_CHARS, check_command_name},
    membership::MemberChange,
    message::InThread,
};
pub use frames::{ClientFrame, ServerFrame};
pub use message::{
    Attachment, ChatMessage, HistoryPage, Latest, ReplyRef, SeenRead, THREAD_PARTICIPANTS, THUMB_EDGE, ThreadStatus,
    ThreadSummary, human_size, sender_label,
};
pub use notices::Notice;
pub use preview::{
    LinkPreview, PREVIEW_DESCRIPTION_CHARS, PREVIEW_SITE_CHARS, PREVIEW_THUMB_EDGE, PREVIEW_TITLE_CHARS, PreviewImage,
    PreviewRecord,
};
pub use rooms::{NotifyLevel, RoomKind, RoomStatus, room_label};

/// Longest message text accepted, in characters, after trimming.
pub const MAX_TEXT_CHARS: usize = 4000;
/// Longest `client_id` accepted, in characters.
pub const MAX_CLIENT_ID_CHARS: usize = 64;
/// Largest WebSocket frame the server reads, in bytes.
pub const MAX_FRAME_BYTES: usize = 16 * 1024;
/// Messages a room page shows when it first renders (and the history API's default page).
pub const PAGE_SIZE: u64 = 50;
/// Largest history page anyone may ask for.
pub const MAX_PAGE_SIZE: u64 = 200;
/// Longest reaction, in characters (an emoji, or a short word).
pub const MAX_REACTION_CHARS: usize = 16;
/// Characters of a parent message quoted in a reply.
pub const REPLY_QUOTE_CHARS: usize = 140;
/// Rooms of at most this many members (and direct rooms) show who has read
/// their newest message ("Seen by").
pub const SEEN_BY_MAX_MEMBERS: u64 = 10;

/// A time as every frame, page and API answer carries it: RFC 3339 in UTC
/// with millisecond precision, e.g. `2026-11-24T09:15:02.123Z`.
#[cfg(feature = "ssr")]
pub fn format_timestamp(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
