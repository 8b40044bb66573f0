//! The permission check: may this user read or write this room, and manage it?
//! Every path that reads or writes a room (the page, the history API, the
//! socket and its replay, permalinks, members, invites) asks [`room`] first, so
//! a rule added here holds on every path at once. (The writer checks once more,
//! in its transaction, that a sender is still a member: see `storage::events`.)
//!
//! Public rooms are open to every account by name. A private or direct room
//! exists only for its members: to anyone else it answers exactly like a name
//! that no room has — [`AppError::NotFound`]. Their names are random and start
//! with `_` (a prefix public names may not take), so a name cannot be found by
//! guessing, and a free `_` name is "not found" too.

use crate::{
    error::AppError,
    names::canonical_room,
    protocol::RoomKind,
    server::{accounts::auth::User, storage::Store},
};

/// What a user wants to do with a room.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// See its page, history and live messages.
    Read,
    /// Post in it.
    Write,
    /// Add and remove members, make invite links, delete others' messages:
    /// the room's owner or an administrator (of a private room; for a public
    /// room, an administrator).
    Manage,
}

/// A room the user may enter, as the check found it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Admitted {
    /// The canonical name.
    pub name: String,
    pub kind: RoomKind,
    /// What a private room is called.
    pub title: Option<String>,
    /// Whether the user may manage it (see [`Need::Manage`]).
    pub manages: bool,
}

/// Names starting with this are given by the server to private and direct rooms.
pub const GENERATED_PREFIX: char = '_';

/// The room `raw` names (any case) if `user` may use it as `need` says:
/// `bad_room` for a name that cannot be a room, `not_found` for one the user
/// may not see, `forbidden` for managing a room one may only read.
pub async fn room(store: &Store, user: &User, raw: &str, need: Need) -> Result<Admitted, AppError> {
    let name = canonical_room(raw).map_err(|_| AppError::BadRoom)?;
    if user.0.deactivated {
        return Err(AppError::Deactivated);
    }
    let door = store.door(&name, user.0.id).await.map_err(|err| {
        tracing::error!(%err, "reading a room's door failed");
        AppError::Internal
    })?;
    let admitted = match door {
        // A free name: a public room its first message creates, unless the
        // name is of the kind the server gives to private rooms.
        None if name.starts_with(GENERATED_PREFIX) => return Err(AppError::NotFound),
        None => Admitted { name, kind: RoomKind::Public, title: None, manages: user.0.is_admin },
        Some(door) if door.kind != RoomKind::Public && !door.member => return Err(AppError::NotFound),
        Some(door) => Admitted {
            name,
            kind: door.kind,
            title: door.title,
            manages: user.0.is_admin || (door.kind == RoomKind::Private && door.owner_id == Some(user.0.id)),
        },
    };
    if need == Need::Manage && !admitted.manages {
        return Err(AppError::Forbidden);
    }
    Ok(admitted)
}
