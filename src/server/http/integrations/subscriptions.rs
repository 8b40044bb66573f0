//! `/api/subscriptions`: where a bot is sent the events of rooms it may read
//! (outgoing webhooks). Made with the bot's token (the subscription belongs
//! to that token and ends with it): a `url` (which must pass the same
//! private-network guard as link previews, now and at every delivery),
//! `rooms` (names, or `"*"` for every room the bot is a member of, direct
//! rooms included, as it joins them) and `events` (`message`, `edit`,
//! `delete`, `reaction`, `member`) → `{"id", "secret"}` (the signing key,
//! shown this once). Events from then on are delivered by
//! `integrations::delivery`: in order, once, signed.

use axum::{
    Json,
    extract::{Extension, State},
};
use serde::Deserialize;

use super::{room_id_made, time_of};
use crate::{
    error::AppError,
    protocol::{
        AccountKind,
        api::{
            DeliveryCursor, SubscribedRooms, Subscription, SubscriptionList, SubscriptionMade, SubscriptionRemoved,
            SubscriptionResumed,
        },
        format_timestamp,
    },
    server::{
        accounts::{access, tokens::Bearer},
        http::{forms::ValidForm, gate::RequireUser, params, state::AppState},
        integrations::EventFilter,
        policy::Action,
        storage::integrations::subscriptions::{NewSubscription, Start},
    },
};

/// Most rooms one subscription names (`"*"` has no bound).
const MAX_ROOMS: usize = 100;
/// Most subscriptions one bot keeps.
const MAX_PER_BOT: usize = 20;
/// Longest URL taken.
const MAX_URL_CHARS: usize = 2048;

/// The body of `POST /api/subscriptions`.
#[derive(Deserialize)]
pub struct NewSubscriptionForm {
    url: String,
    #[serde(deserialize_with = "params::list")]
    rooms: Vec<String>,
    #[serde(deserialize_with = "params::list")]
    events: Vec<String>,
}

/// `POST /api/subscriptions` (a bot's token) → 201-like `{"id", "secret",
/// "url", "rooms", "events"}`.
pub async fn create(
    State(state): State<AppState>,
    bearer: Option<Extension<Bearer>>,
    ValidForm(form_data): ValidForm<NewSubscriptionForm>,
) -> Result<Json<SubscriptionMade>, AppError> {
    let Some(Extension(Bearer { user, token_id })) = bearer.filter(|Extension(bearer)| bearer.user.0.kind == AccountKind::Bot)
    else {
        return Err(AppError::BadRequest(
            "subscriptions are made by bots, with a bot's API token (Authorization: Bearer …)".into(),
        ));
    };
    let delivery = &state.deliveries;
    let events = EventFilter::parse(&form_data.events).map_err(AppError::BadRequest)?;
    if form_data.url.chars().count() > MAX_URL_CHARS {
        return Err(AppError::BadRequest(format!("the url is longer than {MAX_URL_CHARS} characters")));
    }
    delivery.check_url(&form_data.url).await.map_err(AppError::BadRequest)?;
    if state.store.subscriptions().subscriptions_of(user.0.id).await?.len() >= MAX_PER_BOT {
        return Err(AppError::BadRequest(format!("a bot keeps at most {MAX_PER_BOT} subscriptions")));
    }
    let all = form_data.rooms.iter().any(|room| room == "*");
    let rooms = match (all, form_data.rooms.len()) {
        (true, 1) => None,
        (true, _) => return Err(AppError::BadRequest("`rooms` is `*` alone, or room names".into())),
        (false, 0) => return Err(AppError::BadRequest("`rooms` names at least one room, or is `*`".into())),
        (false, n) if n > MAX_ROOMS => return Err(AppError::BadRequest(format!("at most {MAX_ROOMS} rooms; or `*`"))),
        (false, _) => Some(&form_data.rooms),
    };
    let mut starts: Vec<Start> = Vec::new();
    for raw in rooms.into_iter().flatten() {
        // The same answer as every other path: a room the bot may not read is no room.
        let room = access::room_now(&state.store, &user, raw, Action::Deliver).await?;
        let id = room_id_made(&state, &user.0, &room).await?;
        let start = state.store.subscriptions().start_now(id, user.0.id).await?.ok_or(AppError::NotFound)?;
        starts.push(start);
    }
    let new = NewSubscription {
        user_id: user.0.id,
        token_id,
        url: form_data.url.clone(),
        rooms: rooms.map(|_| starts.iter().map(|start| start.room_id).collect()),
        events: events.to_string(),
    };
    let all_rooms = new.rooms.is_none();
    let row = state.store.subscriptions().create_subscription(new, &starts).await?;
    if all_rooms {
        // The rooms the bot is in now start now; later ones as it joins them.
        state.store.subscriptions().discover_rooms(&row).await?;
    }
    let names = state.store.subscriptions().subscription_rooms(row.id).await?;
    Ok(Json(SubscriptionMade {
        id: row.id,
        secret: row.secret,
        url: row.url,
        rooms: if all_rooms { SubscribedRooms::All } else { SubscribedRooms::Named(names) },
        events: events.names().into_iter().map(str::to_owned).collect(),
    }))
}

