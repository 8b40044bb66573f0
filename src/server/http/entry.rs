//! Who gets in, for administrators (JSON; form-encoded or JSON bodies; a
//! browser session, never a token): the registration mode, account
//! invitations (made, listed, revoked), password reset links, and accounts
//! made by hand (what a closed deployment has). Joining an invitation's rooms
//! once its account exists is here too.

use axum::{Json, extract::State};
use chrono::{Duration, Utc};
use serde::Deserialize;
use serde_json::Value;

use super::{admin::RequireAdmin, forms::ValidForm, params, state::AppState};
use crate::protocol::events::membership;
use crate::{
    entity::{invitation, user},
    error::AppError,
    names::{canonical_room, canonical_username},
    paths,
    protocol::{
        AccountKind, EventBody, MemberChange, RegistrationMode, RoomKind,
        api::{AccountMade, Invitation, InvitationList, InvitationRevoked, Registration, ResetLink},
        format_timestamp,
    },
    server::{
        accounts::{
            access,
            auth::{self, User},
        },
        policy::Action,
        storage::{
            NewEvent,
            registration::{Entry, NewInvitation, works},
        },
    },
};

/// Most uses one invitation may have.
const MAX_USES: i32 = 1000;
/// Longest life of an invitation, in hours (a year).
const MAX_HOURS: i64 = 24 * 365;

/// `GET /api/admin/registration` → `{"mode"}`.
pub async fn mode(State(state): State<AppState>, _: RequireAdmin) -> Result<Json<Registration>, AppError> {
    Ok(Json(Registration { mode: state.store.registration().registration_mode().await? }))
}

/// The form of `POST /api/admin/registration`.
#[derive(Deserialize)]
pub struct ModeForm {
    mode: String,
}

/// `POST /api/admin/registration` (`mode` = `open` | `invite` | `closed`):
/// holds on every instance at once.
pub async fn set_mode(
    State(state): State<AppState>,
    _: RequireAdmin,
    ValidForm(form_data): ValidForm<ModeForm>,
) -> Result<Json<Registration>, AppError> {
    let mode: RegistrationMode =
        form_data.mode.parse().map_err(|_| AppError::BadRequest("the mode is `open`, `invite` or `closed`".into()))?;
    state.store.registration().set_registration_mode(mode).await?;
    Ok(Json(Registration { mode }))
}

/// The form of `POST /api/admin/invitations`.
#[derive(Deserialize)]
pub struct InvitationForm {
    /// How many may register with it (default 1).
    #[serde(default, deserialize_with = "optional_number")]
    uses: Option<i64>,
    /// Hours until it expires; none: until revoked or used up.
    #[serde(default, deserialize_with = "optional_number")]
    expires_in_hours: Option<i64>,
    /// Rooms the new accounts join.
    #[serde(default, deserialize_with = "params::list")]
    rooms: Vec<String>,
}

/// An optional whole number of a form or JSON body (an empty field is none).
fn optional_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    let raw = serde_json::Value::deserialize(deserializer)?;
    match raw {
        Value::Null => Ok(None),
        Value::String(text) if text.trim().is_empty() => Ok(None),
        Value::String(text) => {
            text.trim().parse().map(Some).map_err(|_| serde::de::Error::custom(format!("`{text}` is not a whole number")))
        }
        Value::Number(number) => number.as_i64().map(Some).ok_or_else(|| serde::de::Error::custom("not a whole number")),
        other => Err(serde::de::Error::custom(format!("`{other}` is not a whole number"))),
    }
}

/// An invitation as administrators see it.
fn shown(invitation: &invitation::Model) -> Invitation {
    Invitation {
        code: invitation.code.clone(),
        url: paths::welcome(&invitation.code),
        uses: i64::from(invitation.uses),
        used: i64::from(invitation.used),
        expires_at: invitation.expires_at.map(format_timestamp),
        revoked: invitation.revoked,
        works: works(invitation, Utc::now()),
        rooms: invitation.rooms.as_deref().map(|rooms| rooms.split(',').map(str::to_owned).collect()).unwrap_or_default(),
        created_at: format_timestamp(invitation.created_at),
    }
}

/// `POST /api/admin/invitations` (`uses` 1-1000, default 1; `expires_in_hours`
/// 1-8760; `rooms`) → the invitation: `{"code", "url": "/welcome/{code}", …}`.
/// Each room must be one the administrator may add people to.
pub async fn create_invitation(
    State(state): State<AppState>,
    RequireAdmin(admin): RequireAdmin,
    ValidForm(form_data): ValidForm<InvitationForm>,
) -> Result<Json<Invitation>, AppError> {
    let uses = form_data.uses.unwrap_or(1);
    if !(1..=i64::from(MAX_USES)).contains(&uses) {
        return Err(AppError::BadRequest(format!("`uses` is 1-{MAX_USES}")));
    }
    let expires_at = match form_data.expires_in_hours {
        None => None,
        Some(hours) if (1..=MAX_HOURS).contains(&hours) => Some(Utc::now() + Duration::hours(hours)),
        Some(_) => return Err(AppError::BadRequest(format!("`expires_in_hours` is 1-{MAX_HOURS}"))),
    };
    let mut rooms = Vec::new();
    for raw in &form_data.rooms {
        let name = canonical_room(raw).map_err(|_| AppError::BadRoom)?;
        let room = access::room(&state.store, &admin, &name, Action::Read).await?;
        if room.kind == RoomKind::Private {
            access::room(&state.store, &admin, &name, Action::AddMember).await?;
        }
        if room.kind == RoomKind::Direct {
            return Err(AppError::BadRequest("nobody joins a direct conversation".into()));
        }
        rooms.push(room.name);
    }
    let made = state
        .store
        .registration()
        .create_invitation(NewInvitation { uses: uses as i32, expires_at, rooms, by: admin.0.id })
        .await?;
    Ok(Json(shown(&made)))
}

