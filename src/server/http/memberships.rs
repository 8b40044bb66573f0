//! Who is in a room, over HTTP: creating rooms (public or private), a private
//! room's members (add, remove, leave) and invite links (opening one, and a
//! direct conversation, is `links`). Every
//! handler asks `accounts::access` first; membership changes are room events,
//! stored by the writer in the room's order (see `storage::admission`), and the
//! user's inbox hears of them.

use axum::{
    Json,
    extract::{Path, State},
};
use chrono::{Duration, Utc};
use serde::Deserialize;

use crate::protocol::events::membership;
use crate::{
    entity::user,
    error::AppError,
    names::{MAX_ROOM_CHARS, canonical_room, canonical_username, has_deceptive_characters},
    paths,
    protocol::{
        EventBody, MemberChange, RoomKind,
        api::{InviteLink, InviteList, InviteRevoked, MemberAdded, MemberRemoved, RoomCreated},
        format_timestamp,
    },
    server::{
        accounts::access::{self, Admitted},
        bus::{Event, Group, UserNotice},
        http::{forms::ValidForm, gate::RequireUser, state::AppState},
        policy::{Action, GENERATED_PREFIX},
        storage::{AppendError, NewEvent, Refusal},
    },
};

/// Longest life of an invite link, in hours (a year).
const MAX_INVITE_HOURS: i64 = 24 * 365;

/// A checkbox or flag field: `true`, `on` or `1`.
pub(super) fn is_set(value: Option<&str>) -> bool {
    matches!(value, Some("true" | "on" | "1"))
}

/// The form of `POST /api/rooms/`.
#[derive(Deserialize)]
pub struct NewRoomForm {
    name: String,
    private: Option<String>,
}

/// `POST /api/rooms/` (`name`, `private`): creates a room owned by the user.
/// A public room is named `name` (409 when taken); a private room is called
/// `name` and gets a random, unguessable name of its own.
pub async fn create(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    ValidForm(form_data): ValidForm<NewRoomForm>,
) -> Result<Json<RoomCreated>, AppError> {
    let private = is_set(form_data.private.as_deref());
    let (kind, name) = if private {
        (RoomKind::Private, private_title(&form_data.name)?)
    } else {
        let name = canonical_room(&form_data.name).map_err(|_| AppError::BadRoom)?;
        if name.starts_with(GENERATED_PREFIX) {
            return Err(AppError::BadRequest(format!("names starting with '{GENERATED_PREFIX}' are kept for private rooms")));
        }
        (RoomKind::Public, name)
    };
    if let Err(throttled) = state.limits.check_new_room(user.0.id) {
        return Err(AppError::RateLimited { retry_after_secs: throttled.retry_after_secs });
    }
    let room = state.store.rooms().create_room(&user.0, kind, &name).await?;
    tell(&state, user.0.id, UserNotice::Joined { room: room.clone() }).await;
    let title = private.then_some(name);
    Ok(Json(RoomCreated { url: paths::room(&room), room, title, private }))
}

/// A private room's title: trimmed, 1-64 characters, no control characters.
fn private_title(raw: &str) -> Result<String, AppError> {
    let title = raw.trim();
    let length = title.chars().count();
    if length == 0 || length > MAX_ROOM_CHARS || has_deceptive_characters(title) {
        return Err(AppError::BadRequest(format!(
            "a room's title is 1-{MAX_ROOM_CHARS} characters, without control, direction-override or invisible characters"
        )));
    }
    Ok(title.to_owned())
}

/// The form of the member endpoints.
#[derive(Deserialize)]
pub struct MemberForm {
    username: String,
}

/// `POST /api/rooms/{room}/members` (`username`): the owner (or an
/// administrator) adds a member to a private room.
pub async fn add_member(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(room): Path<String>,
    ValidForm(form_data): ValidForm<MemberForm>,
) -> Result<Json<MemberAdded>, AppError> {
    let room = access::room(&state.store, &user, &room, Action::Manage).await?;
    only_private(&room)?;
    let member = account(&state, &form_data.username).await?;
    let seq = change_membership(&state, &room, &user.0, &member, MemberChange::Added).await?;
    Ok(Json(MemberAdded { room: room.name, member: member.username, added: true, seq }))
}

/// `POST /api/rooms/{room}/members/remove` (`username`): removes a member
/// (the owner or an administrator), or leaves (oneself). Leaving a public room
/// takes it out of one's list (its history stays); leaving a private room ends
/// one's access to it. A direct conversation cannot be left.
pub async fn remove_member(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(room): Path<String>,
    ValidForm(form_data): ValidForm<MemberForm>,
) -> Result<Json<MemberRemoved>, AppError> {
    let room = access::room(&state.store, &user, &room, Action::Read).await?;
    let username = canonical_username(&form_data.username).map_err(|_| AppError::BadUsername)?;
    let oneself = username == user.0.username;
    match room.kind {
        RoomKind::Public if oneself => {
            let left = state.store.memberships().leave_room(user.0.id, &room.name).await?;
            if left {
                tell(&state, user.0.id, UserNotice::Left { room: room.name.clone() }).await;
            }
            Ok(Json(MemberRemoved { room: room.name, member: username, left, seq: None }))
        }
        RoomKind::Public => Err(AppError::BadRequest("public rooms have no members to remove".into())),
        RoomKind::Direct => Err(AppError::BadRequest("a direct conversation cannot be left".into())),
        RoomKind::Private => {
            let (member, change) = if oneself {
                (user.0.clone(), MemberChange::Left)
            } else if room.manages {
                (account(&state, &username).await?, MemberChange::Removed)
            } else {
                return Err(AppError::Forbidden);
            };
            let seq = change_membership(&state, &room, &user.0, &member, change).await?;
            Ok(Json(MemberRemoved { room: room.name, member: member.username, left: true, seq: Some(seq) }))
        }
    }
}

