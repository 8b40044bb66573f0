//! The browser side: the room socket (connects, reconnects with capped
//! exponential backoff and jitter, resyncs with `?after=`, sends the outbox,
//! read markers and typing), the composer's drafts and what was typed before
//! the page hydrated, the inbox socket (live counts of the user's rooms),
//! file uploads from the composer, browser notifications, and telling the
//! service worker when the pages it keeps must go.
//!
//! Only the browser opens sockets. The server renders the same components, but
//! effects never run there, so on the server [`RoomConnection`] and
//! [`InboxConnection`] are inert types that only keep the components
//! target-neutral.

#[cfg(feature = "hydrate")]
pub mod drafts;
#[cfg(feature = "hydrate")]
pub mod early;
pub mod http;
#[cfg(feature = "hydrate")]
mod inbox;
#[cfg(feature = "hydrate")]
pub mod notify;
#[cfg(feature = "hydrate")]
mod offline;
#[cfg(feature = "hydrate")]
mod outbox;
#[cfg(feature = "hydrate")]
mod socket;
#[cfg(feature = "hydrate")]
pub mod uploads;

#[cfg(feature = "hydrate")]
pub use inbox::InboxConnection;
#[cfg(feature = "hydrate")]
pub use socket::RoomConnection;

#[cfg(not(feature = "hydrate"))]
pub use server_side::{InboxConnection, RoomConnection, drafts, early, notify, uploads};

#[cfg(not(feature = "hydrate"))]
mod server_side {
    use crate::{
        chat::RoomState,
        protocol::{Attachment, ClientFrame},
        room_counts::MyRooms,
    };

    /// Stands in for the browser's room connection while rendering on the server.
    pub struct RoomConnection;

    impl RoomConnection {
        pub fn open(_room: String, _state: RoomState) -> Self {
            Self
        }
        pub fn send(&self, _text: String, _reply_to: Option<i64>, _attachment: Option<Attachment>) {}
        pub fn act(&self, _make: impl FnOnce(Option<String>) -> ClientFrame) {}
        pub fn send_in_thread(&self, _text: String, _attachment: Option<Attachment>, _root: i64, _also_in_room: bool) {}
        pub fn mark_read(&self, _seq: i64) {}
        pub fn mark_thread_read(&self, _root: i64, _seq: i64) {}
        pub fn typing(&self) {}
        pub fn close(self) {}
    }

    /// Drafts are kept only in the browser.
    pub mod drafts {
        pub fn load(_room: &str) -> Option<String> {
            None
        }
        pub fn save(_room: &str, _text: &str) {}
    }

    /// Nothing is typed before hydration on the server.
    pub mod early {
        #[derive(Clone, Debug, Default, PartialEq, Eq)]
        pub struct Early {
            pub text: Option<String>,
            pub send: bool,
        }
        pub fn take() -> Early {
            Early::default()
        }
    }

    /// Notifications exist only in the browser.
    pub mod notify {
        pub fn undecided() -> bool {
            false
        }
        pub fn request(_then: impl Fn(bool) + 'static) {}
    }

    /// Uploads happen only in the browser.
    pub mod uploads {
        use leptos::{ev, prelude::*};

        use crate::protocol::Attachment;

        #[derive(Clone, Copy)]
        pub struct Uploader {
            pub room: StoredValue<String>,
            pub staged: RwSignal<Option<Attachment>>,
            pub status: RwSignal<Option<String>>,
            pub busy: RwSignal<bool>,
        }
        pub fn upload_pasted(_ev: &ev::ClipboardEvent, _to: Uploader) -> bool {
            false
        }
        pub fn upload_dropped(_ev: &ev::DragEvent, _to: Uploader) {}
        pub fn upload_picked(_ev: &ev::Event, _to: Uploader) {}
    }

    /// Stands in for the browser's inbox while rendering on the server.
    pub struct InboxConnection;

    impl InboxConnection {
        pub fn open(_rooms: MyRooms, _me: String) -> Self {
            Self
        }
        pub fn close(self) {}
    }
}

/// Whether the page is on screen (not a background tab, not minimised).
#[cfg(feature = "hydrate")]
pub fn page_visible() -> bool {
    !leptos::prelude::document().hidden()
}

#[cfg(not(feature = "hydrate"))]
pub fn page_visible() -> bool {
    false
}

/// The browser's clock, in milliseconds.
#[cfg(feature = "hydrate")]
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

#[cfg(not(feature = "hydrate"))]
pub fn now_ms() -> f64 {
    0.0
}
