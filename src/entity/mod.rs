//! sea-orm entities: the tables Parlor stores (`user`, `session`, `room`,
//! `message`, `membership`, `mention`, `reaction`, `invite`, `attachment`, `blob`, `device`, `thread_follow`).

pub mod attachment;
pub mod blob;
pub mod device;
pub mod invite;
pub mod membership;
pub mod mention;
pub mod message;
pub mod reaction;
pub mod room;
pub mod session;
pub mod thread_follow;
pub mod user;
