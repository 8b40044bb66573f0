//! sea-orm entities: the tables Parlor stores (`user`, `session`, `room`, `message`).

pub mod message;
pub mod room;
pub mod session;
pub mod user;