/// Stores a membership change as a room event and tells the member's inbox.
pub(super) async fn change_membership(
    state: &AppState,
    room: &Admitted,
    by: &user::Model,
    member: &user::Model,
    change: MemberChange,
) -> Result<i64, AppError> {
    let body = EventBody::Membership(membership::Body { user_id: member.id, username: member.username.clone(), change });
    let event =
        NewEvent { room: room.name.clone(), sender: by.clone(), client_id: None, body, display_as: None, hook_maker: None };
    let stored = state.store.append(event).await.await.map_err(|err| match err {
        AppendError::Rejected(Refusal::AlreadyMember) => AppError::BadRequest(format!("{} is a member already", member.username)),
        AppendError::Rejected(Refusal::NotMember) => AppError::BadRequest(format!("{} is not a member", member.username)),
        AppendError::Rejected(Refusal::NoAccess) => AppError::BadRequest(format!("{} cannot join this room", member.username)),
        AppendError::Rejected(_) => AppError::Forbidden,
        // The database away or too busy: 503 `store_failed`, to try again.
        other => AppError::Rejected(other.frame_code()),
    })?;
    let notice = match change.ends_access() {
        true => UserNotice::Left { room: room.name.clone() },
        false => UserNotice::Joined { room: room.name.clone() },
    };
    tell(state, member.id, notice).await;
    Ok(stored.seq)
}

/// The form of `POST /api/rooms/{room}/invites`.
#[derive(Deserialize)]
pub struct InviteForm {
    /// Hours until the link expires; none: until revoked.
    expires_in_hours: Option<String>,
}

/// An invite link as the owner sees it.
fn invite_link(invite: crate::entity::room_invite::Model) -> InviteLink {
    InviteLink {
        url: paths::join(&invite.code),
        created_at: format_timestamp(invite.created_at),
        expires_at: invite.expires_at.map(format_timestamp),
        code: invite.code,
    }
}

/// `POST /api/rooms/{room}/invites` (`expires_in_hours`, optional): a new
/// invite link, `{"url": "/join/{code}", "code", "expires_at"}`.
pub async fn create_invite(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(room): Path<String>,
    ValidForm(form_data): ValidForm<InviteForm>,
) -> Result<Json<InviteLink>, AppError> {
    let room = access::room(&state.store, &user, &room, Action::Manage).await?;
    only_private(&room)?;
    let hours = match form_data.expires_in_hours.as_deref().map(str::trim).filter(|h| !h.is_empty()) {
        None => None,
        Some(hours) => match hours.parse::<i64>() {
            Ok(hours @ 1..=MAX_INVITE_HOURS) => Some(hours),
            _ => return Err(AppError::BadRequest(format!("expires_in_hours is a whole number of hours, 1-{MAX_INVITE_HOURS}"))),
        },
    };
    let expires_at = hours.map(|hours| Utc::now() + Duration::hours(hours));
    let invite = state.store.invites().create_invite(&room.name, user.0.id, expires_at).await?;
    Ok(Json(invite_link(invite)))
}

/// `GET /api/rooms/{room}/invites`: the links that still work, newest first.
pub async fn list_invites(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(room): Path<String>,
) -> Result<Json<InviteList>, AppError> {
    let room = access::room(&state.store, &user, &room, Action::Manage).await?;
    let invites = state.store.invites().open_invites(&room.name).await?.into_iter().map(invite_link).collect();
    Ok(Json(InviteList { room: room.name, invites }))
}

/// The form of `POST /api/rooms/{room}/invites/revoke`.
#[derive(Deserialize)]
pub struct RevokeForm {
    code: String,
}

/// `POST /api/rooms/{room}/invites/revoke` (`code`): the link stops working.
pub async fn revoke_invite(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(room): Path<String>,
    ValidForm(form_data): ValidForm<RevokeForm>,
) -> Result<Json<InviteRevoked>, AppError> {
    let room = access::room(&state.store, &user, &room, Action::Manage).await?;
    if !state.store.invites().revoke_invite(&room.name, &form_data.code).await? {
        return Err(AppError::InviteInvalid);
    }
    Ok(Json(InviteRevoked { room: room.name, code: form_data.code, revoked: true }))
}

/// The active account named `username` (any case).
pub(super) async fn account(state: &AppState, username: &str) -> Result<user::Model, AppError> {
    let username = canonical_username(username).map_err(|_| AppError::BadUsername)?;
    match state.store.find_user_by_name(&username).await? {
        Some(found) if !found.deactivated => Ok(found),
        _ => Err(AppError::BadRequest(format!("there is no active account named {username}"))),
    }
}

fn only_private(room: &Admitted) -> Result<(), AppError> {
    match room.kind {
        RoomKind::Private => Ok(()),
        RoomKind::Public => Err(AppError::BadRequest("a public room is open to everyone; it has no members to add".into())),
        RoomKind::Direct => Err(AppError::BadRequest("nobody can be added to a direct conversation".into())),
    }
}

/// Tells all of a user's sockets (on every instance) about one of their rooms.
pub(super) async fn tell(state: &AppState, user_id: i64, notice: UserNotice) {
    if let Err(err) = state.layer.group_send(&Group::User(user_id), Event::Notice(notice)).await {
        tracing::warn!(%err, user_id, "telling a user about their rooms failed");
    }
}
