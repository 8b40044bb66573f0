//! Links that open a room: an invite link (`/join/{code}`) and a direct
//! conversation (`/dm/{username}/`). Following one — a GET, which another
//! site can make the browser send with its cookie — changes nothing: it shows
//! what the link opens, with a button. Only that button's POST (a same-origin
//! form post: Parlor refuses cross-site ones, and works without JavaScript)
//! joins the room or starts the conversation. A link to something one has
//! already goes straight there; an anonymous visitor logs in first and comes
//! back. The lobby's "Message a person" form posts to `/dm/` itself.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{Html, IntoResponse, Redirect, Response},
};
use serde::Deserialize;

use super::memberships::{account, change_membership, tell};
use crate::{
    entity::user,
    error::AppError,
    paths,
    protocol::{MemberChange, RoomKind},
    server::{
        accounts::{access::Admitted, auth::AuthSession},
        bus::UserNotice,
        http::{forms::ValidForm, state::AppState},
        storage::invites::InviteLookup,
    },
};

/// `GET /join/{code}`: what the invite opens, and a button to join.
pub async fn join_page(State(state): State<AppState>, auth: AuthSession, Path(code): Path<String>) -> Response {
    let Some(user) = auth.user else {
        return Redirect::to(&paths::login_then(&paths::join(&code))).into_response();
    };
    let title = match invited_room(&state, &user.0, &code).await {
        Ok(Invited::Member(room)) => return Redirect::to(&paths::room(&room)).into_response(),
        Ok(Invited::Outsider(_, title)) => title,
        Err(err) => return notice_page(err),
    };
    let title = title.as_deref().unwrap_or("a private room");
    confirm_page(&format!("Join {title}?"), "You were invited to this room.", &paths::join(&code), "Join the room")
        .into_response()
}

/// `POST /join/{code}`: the user becomes a member and goes to the room.
pub async fn join(State(state): State<AppState>, auth: AuthSession, Path(code): Path<String>) -> Response {
    let Some(user) = auth.user else {
        return Redirect::to(&paths::login_then(&paths::join(&code))).into_response();
    };
    let room = match invited_room(&state, &user.0, &code).await {
        Ok(Invited::Member(room)) => room,
        Ok(Invited::Outsider(room, title)) => {
            // The writer asks the policy whether this join may happen.
            let admitted = Admitted {
                name: room.clone(),
                kind: RoomKind::Private,
                title,
                topic: None,
                manages: false,
                hooks: false,
                sets_topic: false,
            };
            match change_membership(&state, &admitted, &user.0, &user.0, MemberChange::Joined).await {
                Ok(_) => {}
                // Joined meanwhile (another tab).
                Err(AppError::BadRequest(_)) => {}
                Err(err) => return notice_page(err),
            }
            room
        }
        Err(err) => return notice_page(err),
    };
    Redirect::to(&paths::room(&room)).into_response()
}

/// What an invite code opens for `user`.
enum Invited {
    /// The room, which the user is a member of already.
    Member(String),
    /// The room and its title, which the user may join.
    Outsider(String, Option<String>),
}

async fn invited_room(state: &AppState, user: &user::Model, code: &str) -> Result<Invited, AppError> {
    let room = match state.store.invites().find_invite(code).await? {
        InviteLookup::Valid { room } => room,
        InviteLookup::Ended => return Err(AppError::InviteExpired),
        InviteLookup::Missing => return Err(AppError::InviteInvalid),
    };
    match state.store.rooms().room_access_stored(&room, user.id).await? {
        Some(access) if access.member => Ok(Invited::Member(room)),
        Some(access) => Ok(Invited::Outsider(room, access.title)),
        None => Err(AppError::InviteInvalid),
    }
}

