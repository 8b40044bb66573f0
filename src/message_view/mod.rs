//! One message as HTML, the same for every reader: its row (avatar, sender and
//! time, the message it answers, its formatted text, its file, its link
//! preview, its reactions and thread) and the room's row layout around it
//! (dividers, groups, the reader's classes). The server renders rows once per
//! change and splices them into pages (`server::row_cache`); the browser
//! builds live rows with the same components and places them the same way
//! (`components::row_sync`). Below both, so neither imports the other's UI.
//!
//! - [`row`]: a message's row.
//! - [`layout`]: dividers, placements and the reader's classes.
//! - [`text`]: a message's text, from its parsed Markdown to safe HTML.
//! - [`avatar`], [`attachment`], [`link_preview`]: the parts of a row.

pub mod attachment;
pub mod avatar;
pub mod layout;
pub mod link_preview;
pub mod row;
pub mod text;

pub use layout::{
    GROUP_SECONDS, Placement, Reader, ReaderClasses, day_divider_html, empty_html, placements, unread_divider_html,
};
pub use row::{MessageRow, quote_of};
