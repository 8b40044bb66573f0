//! The permission check: may this user read or write this room? Every path that
//! reads or writes a room (the page, the history API, the socket and its replay)
//! asks [`room`] first, so a rule added here holds on every path at once.

use crate::{
    error::AppError,
    names::canonical_room,
    server::{accounts::auth::User, storage::Store},
};

/// What a user wants to do with a room.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// See its page, history and live messages.
    Read,
    /// Post in it.
    Write,
}

/// The canonical name of the room `raw` names (any case) if `user` may use it as
/// `need` says; `bad_room` for a name that cannot be a room.
///
/// Every room is public today: any account may read and write any room, which
/// is created by its first message.
pub async fn room(_store: &Store, _user: &User, raw: &str, _need: Need) -> Result<String, AppError> {
    canonical_room(raw).map_err(|_| AppError::BadRoom)
}