/// `GET /dm/{username}/`: the conversation with `username` if it exists,
/// else a button to start it.
pub async fn direct_page(State(state): State<AppState>, auth: AuthSession, Path(username): Path<String>) -> Response {
    let Some(user) = auth.user else {
        return Redirect::to(&paths::login_then(&paths::direct(&username))).into_response();
    };
    let other = match partner(&state, &user.0, &username).await {
        Ok(other) => other,
        Err(err) => return notice_page(err),
    };
    match state.store.rooms().find_direct_room(&user.0, &other).await {
        Ok(Some(room)) => Redirect::to(&paths::room(&room)).into_response(),
        Ok(None) => confirm_page(
            &format!("Message @{}?", other.username),
            "This starts a conversation of the two of you.",
            &paths::direct(&other.username),
            "Start the conversation",
        )
        .into_response(),
        Err(err) => notice_page(err.into()),
    }
}

/// `POST /dm/{username}/`: the direct conversation with `username`, created on
/// first use (both are members, notified of every message).
pub async fn direct(State(state): State<AppState>, auth: AuthSession, Path(username): Path<String>) -> Response {
    open_direct(&state, auth, &username).await
}

/// The form of `POST /dm/`.
#[derive(Deserialize)]
pub struct DirectForm {
    username: String,
}

/// `POST /dm/` (`username`): the lobby's "Message a person".
pub async fn direct_form(State(state): State<AppState>, auth: AuthSession, ValidForm(form): ValidForm<DirectForm>) -> Response {
    open_direct(&state, auth, &form.username).await
}

async fn open_direct(state: &AppState, auth: AuthSession, username: &str) -> Response {
    let Some(user) = auth.user else {
        return Redirect::to(&paths::login_then(&paths::direct(username))).into_response();
    };
    let other = match partner(state, &user.0, username).await {
        Ok(other) => other,
        Err(err) => return notice_page(err),
    };
    match state.store.rooms().direct_room(&user.0, &other).await {
        Ok(room) => {
            for member in [user.0.id, other.id] {
                tell(state, member, UserNotice::Joined { room: room.clone() }).await;
            }
            Redirect::to(&paths::room(&room)).into_response()
        }
        Err(err) => notice_page(err.into()),
    }
}

/// The other person of a direct conversation: an active account, not oneself.
async fn partner(state: &AppState, me: &user::Model, username: &str) -> Result<user::Model, AppError> {
    let other = account(state, username).await?;
    if other.id == me.id {
        return Err(AppError::BadRequest("this is you: a direct conversation needs someone else".into()));
    }
    Ok(other)
}

/// A page that asks before a link changes anything: a heading, a line, and
/// one button that posts to `action`.
struct ConfirmPage(String);

fn confirm_page(heading: &str, line: &str, action: &str, button: &str) -> ConfirmPage {
    ConfirmPage(page(&format!(
        "<h1>{}</h1><p>{}</p><form method=\"post\" action=\"{}\"><button type=\"submit\" id=\"confirmBtn\">{}</button></form>\
         <p><a href=\"/\">Back to the lobby</a></p>",
        html_escape(heading),
        html_escape(line),
        html_escape(action),
        html_escape(button)
    )))
}

impl IntoResponse for ConfirmPage {
    fn into_response(self) -> Response {
        (StatusCode::OK, Html(self.0)).into_response()
    }
}

/// A small page that says what went wrong, with the error's status.
fn notice_page(error: AppError) -> Response {
    let status = error.status();
    let heading = if status == StatusCode::GONE { "This link has ended" } else { "Cannot open this" };
    let body = page(&format!(
        "<h1>{heading}</h1><p id=\"problem\">{}</p><p><a href=\"/\">Back to the lobby</a></p>",
        html_escape(&error.to_string())
    ));
    (status, Html(body)).into_response()
}

fn page(main: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width, initial-scale=1\"><title>Parlor</title>\
         <link rel=\"stylesheet\" href=\"{}\"></head><body><main class=\"notice-page\">{main}</main></body></html>",
        crate::paths::bundle("/pkg/parlor.css")
    )
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
