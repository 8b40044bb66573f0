//! Real-time delivery: the room socket and the channel layer.
//!
//! - [`consumer`]: the `ChatConsumer`: `connect` (checks, upgrade), `receive`
//!   (one handler per client frame type), `chat_message` (group events to the
//!   socket in `seq` order, catching up from the database on any gap).
//! - [`room_socket`]: `RoomSocket` and `FrameReader`, the two halves of an
//!   upgraded socket: frames in (parsed), frames out (batched), close codes.
//! - [`open_sockets`]: the sockets open per user (the per-user cap).
//! - [`layer`]: the `ChannelLayer` (memory or Redis) and its typed events.

pub mod consumer;
pub mod layer;
pub mod open_sockets;
pub mod room_socket;
