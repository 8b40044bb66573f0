//! Web Push's tables: the server's VAPID key (one for every instance), the
//! browsers' subscriptions (each tied to a session's device row, and gone
//! with it), and the worker's side of the outbox — claiming due rows (one
//! instance per row: a lease, taken with `FOR UPDATE SKIP LOCKED` on
//! PostgreSQL) and recording how each ended. The rows themselves are written
//! with the events they are about (`storage::events::pushes`).

use std::time::Duration;

use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    TransactionTrait, sea_query::Expr,
};

use super::{
    db::statement,
    error::{StoreError, Taken},
    store::Store,
};
use crate::{
    entity::{push_outbox, push_subscription},
    protocol::{AccountKind, RoomKind},
};

/// How long a push may wait for its browser (its `TTL`): past that it is dropped.
pub const PUSH_TTL: Duration = Duration::from_secs(24 * 3600);

/// How long a worker holds the rows it claimed; a crashed worker's rows are
/// taken again after it. Longer than a push may take (`push::send`'s 10 s).
pub const PUSH_LEASE: Duration = Duration::from_secs(20);

/// Browsers (sessions) of one user that may get pushes.
pub const MAX_SUBSCRIPTIONS_PER_USER: u64 = 10;

/// Finished rows kept (to update or close what was pushed) before they go.
const KEEP_FINISHED: Duration = Duration::from_secs(7 * 24 * 3600);

/// What an outbox row pushes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "snake_case")]
pub enum PushKind {
    /// A new message's notification.
    Message,
    /// A pushed message was edited: its notification changes.
    Update,
    /// A pushed message was deleted: its notification closes.
    Close,
    /// The user read the room (or thread) up to `seq`: what was pushed of it closes.
    Read,
    /// "Send a test notification", from the settings.
    Test,
}

/// Where an outbox row is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "snake_case")]
pub enum PushState {
    /// Not delivered yet (maybe claimed, maybe waiting to be tried again).
    Pending,
    /// The push service accepted it.
    Sent,
    /// Not pushed: the user was there (a socket open), or had read it.
    Skipped,
    /// Not pushed: deleted, no longer readable, or refused for good.
    Dropped,
    /// Not pushed: its TTL passed while the push service would not take it.
    Expired,
}

/// RFC 8030 `Urgency`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "kebab-case")]
pub enum Urgency {
    Low,
    Normal,
    High,
}

macro_rules! as_str {
    ($($name:ident),*) => {$(
        impl $name {
            pub fn as_str(self) -> &'static str {
                self.into()
            }
        }
    )*};
}
as_str!(PushKind, PushState, Urgency);

/// A browser's subscription as it subscribes (`PushSubscription.toJSON()`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSubscription {
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
}

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// The store's handle on web Push: the VAPID key, subscriptions, the outbox's claims.
#[derive(Clone, Copy)]
pub struct Push<'a>(&'a Store);

impl Store {
    /// Web Push: the VAPID key, subscriptions, the outbox's claims.
    pub fn push(&self) -> Push<'_> {
        Push(self)
    }
}

