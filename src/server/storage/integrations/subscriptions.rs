//! A bot's outgoing subscriptions: made with the rooms they start in (each
//! room's cursor at its newest `seq`: events from now on), listed, removed,
//! resumed after a pause; for `"*"`, the rooms the bot joins later are found
//! as they come ([`Store::discover_rooms`]). The lease lets one instance
//! deliver a subscription at a time: claimed for a while, renewed just before
//! each delivery leaves, released after a round.

use base64ct::{Base64, Encoding};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, Statement, TransactionTrait,
    sea_query::{Expr, OnConflict},
};

use super::random_bytes;
use crate::{
    entity::{delivery_cursor, event_subscription},
    protocol::RoomKind,
    server::storage::{Store, StoreError, db::insert_chunked},
};

/// What a subscription is made with.
pub struct NewSubscription {
    pub user_id: i64,
    pub token_id: i64,
    pub url: String,
    /// `None`: every room the bot is a member of (`"*"`).
    pub rooms: Option<Vec<i64>>,
    /// The event kinds, comma-separated.
    pub events: String,
}

/// A room as a new cursor starts in it: after `seq`, with the bot a member there or not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, FromQueryResult)]
pub struct Start {
    pub room_id: i64,
    pub seq: i64,
    pub member: bool,
}

/// A fresh signing key, as Standard Webhooks writes it: `whsec_` and base64.
fn fresh_secret() -> String {
    format!("whsec_{}", Base64::encode_string(&random_bytes::<32>()))
}

/// The store's handle on bots' outgoing event subscriptions.
#[derive(Clone, Copy)]
pub struct Subscriptions<'a>(&'a Store);

impl Store {
    /// Bots' outgoing event subscriptions.
    pub fn subscriptions(&self) -> Subscriptions<'_> {
        Subscriptions(self)
    }
}