/// `GET /api/subscriptions` → `{"subscriptions": [{"id", "url", "rooms",
/// "events", "paused_at", "paused_reason", "cursors": [{"room", "delivered_seq",
/// "attempts", "failing_since", "last_error"}]}]}`: the bot's own.
pub async fn list(State(state): State<AppState>, RequireUser(user): RequireUser) -> Result<Json<SubscriptionList>, AppError> {
    let mut subscriptions = Vec::new();
    for subscription in state.store.subscriptions().subscriptions_of(user.0.id).await? {
        let names = state.store.subscriptions().subscription_rooms(subscription.id).await?;
        let cursors = state
            .store
            .deliveries()
            .cursors_of(subscription.id)
            .await?
            .into_iter()
            .map(|cursor| DeliveryCursor {
                room_id: cursor.room_id,
                delivered_seq: cursor.delivered_seq,
                attempts: i64::from(cursor.attempts),
                failing_since: cursor.failing_since.and_then(chrono::DateTime::from_timestamp_millis).map(format_timestamp),
                last_error: cursor.last_error,
            })
            .collect();
        subscriptions.push(Subscription {
            id: subscription.id,
            url: subscription.url,
            rooms: if subscription.all_rooms { SubscribedRooms::All } else { SubscribedRooms::Named(names.clone()) },
            room_names: names,
            events: subscription.events.split(',').map(str::to_owned).collect(),
            created_at: format_timestamp(subscription.created_at),
            paused_at: time_of(subscription.paused_at),
            paused_reason: subscription.paused_reason,
            cursors,
        });
    }
    Ok(Json(SubscriptionList { subscriptions }))
}

/// The form of `POST /api/subscriptions/remove` and `/resume`.
#[derive(Deserialize)]
pub struct SubscriptionIdForm {
    #[serde(deserialize_with = "params::number")]
    id: i64,
}

/// `POST /api/subscriptions/remove` (`id`): nothing more is delivered.
pub async fn remove(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    ValidForm(form_data): ValidForm<SubscriptionIdForm>,
) -> Result<Json<SubscriptionRemoved>, AppError> {
    match state.store.subscriptions().remove_subscription(user.0.id, form_data.id).await? {
        true => Ok(Json(SubscriptionRemoved { removed: true, id: form_data.id })),
        false => Err(AppError::NotFound),
    }
}

/// `POST /api/subscriptions/resume` (`id`): a paused subscription is tried
/// again, from where each room stopped.
pub async fn resume(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    ValidForm(form_data): ValidForm<SubscriptionIdForm>,
) -> Result<Json<SubscriptionResumed>, AppError> {
    match state.store.subscriptions().resume_subscription(user.0.id, form_data.id).await? {
        true => Ok(Json(SubscriptionResumed { resumed: true, id: form_data.id })),
        false => Err(AppError::NotFound),
    }
}