/// `GET /api/admin/invitations` → `{"invitations": […]}`, newest first.
pub async fn invitations(State(state): State<AppState>, _: RequireAdmin) -> Result<Json<InvitationList>, AppError> {
    let invitations = state.store.registration().invitations().await?.iter().map(shown).collect();
    Ok(Json(InvitationList { invitations }))
}

/// The form of `POST /api/admin/invitations/revoke`.
#[derive(Deserialize)]
pub struct RevokeInvitationForm {
    code: String,
}

/// `POST /api/admin/invitations/revoke` (`code`) → `{"revoked": true}`; 404 for an unknown code.
pub async fn revoke_invitation(
    State(state): State<AppState>,
    _: RequireAdmin,
    ValidForm(form_data): ValidForm<RevokeInvitationForm>,
) -> Result<Json<InvitationRevoked>, AppError> {
    match state.store.registration().revoke_invitation(form_data.code.trim()).await? {
        true => Ok(Json(InvitationRevoked { revoked: true, code: form_data.code.trim().to_owned() })),
        false => Err(AppError::InviteInvalid),
    }
}

/// The form of `POST /api/admin/users/reset`.
#[derive(Deserialize)]
pub struct ResetForm {
    username: String,
}

/// `POST /api/admin/users/reset` (`username`) → `{"url": "/reset/{token}",
/// "expires_at"}`: a one-time link (24 h) that sets the account's password.
pub async fn create_reset(
    State(state): State<AppState>,
    _: RequireAdmin,
    ValidForm(form_data): ValidForm<ResetForm>,
) -> Result<Json<ResetLink>, AppError> {
    let account = person(&state, &form_data.username).await?;
    if state.store.identities().has_identity(account.id).await? {
        return Err(AppError::BadRequest(format!("{} logs in with single sign-on: their provider resets it", account.username)));
    }
    let (token, expires_at) = state.store.resets().create_reset(account.id).await?;
    Ok(Json(ResetLink { username: account.username, url: paths::reset(&token), expires_at: format_timestamp(expires_at) }))
}

/// The form of `POST /api/admin/users`.
#[derive(Deserialize)]
pub struct NewAccountForm {
    username: String,
    password: String,
}

/// `POST /api/admin/users` (`username`, `password`) → `{"username"}`: an
/// account made by an administrator, whatever the registration mode.
pub async fn create_account(
    State(state): State<AppState>,
    _: RequireAdmin,
    ValidForm(form_data): ValidForm<NewAccountForm>,
) -> Result<Json<AccountMade>, AppError> {
    let (user, _) =
        auth::register(&state.store, &state.passwords, (&form_data.username, form_data.password), Entry::ByAdministrator).await?;
    Ok(Json(AccountMade { username: user.0.username }))
}

/// A person's account named `username`.
async fn person(state: &AppState, username: &str) -> Result<user::Model, AppError> {
    let username = canonical_username(username).map_err(|_| AppError::BadUsername)?;
    state
        .store
        .find_user_by_name(&username)
        .await?
        .filter(|account| account.kind == AccountKind::Person)
        .ok_or_else(|| AppError::BadRequest(format!("there is no account named {username}")))
}

/// A new account joins its invitation's rooms: public ones are put in its
/// list; private ones it is added to by the invitation's maker (a membership
/// event, as if they added it), when the maker still may (the policy, now:
/// a maker since deactivated, or no longer managing the room, adds nobody).
pub async fn join_invited_rooms(state: &AppState, user: &User, invitation: &invitation::Model) {
    let Some(rooms) = &invitation.rooms else { return };
    let maker = match invitation.created_by {
        Some(id) => state.store.find_user(id).await.ok().flatten().filter(|maker| !maker.deactivated),
        None => None,
    };
    for room in rooms.split(',') {
        let joined = match state.store.rooms().room_access_stored(room, user.0.id).await {
            Ok(Some(access)) if access.kind == RoomKind::Private => match &maker {
                Some(maker) if access::room_now(&state.store, &User(maker.clone()), room, Action::AddMember).await.is_err() => {
                    Err("its maker may no longer add people to it".to_owned())
                }
                Some(maker) => {
                    let body = EventBody::Membership(membership::Body {
                        user_id: user.0.id,
                        username: user.0.username.clone(),
                        change: MemberChange::Added,
                    });
                    let event = NewEvent {
                        room: room.to_owned(),
                        sender: maker.clone(),
                        client_id: None,
                        body,
                        display_as: None,
                        hook_maker: None,
                    };
                    state.store.append(event).await.await.map(drop).map_err(|err| err.to_string())
                }
                None => Err("the invitation's maker is gone".to_owned()),
            },
            Ok(Some(_)) => {
                state.store.memberships().join_room(user.0.id, room, None).await.map(drop).map_err(|err| err.to_string())
            }
            Ok(None) => Err("no such room".to_owned()),
            Err(err) => Err(err.to_string()),
        };
        if let Err(why) = joined {
            tracing::info!(room, why, "a new account did not join its invitation's room");
        }
    }
}