impl Subscriptions<'_> {
    /// Where a cursor in room `room_id` starts for `user_id` now: after the
    /// room's newest `seq`, with their membership read by the same statement
    /// (so the two agree). `None` when there is no such room.
    pub async fn start_now(&self, room_id: i64, user_id: i64) -> Result<Option<Start>, StoreError> {
        let backend = self.0.db().get_database_backend();
        let sql = "SELECT r.id AS room_id, r.last_seq AS seq, \
                   EXISTS (SELECT 1 FROM membership m WHERE m.room_id = r.id AND m.user_id = $1) AS member \
                   FROM room r WHERE r.id = $2";
        let sql = numbered(backend, sql);
        let statement = Statement::from_sql_and_values(backend, sql, [user_id.into(), room_id.into()]);
        Ok(Start::find_by_statement(statement).one(self.0.db()).await?)
    }

    /// A new subscription, its cursors starting at `starts` (events from now on).
    pub async fn create_subscription(
        &self,
        new: NewSubscription,
        starts: &[Start],
    ) -> Result<event_subscription::Model, StoreError> {
        let txn = self.0.db().begin().await?;
        let row = event_subscription::ActiveModel {
            id: NotSet,
            user_id: Set(new.user_id),
            token_id: Set(new.token_id),
            url: Set(new.url),
            secret: Set(fresh_secret()),
            all_rooms: Set(new.rooms.is_none()),
            events: Set(new.events),
            paused_at: Set(None),
            paused_reason: Set(None),
            lease_owner: Set(None),
            lease_until: Set(None),
            created_at: Set(Utc::now()),
        };
        let row = event_subscription::Entity::insert(row).exec_with_returning(&txn).await?;
        insert_cursors(&txn, row.id, starts).await?;
        txn.commit().await?;
        Ok(row)
    }

    /// `user_id`'s subscriptions, oldest first.
    pub async fn subscriptions_of(&self, user_id: i64) -> Result<Vec<event_subscription::Model>, StoreError> {
        Ok(event_subscription::Entity::find()
            .filter(event_subscription::Column::UserId.eq(user_id))
            .order_by_asc(event_subscription::Column::Id)
            .all(self.0.db())
            .await?)
    }

    /// Subscription `id`.
    pub async fn subscription(&self, id: i64) -> Result<Option<event_subscription::Model>, StoreError> {
        Ok(event_subscription::Entity::find_by_id(id).one(self.0.db()).await?)
    }

    /// The names of the rooms subscription `id` has cursors in.
    pub async fn subscription_rooms(&self, id: i64) -> Result<Vec<String>, StoreError> {
        let backend = self.0.db().get_database_backend();
        let sql = "SELECT r.name AS name FROM delivery_cursor c JOIN room r ON r.id = c.room_id \
                   WHERE c.subscription_id = $1 ORDER BY r.name";
        let sql = numbered(backend, sql);
        #[derive(FromQueryResult)]
        struct Name {
            name: String,
        }
        let statement = Statement::from_sql_and_values(backend, sql, [id.into()]);
        Ok(Name::find_by_statement(statement).all(self.0.db()).await?.into_iter().map(|row| row.name).collect())
    }

    /// Removes `user_id`'s subscription `id`. False when they have none such.
    pub async fn remove_subscription(&self, user_id: i64, id: i64) -> Result<bool, StoreError> {
        let deleted = event_subscription::Entity::delete_many()
            .filter(event_subscription::Column::Id.eq(id))
            .filter(event_subscription::Column::UserId.eq(user_id))
            .exec(self.0.db())
            .await?;
        Ok(deleted.rows_affected > 0)
    }

    /// Pauses subscription `id` (its deliveries failed for too long).
    pub async fn pause_subscription(&self, id: i64, reason: &str) -> Result<(), StoreError> {
        event_subscription::Entity::update_many()
            .col_expr(event_subscription::Column::PausedAt, Expr::value(Utc::now()))
            .col_expr(event_subscription::Column::PausedReason, Expr::value(reason))
            .filter(event_subscription::Column::Id.eq(id))
            .exec(self.0.db())
            .await?;
        Ok(())
    }

    /// Resumes `user_id`'s paused subscription `id`: every room is tried
    /// again now, from where it stopped. False when they have none such.
    pub async fn resume_subscription(&self, user_id: i64, id: i64) -> Result<bool, StoreError> {
        let txn = self.0.db().begin().await?;
        let updated = event_subscription::Entity::update_many()
            .col_expr(event_subscription::Column::PausedAt, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(event_subscription::Column::PausedReason, Expr::value(Option::<String>::None))
            .filter(event_subscription::Column::Id.eq(id))
            .filter(event_subscription::Column::UserId.eq(user_id))
            .exec(&txn)
            .await?;
        if updated.rows_affected == 0 {
            return Ok(false);
        }
        delivery_cursor::Entity::update_many()
            .col_expr(delivery_cursor::Column::DueAt, Expr::value(0))
            .col_expr(delivery_cursor::Column::Attempts, Expr::value(0))
            .col_expr(delivery_cursor::Column::FailingSince, Expr::value(Option::<i64>::None))
            .filter(delivery_cursor::Column::SubscriptionId.eq(id))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(true)
    }

    /// The subscriptions that are not paused.
    pub async fn active_subscriptions(&self) -> Result<Vec<event_subscription::Model>, StoreError> {
        Ok(event_subscription::Entity::find().filter(event_subscription::Column::PausedAt.is_null()).all(self.0.db()).await?)
    }

    /// Takes (or keeps) subscription `id` for instance `me` for `lease_ms`,
    /// unless another instance holds it or it is paused; whether `me` holds it
    /// now. Times are the database's clock, which every instance shares (their
    /// own clocks may disagree).
    pub async fn lease_subscription(&self, id: i64, me: i64, lease_ms: i64) -> Result<bool, StoreError> {
        let backend = self.0.db().get_database_backend();
        let now = db_now_ms(backend);
        let sql = format!(
            "UPDATE event_subscription SET lease_owner = $1, lease_until = {now} + $2 \
             WHERE id = $3 AND paused_at IS NULL AND (lease_until IS NULL OR lease_until < {now} OR lease_owner = $1)"
        );
        let statement = Statement::from_sql_and_values(backend, numbered(backend, &sql), [me.into(), lease_ms.into(), id.into()]);
        Ok(self.0.db().execute_raw(statement).await?.rows_affected() == 1)
    }

    /// Lets go of subscription `id`, if `me` holds it.
    pub async fn release_subscription(&self, id: i64, me: i64) -> Result<(), StoreError> {
        event_subscription::Entity::update_many()
            .col_expr(event_subscription::Column::LeaseUntil, Expr::value(Option::<i64>::None))
            .filter(event_subscription::Column::Id.eq(id))
            .filter(event_subscription::Column::LeaseOwner.eq(me))
            .exec(self.0.db())
            .await?;
        Ok(())
    }

    /// Whether a command for bot `bot_id` in room `room` (which exists) will
    /// reach one of its subscriptions: a `"*"` one puts a public room in the
    /// bot's list (as a bot that is asked something there joins it) and
    /// starts its cursor now, before the command; a subscription that names
    /// the room has its cursor already.
    pub async fn prepare_command(&self, bot_id: i64, room: &str) -> Result<bool, StoreError> {
        let Some(room_id) = self.0.room_id(room).await? else { return Ok(false) };
        let subscriptions: Vec<event_subscription::Model> =
            self.subscriptions_of(bot_id).await?.into_iter().filter(|s| s.paused_at.is_none()).collect();
        if subscriptions.iter().any(|s| s.all_rooms) {
            self.0.memberships().join_room(bot_id, room, None).await?;
        }
        for subscription in subscriptions.iter().filter(|s| s.all_rooms) {
            self.discover_rooms(subscription).await?;
        }
        let ids: Vec<i64> = subscriptions.iter().map(|s| s.id).collect();
        let found = delivery_cursor::Entity::find()
            .filter(delivery_cursor::Column::SubscriptionId.is_in(ids))
            .filter(delivery_cursor::Column::RoomId.eq(room_id))
            .one(self.0.db())
            .await?;
        Ok(found.is_some())
    }

    /// For a `"*"` subscription: cursors for the rooms its bot became a
    /// member of since they were last looked for. A room joined before the
    /// subscription was made starts now; one joined after starts at the event
    /// that added the bot (so that it is sent), or at the room's first event
    /// when the room was made with the bot in it (a direct or new private
    /// room); a public room starts now.
    pub async fn discover_rooms(&self, subscription: &event_subscription::Model) -> Result<usize, StoreError> {
        let backend = self.0.db().get_database_backend();
        let sql = "SELECT r.id AS room_id, r.kind AS kind, r.last_seq AS last_seq, m.joined_at AS joined_at, \
                   (SELECT MAX(e.seq) FROM message e WHERE e.room_id = r.id AND e.target = $1 \
                      AND e.kind IN ('member_added', 'member_joined')) AS added_seq \
                   FROM membership m JOIN room r ON r.id = m.room_id \
                   WHERE m.user_id = $1 AND NOT EXISTS \
                   (SELECT 1 FROM delivery_cursor c WHERE c.subscription_id = $2 AND c.room_id = r.id)";
        let sql = numbered(backend, sql);
        #[derive(FromQueryResult)]
        struct Joined {
            room_id: i64,
            kind: RoomKind,
            last_seq: i64,
            joined_at: DateTime<Utc>,
            added_seq: Option<i64>,
        }
        let statement = Statement::from_sql_and_values(backend, sql, [subscription.user_id.into(), subscription.id.into()]);
        let joined = Joined::find_by_statement(statement).all(self.0.db()).await?;
        let starts: Vec<Start> = joined
            .into_iter()
            .map(|room| {
                let (seq, member) = match (room.joined_at >= subscription.created_at, room.kind, room.added_seq) {
                    (false, ..) | (true, RoomKind::Public, _) => (room.last_seq, true),
                    (true, _, Some(added)) => (added - 1, false),
                    (true, _, None) => (0, true),
                };
                Start { room_id: room.room_id, seq, member }
            })
            .collect();
        insert_cursors(self.0.db(), subscription.id, &starts).await?;
        Ok(starts.len())
    }

    /// For a `"*"` subscription: forgets the cursors of public rooms its bot
    /// no longer lists (a private room's removal is an event its cursor
    /// delivers and then stops at).
    pub async fn forget_left_rooms(&self, subscription: &event_subscription::Model) -> Result<(), StoreError> {
        let backend = self.0.db().get_database_backend();
        let sql = "DELETE FROM delivery_cursor WHERE subscription_id = $1 AND room_id IN \
                   (SELECT r.id FROM room r WHERE r.kind = 'public' AND NOT EXISTS \
                   (SELECT 1 FROM membership m WHERE m.room_id = r.id AND m.user_id = $2))";
        let sql = numbered(backend, sql);
        let statement = Statement::from_sql_and_values(backend, sql, [subscription.id.into(), subscription.user_id.into()]);
        self.0.db().execute_raw(statement).await?;
        Ok(())
    }
}

