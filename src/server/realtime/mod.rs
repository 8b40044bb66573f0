//! Real-time delivery: the room socket and the channel layer.
//!
//! - [`consumer`]: the `ChatConsumer`: `connect` (checks, upgrade), `receive`
//!   (one handler per client frame type), `chat_message` (group events to the
//!   socket in `seq` order, catching up from the database on any gap).
//! - [`room_socket`]: `RoomSocket` and `FrameReader`, the two halves of an
//!   upgraded socket: frames in (parsed), frames out (batched), close codes.
//! - [`inbox`]: the user's inbox socket: live unread and mention counts of all
//!   their rooms.
//! - [`lifeline`]: pings and the session, shared by both kinds of socket.
//! - [`presence`]: who has a socket open to each room, on every instance.
//! - [`open_sockets`]: the sockets open per user (the per-user cap).
//! - [`layer`]: the `ChannelLayer` (memory or Redis) and its typed events.

pub mod consumer;
pub mod inbox;
pub mod layer;
pub mod lifeline;
pub mod open_sockets;
pub mod presence;
pub mod room_socket;
