//! Who may do what in a room: the one rule, written once as [`decide`], a pure
//! function of the actor, what is known of the room for them, and the action.
//! Every path that reads a room or acts in one asks it — the request paths
//! (`accounts::access`), the writer inside its transaction
//! (`storage::admission`), and search, whose SQL condition is generated from
//! it ([`readable_sql`]). A new rule (threads, bots, read-only rooms) is added here
//! and in the table test beside it, and holds everywhere at once.
//!
//! Public rooms are open to every account by name, and a free name is a
//! public room its first message creates. A private or direct room exists
//! only for its members: to anyone else it answers exactly like a name no room
//! has ([`Denied::Hidden`]). Their names are random and start with `_` (a
//! prefix public names may not take), so a free `_` name is hidden too.

pub mod readable_sql;
#[cfg(test)]
mod table;

use crate::protocol::{AccountKind, RoomKind};

/// Names starting with this are given by the server to private and direct rooms.
pub const GENERATED_PREFIX: char = '_';

/// The actor's role on this server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, strum::EnumIter)]
pub enum Role {
    /// An ordinary account.
    User,
    /// An administrator: manages every room they can see, and may delete any
    /// message (a deactivated account's, in rooms they are not in).
    Admin,
    /// A bot: what an ordinary account may do, and be delivered the events
    /// of the rooms it may read (outgoing webhooks).
    Bot,
    /// An incoming webhook's account: may only post, where it may read.
    Hook,
    /// A deactivated account: may do nothing.
    Deactivated,
}

impl Role {
    /// The role of an account of `kind` with these flags.
    pub fn of(is_admin: bool, deactivated: bool, kind: AccountKind) -> Self {
        match (deactivated, kind, is_admin) {
            (true, ..) => Self::Deactivated,
            (false, AccountKind::Bot, _) => Self::Bot,
            (false, AccountKind::Hook, _) => Self::Hook,
            (false, AccountKind::Person, true) => Self::Admin,
            (false, AccountKind::Person, false) => Self::User,
        }
    }
}

/// What a room is, or that no room has the name yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, strum::EnumIter)]
pub enum Place {
    /// A name no room has: a public room its first message creates.
    Free,
    /// A free name of the kind the server gives private rooms (`_…`).
    FreeReserved,
    Public,
    Private,
    Direct,
}

impl Place {
    /// The place a room of `kind` is.
    pub fn of(kind: RoomKind) -> Self {
        match kind {
            RoomKind::Public => Self::Public,
            RoomKind::Private => Self::Private,
            RoomKind::Direct => Self::Direct,
        }
    }

    /// The place a name no room has is.
    pub fn free(name: &str) -> Self {
        if name.starts_with(GENERATED_PREFIX) { Self::FreeReserved } else { Self::Free }
    }
}

/// The actor's membership of the room.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, strum::EnumIter)]
pub enum Standing {
    /// Not a member (every account, for a public room: it keeps no members).
    Outsider,
    Member,
    /// A member who created the room.
    Owner,
}

impl Standing {
    /// The standing of user `user_id` in a room owned by `owner_id`, given
    /// whether they are a member.
    pub fn of(user_id: i64, member: bool, owner_id: Option<i64>) -> Self {
        match (member, owner_id == Some(user_id)) {
            (false, _) => Self::Outsider,
            (true, true) => Self::Owner,
            (true, false) => Self::Member,
        }
    }
}

/// What is known of the room, for one actor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RoomFacts {
    pub place: Place,
    pub standing: Standing,
}