/// The database's clock, in Unix milliseconds, as SQL.
fn db_now_ms(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::bigint",
        _ => "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)",
    }
}

/// `sql` with its `$n` placeholders as `backend` numbers them (`?n` on SQLite).
pub(super) fn numbered(backend: DbBackend, sql: &str) -> String {
    if backend == DbBackend::Sqlite { sql.replace('$', "?") } else { sql.to_owned() }
}

/// Cursors of subscription `id` at `starts` (a room that has one keeps it).
async fn insert_cursors(db: &impl ConnectionTrait, id: i64, starts: &[Start]) -> Result<(), StoreError> {
    if starts.is_empty() {
        return Ok(());
    }
    // Collected: an iterator borrowing `starts` would not be `Send` across the await.
    let rows: Vec<delivery_cursor::ActiveModel> = starts
        .iter()
        .map(|start| delivery_cursor::ActiveModel {
            subscription_id: Set(id),
            room_id: Set(start.room_id),
            delivered_seq: Set(start.seq),
            member: Set(start.member),
            attempts: Set(0),
            due_at: Set(0),
            failing_since: Set(None),
            last_error: Set(None),
        })
        .collect();
    let keep =
        OnConflict::columns([delivery_cursor::Column::SubscriptionId, delivery_cursor::Column::RoomId]).do_nothing().to_owned();
    insert_chunked(db, rows, Some(&keep)).await?;
    Ok(())
}
