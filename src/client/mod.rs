//! The browser side of a room: the socket that connects, reconnects with capped
//! exponential backoff and jitter, resyncs with `?after=`, and sends the outbox.
//!
//! Only the browser opens sockets. The server renders the same components, but
//! effects never run there, so on the server [`RoomConnection`] is an inert type
//! that only exists to keep the components target-neutral.

#[cfg(feature = "hydrate")]
mod outbox;
#[cfg(feature = "hydrate")]
mod socket;

#[cfg(feature = "hydrate")]
pub use socket::RoomConnection;

#[cfg(not(feature = "hydrate"))]
pub use server_side::RoomConnection;

#[cfg(not(feature = "hydrate"))]
mod server_side {
    use crate::chat::RoomState;

    /// Stands in for the browser's connection while rendering on the server.
    pub struct RoomConnection;

    impl RoomConnection {
        pub fn open(_room: String, _state: RoomState) -> Self {
            Self
        }
        pub fn send(&self, _text: String) {}
        pub fn close(self) {}
    }
}
