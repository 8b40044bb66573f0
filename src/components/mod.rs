//! Pieces of pages: the site header, keyboard shortcuts, the live region, the account form, the user's rooms, and the
//! room's message list (each message with its text, file, link preview, reactions and actions),
//! composer, presence and typing, the topic, controls and status; the header's panels
//! whose code is fetched on first use (`lazy_panel`).

pub mod announcer;
pub mod auth_form;
pub mod composer;
pub mod connection_status;
pub mod file_picker;
pub mod header;
pub mod lazy_panel;
pub mod lock_icon;
pub mod message_list;
pub mod message_tools;
pub mod my_rooms;
pub mod room_activity;
pub mod room_controls;
pub mod room_members;
pub mod room_topic;
pub mod room_webhooks;
#[cfg(feature = "hydrate")]
pub mod row_sync;
pub mod shortcuts;
pub mod sidebar;
pub mod thread_panel;