/// What the actor wants to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// See the room: its page, history and threads, live events, search
    /// results, files, members and presence.
    Read,
    /// Post a message (a free name's first creates the room).
    Post,
    /// Add or take back a reaction.
    React,
    /// Change a message's text; `own` when the actor wrote it.
    Edit {
        own: bool,
    },
    /// Delete a message; `own` when the actor wrote it.
    Delete {
        own: bool,
    },
    /// Make and revoke invite links, see them: the room's managers.
    Manage,
    /// Add someone to a private room, or remove them.
    AddMember,
    RemoveMember,
    /// Join a private room by its invite link (the link is checked apart).
    Join,
    /// Leave a private room.
    Leave,
    /// Follow a thread of the room, or stop following it.
    Follow,
    /// Be pushed its messages while away (Web Push), checked as each push leaves.
    Notify,
    /// Make, list and revoke the room's incoming webhooks.
    ManageHooks,
    /// Be delivered its events at a subscribed URL (outgoing webhooks),
    /// checked at each event's `seq` as its delivery leaves.
    Deliver,
    /// Send a bot's slash command in the room.
    Command,
    /// Set the room's topic: its managers, in any room but a direct one.
    SetTopic,
}

impl Action {
    /// Every action, for the table test.
    pub const ALL: [Action; 18] = [
        Action::Read,
        Action::Post,
        Action::React,
        Action::Edit { own: true },
        Action::Edit { own: false },
        Action::Delete { own: true },
        Action::Delete { own: false },
        Action::Manage,
        Action::AddMember,
        Action::RemoveMember,
        Action::Join,
        Action::Leave,
        Action::Follow,
        Action::Notify,
        Action::ManageHooks,
        Action::Deliver,
        Action::Command,
        Action::SetTopic,
    ];
}

/// Why an action is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum Denied {
    #[error("this account is deactivated")]
    Deactivated,
    /// Not the actor's to see: answered exactly like a room that does not exist.
    #[error("there is no such room")]
    Hidden,
    /// The actor may see the room, but not do this.
    #[error("only the room's owner or an administrator can do that")]
    NotAllowed,
    /// Only a message's author may do this.
    #[error("only its author can change a message")]
    NotYours,
}

/// Whether `role`, with `facts` about the room, may do `action`.
pub fn decide(role: Role, facts: RoomFacts, action: Action) -> Result<(), Denied> {
    if role == Role::Deactivated {
        return Err(Denied::Deactivated);
    }
    let RoomFacts { place, standing } = facts;
    let member = standing != Standing::Outsider;
    let readable = match place {
        Place::Free | Place::Public => true,
        Place::FreeReserved => false,
        Place::Private | Place::Direct => member,
    };
    // Administrators manage every room they can see; owners their private room.
    let manages = role == Role::Admin || (place == Place::Private && standing == Standing::Owner);
    if role == Role::Hook {
        // A webhook's account posts where it may read, and does nothing else.
        return match action {
            _ if !readable => Err(Denied::Hidden),
            Action::Post => Ok(()),
            _ => Err(Denied::NotAllowed),
        };
    }
    match action {
        // An administrator removes a deactivated account's messages in rooms
        // they are not in: the one thing done to a room one cannot see.
        Action::Delete { .. } if role == Role::Admin && place != Place::FreeReserved => Ok(()),
        // An invite link lets an outsider in; it is checked apart.
        Action::Join if place == Place::Private => Ok(()),
        _ if !readable => Err(Denied::Hidden),
        Action::Read
        | Action::Post
        | Action::React
        | Action::Edit { own: true }
        | Action::Delete { own: true }
        | Action::Follow
        | Action::Notify
        | Action::Command => Ok(()),
        Action::Edit { own: false } => Err(Denied::NotYours),
        Action::Delete { own: false } if manages => Ok(()),
        Action::Delete { own: false } => Err(Denied::NotYours),
        Action::Manage if manages => Ok(()),
        Action::AddMember | Action::RemoveMember if place == Place::Private && manages => Ok(()),
        Action::Leave if place == Place::Private => Ok(()),
        // Anyone who may read a public room, a private room's managers.
        Action::ManageHooks if matches!(place, Place::Free | Place::Public) || (place == Place::Private && manages) => Ok(()),
        Action::Deliver if role == Role::Bot => Ok(()),
        Action::SetTopic if manages && place != Place::Direct => Ok(()),
        Action::Manage
        | Action::AddMember
        | Action::RemoveMember
        | Action::Join
        | Action::Leave
        | Action::ManageHooks
        | Action::Deliver
        | Action::SetTopic => Err(Denied::NotAllowed),
    }
}