impl Push<'_> {
    /// The VAPID key pair every instance signs with: the one stored, or
    /// `made` when there is none yet (the first instance to start stores
    /// its own; the others read it back). `(private, public)`, base64url.
    pub async fn push_key(&self, made: (String, String)) -> Result<(String, String), StoreError> {
        let insert = "INSERT INTO push_key (id, private_key, public_key, created_at) VALUES (1, ?, ?, ?) ON CONFLICT DO NOTHING";
        let values: [sea_orm::Value; 3] = [made.0.into(), made.1.into(), Utc::now().into()];
        self.0.db().execute_raw(statement(self.0.db(), insert, values)).await?;
        let read = statement(self.0.db(), "SELECT private_key, public_key FROM push_key WHERE id = 1", []);
        let row = self.0.db().query_one_raw(read).await?.ok_or(StoreError::NotFound)?;
        Ok((row.try_get("", "private_key")?, row.try_get("", "public_key")?))
    }

    /// Keeps `subscription` for the user's device `device_handle`, replacing
    /// the device's earlier one. An endpoint already known (the same browser,
    /// maybe logged in as someone else before) starts over: its old owner's
    /// pushes go with it. A user has at most [`MAX_SUBSCRIPTIONS_PER_USER`]
    /// (`Conflict` past that).
    pub async fn add_push_subscription(
        &self,
        user_id: i64,
        device_handle: &str,
        subscription: NewSubscription,
    ) -> Result<push_subscription::Model, StoreError> {
        let txn = self.0.db().begin().await?;
        // One subscription per device: a browser that subscribes again replaces its old one.
        push_subscription::Entity::delete_many()
            .filter(
                Condition::any()
                    .add(push_subscription::Column::Endpoint.eq(&subscription.endpoint))
                    .add(push_subscription::Column::DeviceHandle.eq(device_handle)),
            )
            .exec(&txn)
            .await?;
        let kept = push_subscription::Entity::find().filter(push_subscription::Column::UserId.eq(user_id)).count(&txn).await?;
        if kept >= MAX_SUBSCRIPTIONS_PER_USER {
            return Err(StoreError::Conflict(Taken::Value));
        }
        let row = push_subscription::ActiveModel {
            user_id: Set(user_id),
            device_handle: Set(device_handle.to_owned()),
            endpoint: Set(subscription.endpoint),
            p256dh: Set(subscription.p256dh),
            auth: Set(subscription.auth),
            created_at: Set(Utc::now()),
            last_success: Set(None),
            ..Default::default()
        };
        let stored = push_subscription::Entity::insert(row).exec_with_returning(&txn).await?;
        txn.commit().await?;
        Ok(stored)
    }

    /// The user's subscriptions, newest first.
    pub async fn push_subscriptions_of(&self, user_id: i64) -> Result<Vec<push_subscription::Model>, StoreError> {
        Ok(push_subscription::Entity::find()
            .filter(push_subscription::Column::UserId.eq(user_id))
            .order_by_desc(push_subscription::Column::Id)
            .all(self.0.db())
            .await?)
    }

    /// Forgets the user's subscription at `endpoint`; `false` when they have none there.
    pub async fn remove_push_subscription(&self, user_id: i64, endpoint: &str) -> Result<bool, StoreError> {
        let gone = push_subscription::Entity::delete_many()
            .filter(push_subscription::Column::UserId.eq(user_id))
            .filter(push_subscription::Column::Endpoint.eq(endpoint))
            .exec(self.0.db())
            .await?;
        Ok(gone.rows_affected > 0)
    }

    /// Forgets subscription `id` (its push service says it is gone).
    pub async fn drop_push_subscription(&self, id: i64) -> Result<(), StoreError> {
        push_subscription::Entity::delete_by_id(id).exec(self.0.db()).await?;
        Ok(())
    }

    /// Subscription `id`, if it still exists.
    pub async fn push_subscription(&self, id: i64) -> Result<Option<push_subscription::Model>, StoreError> {
        Ok(push_subscription::Entity::find_by_id(id).one(self.0.db()).await?)
    }

    /// Queues a test push to each of the user's subscriptions on device
    /// `device_handle`; how many were queued.
    pub async fn queue_test_push(&self, user_id: i64, device_handle: &str) -> Result<usize, StoreError> {
        let subscriptions = push_subscription::Entity::find()
            .filter(push_subscription::Column::UserId.eq(user_id))
            .filter(push_subscription::Column::DeviceHandle.eq(device_handle))
            .all(self.0.db())
            .await?;
        let now = now_ms();
        let rows: Vec<push_outbox::ActiveModel> = subscriptions
            .iter()
            .map(|subscription| push_outbox::ActiveModel {
                subscription_id: Set(subscription.id),
                user_id: Set(user_id),
                room_id: Set(None),
                seq: Set(now),
                target_seq: Set(now),
                thread: Set(None),
                kind: Set(PushKind::Test.as_str().to_owned()),
                urgency: Set(Urgency::High.as_str().to_owned()),
                state: Set(PushState::Pending.as_str().to_owned()),
                closed: Set(false),
                attempts: Set(0),
                cut: Set(false),
                due_at: Set(now),
                expires_at: Set(now + 600_000),
                lease_until: Set(None),
                created_at: Set(now),
                ..Default::default()
            })
            .collect();
        let queued = rows.len();
        if !rows.is_empty() {
            push_outbox::Entity::insert_many(rows).exec_without_returning(self.0.db()).await?;
        }
        Ok(queued)
    }

    /// Whether any push is due now (a cheap read before claiming).
    pub async fn any_push_due(&self) -> Result<bool, StoreError> {
        let now = now_ms();
        let sql =
            "SELECT id FROM push_outbox WHERE state = ? AND due_at <= ? AND (lease_until IS NULL OR lease_until < ?) LIMIT 1";
        let values: [sea_orm::Value; 3] = [PushState::Pending.as_str().into(), now.into(), now.into()];
        Ok(self.0.db().query_one_raw(statement(self.0.db(), sql, values)).await?.is_some())
    }

    /// Claims up to `limit` due rows for [`PUSH_LEASE`], oldest first; no
    /// other worker gets them meanwhile. Each claim counts as an attempt.
    pub async fn claim_pushes(&self, limit: u64) -> Result<Vec<push_outbox::Model>, StoreError> {
        let now = now_ms();
        let lease = now + PUSH_LEASE.as_millis() as i64;
        let skip_locked = if self.0.db().get_database_backend() == DbBackend::Postgres { " FOR UPDATE SKIP LOCKED" } else { "" };
        let sql = format!(
            "UPDATE push_outbox SET lease_until = ?, attempts = attempts + 1 WHERE id IN (SELECT id FROM push_outbox \
             WHERE state = ? AND due_at <= ? AND (lease_until IS NULL OR lease_until < ?) ORDER BY id LIMIT ?{skip_locked}) \
             RETURNING id"
        );
        let values: [sea_orm::Value; 5] =
            [lease.into(), PushState::Pending.as_str().into(), now.into(), now.into(), (limit as i64).into()];
        let rows = self.0.db().query_all_raw(statement(self.0.db(), &sql, values)).await?;
        let ids: Vec<i64> = rows.iter().map(|row| row.try_get("", "id")).collect::<Result<_, _>>()?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        Ok(push_outbox::Entity::find()
            .filter(push_outbox::Column::Id.is_in(ids))
            .order_by_asc(push_outbox::Column::Id)
            .all(self.0.db())
            .await?)
    }

    /// Row `claimed` ended as `state` (only while its claim holds: a worker
    /// whose lease ran out does not overwrite the next one's outcome).
    pub async fn finish_push(&self, claimed: &push_outbox::Model, state: PushState) -> Result<(), StoreError> {
        push_outbox::Entity::update_many()
            .col_expr(push_outbox::Column::State, Expr::value(state.as_str()))
            .col_expr(push_outbox::Column::LeaseUntil, Expr::value(Option::<i64>::None))
            .filter(push_outbox::Column::Id.eq(claimed.id))
            .filter(push_outbox::Column::LeaseUntil.eq(claimed.lease_until))
            // A deletion or a read may have settled it meanwhile: that stands.
            .filter(push_outbox::Column::State.eq(PushState::Pending.as_str()))
            .exec(self.0.db())
            .await?;
        if state == PushState::Sent {
            push_subscription::Entity::update_many()
                .col_expr(push_subscription::Column::LastSuccess, Expr::value(Utc::now()))
                .filter(push_subscription::Column::Id.eq(claimed.subscription_id))
                .exec(self.0.db())
                .await?;
        }
        Ok(())
    }

    /// Row `claimed` is tried again at `due_at` (Unix ms), cut shorter if `cut`.
    pub async fn retry_push(&self, claimed: &push_outbox::Model, due_at: i64, cut: bool) -> Result<(), StoreError> {
        push_outbox::Entity::update_many()
            .col_expr(push_outbox::Column::DueAt, Expr::value(due_at))
            .col_expr(push_outbox::Column::Cut, Expr::value(cut || claimed.cut))
            .col_expr(push_outbox::Column::LeaseUntil, Expr::value(Option::<i64>::None))
            .filter(push_outbox::Column::Id.eq(claimed.id))
            .filter(push_outbox::Column::LeaseUntil.eq(claimed.lease_until))
            .filter(push_outbox::Column::State.eq(PushState::Pending.as_str()))
            .exec(self.0.db())
            .await?;
        Ok(())
    }

    /// Takes `claimed`'s lease again, for a whole [`PUSH_LEASE`] from now,
    /// just before it is pushed: the row as claimed anew, or `None` when the
    /// claim ran out meanwhile (another worker may have it) or the row was
    /// settled (deleted, read).
    pub async fn renew_push_lease(&self, claimed: &push_outbox::Model) -> Result<Option<push_outbox::Model>, StoreError> {
        let lease = now_ms() + PUSH_LEASE.as_millis() as i64;
        let renewed = push_outbox::Entity::update_many()
            .col_expr(push_outbox::Column::LeaseUntil, Expr::value(lease))
            .filter(push_outbox::Column::Id.eq(claimed.id))
            .filter(push_outbox::Column::LeaseUntil.eq(claimed.lease_until))
            .filter(push_outbox::Column::State.eq(PushState::Pending.as_str()))
            .exec(self.0.db())
            .await?;
        Ok((renewed.rows_affected == 1).then(|| push_outbox::Model { lease_until: Some(lease), ..claimed.clone() }))
    }

    /// Whether message `target_seq`'s push to `subscription_id` was sent
    /// (an update or close follows only what was shown).
    pub async fn push_was_sent(&self, claimed: &push_outbox::Model) -> Result<bool, StoreError> {
        let sent = push_outbox::Entity::find()
            .filter(push_outbox::Column::SubscriptionId.eq(claimed.subscription_id))
            .filter(push_outbox::Column::RoomId.eq(claimed.room_id))
            .filter(push_outbox::Column::TargetSeq.eq(claimed.target_seq))
            .filter(push_outbox::Column::Kind.eq(PushKind::Message.as_str()))
            .filter(push_outbox::Column::State.eq(PushState::Sent.as_str()))
            .all(self.0.db())
            .await?;
        Ok(!sent.is_empty())
    }

    /// Forgets finished rows older than a week; how many went.
    pub async fn forget_finished_pushes(&self) -> Result<u64, StoreError> {
        let before = now_ms() - KEEP_FINISHED.as_millis() as i64;
        let gone = push_outbox::Entity::delete_many()
            .filter(push_outbox::Column::State.ne(PushState::Pending.as_str()))
            .filter(push_outbox::Column::CreatedAt.lt(before))
            .exec(self.0.db())
            .await?;
        Ok(gone.rows_affected)
    }

    /// What a notification of message `seq` of room `room_id` shows; `None`
    /// when there is no such room or message.
    pub async fn pushed_message(&self, room_id: i64, seq: i64) -> Result<Option<PushedMessage>, StoreError> {
        let sql = "SELECT r.name AS room, r.kind AS kind, r.title AS title, u.username AS sender, u.kind AS sender_kind, \
                   m.display_as AS display_as, m.text AS text, m.deleted AS deleted, m.thread AS thread \
                   FROM room r LEFT JOIN message m ON m.room_id = r.id AND m.seq = ? AND m.kind = 'message' \
                   LEFT JOIN \"user\" u ON u.id = m.sender_id WHERE r.id = ?";
        let Some(row) = self.0.db().query_one_raw(statement(self.0.db(), sql, [seq.into(), room_id.into()])).await? else {
            return Ok(None);
        };
        let kind: String = row.try_get("", "kind")?;
        let text: Option<String> = row.try_get("", "text")?;
        let sender_kind: Option<String> = row.try_get("", "sender_kind")?;
        let display_as: Option<String> = row.try_get("", "display_as")?;
        let username = row.try_get::<Option<String>>("", "sender")?.unwrap_or_default();
        Ok(Some(PushedMessage {
            room: row.try_get("", "room")?,
            kind: kind.parse().unwrap_or_default(),
            title: row.try_get("", "title")?,
            // A webhook's message is shown under its `username`, marked as a bot's.
            sender: display_as.unwrap_or(username),
            bot: sender_kind.and_then(|kind| kind.parse::<AccountKind>().ok()).is_some_and(AccountKind::is_bot),
            deleted: text.is_none() || row.try_get::<Option<bool>>("", "deleted")?.unwrap_or(true),
            text: text.unwrap_or_default(),
            thread: row.try_get("", "thread")?,
        }))
    }
}

/// A message as its notification shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PushedMessage {
    pub room: String,
    pub kind: RoomKind,
    /// A private room's title.
    pub title: Option<String>,
    pub sender: String,
    /// Sent by a bot or a webhook (the notification marks it, as pages do).
    pub bot: bool,
    pub text: String,
    /// Deleted, or not a message at all.
    pub deleted: bool,
    /// The root of its thread, for a reply.
    pub thread: Option<i64>,
}
