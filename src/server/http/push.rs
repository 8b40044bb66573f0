//! Web Push over HTTP (JSON): the server's public key, and the user's push
//! subscriptions — one per browser, tied to the session that subscribed and
//! ended with it — listed, added, removed, and tried with a test push.
//! Every endpoint answers 404 `not_found` while push is off (no
//! `--vapid-subject`). Writes are same-origin (`origin`) and need a log-in.

use axum::{
    Json,
    extract::{State, rejection::JsonRejection},
    http::StatusCode,
};
use serde::Deserialize;

use crate::{
    error::AppError,
    protocol::{
        api::{PushDevice, PushDevices, PushKey, PushRemoved, PushSubscribed, PushTestQueued},
        format_timestamp,
    },
    server::{
        accounts::user_agent,
        http::{
            forms::ValidForm,
            gate::{RequireSession, RequireUser},
            state::AppState,
        },
        push::WebPush,
        storage::{
            StoreError,
            push::{MAX_SUBSCRIPTIONS_PER_USER, NewSubscription},
        },
    },
};

/// Longest endpoint URL taken (browsers' are a few hundred characters).
const MAX_ENDPOINT_CHARS: usize = 2048;

fn push_of(state: &AppState) -> Result<&WebPush, AppError> {
    state.push.as_ref().ok_or(AppError::NotFound)
}

/// `GET /api/push/key`: `{"public_key": "<base64url, uncompressed point>"}`.
pub async fn key(State(state): State<AppState>) -> Result<Json<PushKey>, AppError> {
    Ok(Json(PushKey { public_key: push_of(&state)?.public_key().to_owned() }))
}

/// A browser's `PushSubscription.toJSON()`.
#[derive(Deserialize)]
pub struct SubscriptionJson {
    endpoint: String,
    keys: SubscriptionKeys,
}

#[derive(Deserialize)]
pub struct SubscriptionKeys {
    p256dh: String,
    auth: String,
}

/// `POST /api/push/subscriptions` with `PushSubscription.toJSON()`: kept for
/// this session's device (replacing its earlier one) → 201 `{"created",
/// "device"}`; 400 `bad_request` naming what is wrong (not JSON, not https,
/// not public, bad keys, more devices than allowed).
pub async fn subscribe(
    State(state): State<AppState>,
    RequireSession { user, session }: RequireSession,
    body: Result<Json<SubscriptionJson>, JsonRejection>,
) -> Result<(StatusCode, Json<PushSubscribed>), AppError> {
    let push = push_of(&state)?;
    let Json(body) = body.map_err(|rejection| AppError::BadRequest(rejection.body_text()))?;
    if body.endpoint.chars().count() > MAX_ENDPOINT_CHARS {
        return Err(AppError::BadRequest(format!("the endpoint is longer than {MAX_ENDPOINT_CHARS} characters")));
    }
    let subscription = NewSubscription {
        endpoint: body.endpoint,
        p256dh: body.keys.p256dh.trim_end_matches('=').to_owned(),
        auth: body.keys.auth.trim_end_matches('=').to_owned(),
    };
    push.check(&subscription).await.map_err(AppError::BadRequest)?;
    let device = state.sessions.device_handle(&session).await.ok_or(AppError::Unauthorized)?;
    let stored = match state.store.push().add_push_subscription(user.0.id, &device, subscription).await {
        Err(StoreError::Conflict(_)) => {
            return Err(AppError::BadRequest(format!(
                "at most {MAX_SUBSCRIPTIONS_PER_USER} devices get notifications: turn one off first"
            )));
        }
        stored => stored?,
    };
    Ok((StatusCode::CREATED, Json(PushSubscribed { created: format_timestamp(stored.created_at), device })))
}

/// `GET /api/push/subscriptions`: `{"subscriptions": [{"endpoint", "device",
/// "browser", "created", "last_success", "current"}]}`, newest first.
pub async fn list(
    State(state): State<AppState>,
    RequireSession { user, session }: RequireSession,
) -> Result<Json<PushDevices>, AppError> {
    push_of(&state)?;
    let current = state.sessions.device_handle(&session).await;
    let devices = state.sessions.devices(user.0.id).await?;
    let subscriptions = state
        .store
        .push()
        .push_subscriptions_of(user.0.id)
        .await?
        .into_iter()
        .map(|subscription| {
            let browser = devices
                .iter()
                .find(|device| device.handle == subscription.device_handle)
                .map(|device| user_agent::describe(&device.user_agent));
            PushDevice {
                current: current.as_deref() == Some(subscription.device_handle.as_str()),
                endpoint: subscription.endpoint,
                device: subscription.device_handle,
                browser,
                created: format_timestamp(subscription.created_at),
                last_success: subscription.last_success.map(format_timestamp),
            }
        })
        .collect();
    Ok(Json(PushDevices { subscriptions }))
}

/// The form of `POST /api/push/subscriptions/remove`.
#[derive(Deserialize)]
pub struct RemoveForm {
    endpoint: String,
}

/// `POST /api/push/subscriptions/remove` (`endpoint`): 404 when the user has none there.
pub async fn remove(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    ValidForm(form): ValidForm<RemoveForm>,
) -> Result<Json<PushRemoved>, AppError> {
    push_of(&state)?;
    if !state.store.push().remove_push_subscription(user.0.id, &form.endpoint).await? {
        return Err(AppError::NotFound);
    }
    Ok(Json(PushRemoved { removed: true }))
}

/// `POST /api/push/test`: a test notification to this device's subscriptions;
/// `{"queued": N}`.
pub async fn test(
    State(state): State<AppState>,
    RequireSession { user, session }: RequireSession,
) -> Result<Json<PushTestQueued>, AppError> {
    push_of(&state)?;
    let device = state.sessions.device_handle(&session).await.ok_or(AppError::Unauthorized)?;
    let queued = state.store.push().queue_test_push(user.0.id, &device).await?;
    Ok(Json(PushTestQueued { queued: queued as u64 }))
}
