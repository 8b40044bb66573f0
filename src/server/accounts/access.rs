//! The permission check of requests: may this user do this with the room a
//! URL names? Every path that reads a room or acts in one (the page, the
//! history API, the socket and its replay, permalinks, members, invites,
//! files, search) asks [`room`] first; it reads what is known of the room for
//! the user and asks the one policy (`server::policy::decide`). The writer
//! asks the same policy once more, in its transaction (`storage::admission`).
//!
//! A room the user may not see answers exactly like a name that no room has —
//! [`AppError::NotFound`] — so probing learns nothing.

use crate::{
    entity::user,
    error::AppError,
    names::canonical_room,
    protocol::RoomKind,
    server::{
        accounts::auth::User,
        policy::{self, Action, Denied, Place, Role, RoomFacts, Standing},
        storage::{Store, room_access::RoomAccess},
    },
};

/// A room the user may enter, as the check found it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Admitted {
    /// The canonical name.
    pub name: String,
    pub kind: RoomKind,
    /// What a private room is called.
    pub title: Option<String>,
    /// The room's topic, if it has one.
    pub topic: Option<String>,
    /// Whether the user may set the room's topic ([`Action::SetTopic`]).
    pub sets_topic: bool,
    /// Whether the user may manage it ([`Action::Manage`]).
    pub manages: bool,
    /// Whether the user may make and revoke its incoming webhooks ([`Action::ManageHooks`]).
    pub hooks: bool,
}

impl From<Denied> for AppError {
    fn from(denied: Denied) -> Self {
        match denied {
            Denied::Deactivated => Self::Deactivated,
            Denied::Hidden => Self::NotFound,
            Denied::NotAllowed | Denied::NotYours => Self::Forbidden,
        }
    }
}

/// The room `raw` names (any case) if `user` may do `action` there:
/// `bad_room` for a name that cannot be a room, `not_found` for one the user
/// may not see, `forbidden` for what one may see but not do, `deactivated`.
pub async fn room(store: &Store, user: &User, raw: &str, action: Action) -> Result<Admitted, AppError> {
    check(store, user, raw, action, Freshness::Cached).await
}

/// [`room`], from what the database says this instant (not a cached entry):
/// for a socket that must not start past a removal committed a moment ago.
pub async fn room_now(store: &Store, user: &User, raw: &str, action: Action) -> Result<Admitted, AppError> {
    check(store, user, raw, action, Freshness::Stored).await
}

/// Where the check reads what it knows of a room.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Freshness {
    /// The room's cached entry when there is one (forgotten on every instance
    /// once the channel layer tells of a change).
    Cached,
    /// The database.
    Stored,
}

async fn check(store: &Store, user: &User, raw: &str, action: Action, freshness: Freshness) -> Result<Admitted, AppError> {
    let name = canonical_room(raw).map_err(|_| AppError::BadRoom)?;
    let account = &user.0;
    let role = role_of(account);
    if role == Role::Deactivated {
        // Nothing to read: the answer is the same for every room.
        return Err(AppError::Deactivated);
    }
    let access = match freshness {
        Freshness::Cached => store.rooms().room_access(&name, account.id).await?,
        Freshness::Stored => store.rooms().room_access_stored(&name, account.id).await?,
    };
    let facts = facts_for(account.id, &name, access.as_ref());
    policy::decide(role, facts, action)?;
    Ok(Admitted {
        manages: policy::decide(role, facts, Action::Manage).is_ok(),
        hooks: policy::decide(role, facts, Action::ManageHooks).is_ok(),
        sets_topic: policy::decide(role, facts, Action::SetTopic).is_ok(),
        kind: access.as_ref().map_or(RoomKind::Public, |access| access.kind),
        topic: access.as_ref().and_then(|access| access.topic.clone()),
        title: access.and_then(|access| access.title),
        name,
    })
}

/// The policy's role of an account.
pub fn role_of(account: &user::Model) -> Role {
    Role::of(account.is_admin, account.deactivated, account.kind)
}

/// What the policy needs to know of room `name` for user `user_id`, from its
/// access facts (`None`: no room has the name).
pub fn facts_for(user_id: i64, name: &str, access: Option<&RoomAccess>) -> RoomFacts {
    match access {
        None => RoomFacts { place: Place::free(name), standing: Standing::Outsider },
        Some(access) => {
            RoomFacts { place: Place::of(access.kind), standing: Standing::of(user_id, access.member, access.owner_id) }
        }
    }
}
