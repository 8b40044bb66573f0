//! `POST /hooks/{secret}`: a message from outside (CI, alerts), in the
//! Slack-compatible subset — a JSON body `{"text", "username"?, "icon_url"?}`,
//! or a form field `payload` holding that JSON — answered `ok` (with the
//! message's `seq` in `Parlor-Seq`). The message is the hook's own account's
//! (BOT badge), shown under `username` when given, by the display-name rules:
//! never as another account, nor as a look-alike of one. It passes the same
//! text rules as a socket's `send`, and the writer's policy check, for the
//! hook's account (a revoked hook's account is deactivated) and for the
//! account that made the hook: a hook posts only while its maker may post
//! there (not once deactivated, removed, gone from a private room). Its posts
//! count against the hook's own rate and its maker's message rate alike.
//! `Idempotency-Key` makes a retry the same message (same `seq`).
//!
//! Errors, each with its status: 404 `not_found` (no such hook), 410 `gone`
//! (revoked, or its maker may no longer post there), 400 `bad_request` (not
//! JSON, no `text`, a bad `username` or key), 400 `empty_text` /
//! `text_too_long` / `control_characters`, 413 (a body over 64 KB), 429
//! `rate_limited` (`--webhook-posts-per-minute`, or the maker's
//! `--messages-per-second`), 503 `store_failed` (try again).

use axum::{
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, HeaderName, HeaderValue, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;

use super::label;
use crate::protocol::events::message;
use crate::{
    error::AppError,
    names::display_name,
    protocol::{EventBody, MAX_CLIENT_ID_CHARS, check_text},
    server::{
        accounts::{access, auth::User, settings::not_someone_else},
        http::state::AppState,
        policy::Action,
        storage::{AppendError, NewEvent, Refusal, integrations::hooks::HookLookup},
    },
};

/// What a hook whose maker may no longer post there answers (as a revoked one).
const MAKER_GONE: &str = "this webhook's maker may no longer post in its room";

/// The header that carries the stored message's `seq`.
pub const SEQ_HEADER: HeaderName = HeaderName::from_static("parlor-seq");
/// What an idempotency key becomes in the message's `client_id`.
const KEY_PREFIX: &str = "hook:";

/// What a hook's payload says.
#[derive(Deserialize)]
struct Payload {
    text: Option<String>,
    username: Option<String>,
    /// Accepted and not shown: Parlor loads no image from elsewhere.
    #[serde(default, rename = "icon_url")]
    _icon_url: Option<String>,
}

/// A form post's fields.
#[derive(Deserialize)]
struct FormBody {
    payload: String,
}

/// The payload of a body, as JSON or as a form's `payload` field.
fn payload_of(headers: &HeaderMap, body: &[u8]) -> Result<Payload, AppError> {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let json = if content_type.starts_with("application/x-www-form-urlencoded") {
        let form: FormBody = serde_urlencoded::from_bytes(body)
            .map_err(|_| AppError::BadRequest("a form post must carry the message as JSON in `payload`".into()))?;
        form.payload.into_bytes()
    } else {
        body.to_vec()
    };
    serde_json::from_slice(&json)
        .map_err(|err| AppError::BadRequest(format!("the payload is not JSON of the form {{\"text\": \"…\"}}: {err}")))
}

/// The `client_id` an `Idempotency-Key` header stands for.
fn idempotency(headers: &HeaderMap) -> Result<Option<String>, AppError> {
    let Some(value) = headers.get("idempotency-key") else { return Ok(None) };
    let key = value.to_str().map(str::trim).unwrap_or_default();
    let longest = MAX_CLIENT_ID_CHARS - KEY_PREFIX.len();
    if key.is_empty() || key.chars().count() > longest || key.chars().any(char::is_control) {
        return Err(AppError::BadRequest(format!("Idempotency-Key is 1-{longest} printable characters")));
    }
    Ok(Some(format!("{KEY_PREFIX}{key}")))
}

/// `POST /hooks/{secret}`.
pub async fn post(
    State(state): State<AppState>,
    Path(secret): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let (hook, account, maker, room) = match state.store.hooks().find_hook(&secret).await? {
        HookLookup::Active { hook, account, maker, room } => (hook, account, maker, room),
        HookLookup::Revoked => return Err(AppError::Gone("this webhook was revoked".into())),
        HookLookup::Missing => return Err(AppError::NotFound),
    };
    // Its maker's right to post here, as the room's other paths ask it (the
    // writer asks again, in its transaction).
    let maker = maker.ok_or_else(|| AppError::Gone(MAKER_GONE.into()))?;
    if access::room(&state.store, &User(maker.clone()), &room, Action::Post).await.is_err() {
        return Err(AppError::Gone(MAKER_GONE.into()));
    }
    let payload = payload_of(&headers, &body)?;
    let client_id = idempotency(&headers)?;
    let text = check_text(payload.text.as_deref().unwrap_or_default()).map_err(AppError::Rejected)?;
    let display_as = match payload.username.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(name) => {
            let name = label(name, "`username`")?;
            let name = display_name(&name).map_err(|rule| AppError::BadRequest(format!("`username`: {rule}")))?;
            if let Some(name) = &name {
                not_someone_else(&state.store, name, &account.username).await?;
            }
            name
        }
    };
    for check in [state.limits.check_hook(hook.id), state.limits.check_message(maker.id)] {
        if let Err(throttled) = check {
            return Err(AppError::RateLimited { retry_after_secs: throttled.retry_after_secs });
        }
    }
    let body = EventBody::Message(message::Body::text(text));
    let event = NewEvent { room, sender: account, client_id, body, display_as, hook_maker: Some(maker.id) };
    let stored = state.store.append(event).await.await.map_err(|err| match err {
        AppendError::Rejected(Refusal::HookMakerLostAccess) => AppError::Gone(MAKER_GONE.into()),
        err => AppError::Rejected(err.frame_code()),
    })?;
    let mut response = "ok".into_response();
    response.headers_mut().insert(SEQ_HEADER, HeaderValue::from(stored.seq));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(HeaderName::from_static(name), HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn a_payload_is_json_or_a_forms_payload_field() {
        let json = payload_of(&headers(&[("content-type", "application/json")]), br#"{"text":"hi","username":"CI"}"#).unwrap();
        assert_eq!((json.text.as_deref(), json.username.as_deref()), (Some("hi"), Some("CI")));
        let form = payload_of(
            &headers(&[("content-type", "application/x-www-form-urlencoded")]),
            b"payload=%7B%22text%22%3A%22built%22%7D",
        )
        .unwrap();
        assert_eq!(form.text.as_deref(), Some("built"));
        assert!(payload_of(&headers(&[]), b"not json").is_err());
        assert!(payload_of(&headers(&[("content-type", "application/x-www-form-urlencoded")]), b"text=hi").is_err());
    }

    #[test]
    fn an_idempotency_key_becomes_a_client_id() {
        assert_eq!(idempotency(&headers(&[])).unwrap(), None);
        assert_eq!(idempotency(&headers(&[("idempotency-key", "build-42")])).unwrap().as_deref(), Some("hook:build-42"));
        assert!(idempotency(&headers(&[("idempotency-key", &"k".repeat(60))])).is_err());
    }
}
