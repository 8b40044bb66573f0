//! Where each subscription's delivery stands in each room: the cursors with
//! something to send, the events after a cursor (their frames made by the one
//! function that makes every frame, `events::frame_of`), and what became of a
//! delivery — the cursor moved on (a 2xx, or events passed over), or the next
//! try put off.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, Statement, sea_query::Expr};

use super::subscriptions::numbered;
use crate::{
    entity::{delivery_cursor, message, message::EventKind},
    protocol::{RoomKind, ServerFrame},
    server::storage::{
        Store, StoreError,
        events::{EventRow, Extras, frame_of},
    },
};

/// A cursor with events after it, and what is known of its room.
#[derive(Clone, Debug, PartialEq, Eq, FromQueryResult)]
pub struct DueCursor {
    pub room_id: i64,
    pub room: String,
    pub kind: RoomKind,
    pub owner_id: Option<i64>,
    pub delivered_seq: i64,
    pub member: bool,
    pub attempts: i32,
    pub failing_since: Option<i64>,
}

/// An event after a cursor.
#[derive(Clone, Debug, PartialEq)]
pub struct Pending {
    pub seq: i64,
    pub kind: EventKind,
    /// A membership change's member, a command's bot.
    pub target: Option<i64>,
    pub frame: ServerFrame,
}

/// A failed try, and when to try again.
pub struct Failure<'a> {
    /// The cursor's `seq` the try started from (the failure is not recorded
    /// if the cursor moved on meanwhile: another instance took over).
    pub from_seq: i64,
    pub attempts: i32,
    pub due_at: i64,
    pub failing_since: i64,
    pub error: &'a str,
}

/// The store's handle on outgoing webhooks' delivery cursors.
#[derive(Clone, Copy)]
pub struct Deliveries<'a>(&'a Store);

impl Store {
    /// Outgoing webhooks' delivery cursors.
    pub fn deliveries(&self) -> Deliveries<'_> {
        Deliveries(self)
    }
}

impl Deliveries<'_> {
    /// Subscription `id`'s cursors that have events after them and are due at `now`.
    pub async fn due_cursors(&self, id: i64, now: i64) -> Result<Vec<DueCursor>, StoreError> {
        let backend = self.0.db().get_database_backend();
        let sql = "SELECT c.room_id AS room_id, r.name AS room, r.kind AS kind, r.owner_id AS owner_id, \
                   c.delivered_seq AS delivered_seq, c.member AS member, c.attempts AS attempts, \
                   c.failing_since AS failing_since \
                   FROM delivery_cursor c JOIN room r ON r.id = c.room_id \
                   WHERE c.subscription_id = $1 AND r.last_seq > c.delivered_seq AND c.due_at <= $2 \
                   ORDER BY c.room_id";
        let sql = numbered(backend, sql);
        let statement = Statement::from_sql_and_values(backend, sql, [id.into(), now.into()]);
        Ok(DueCursor::find_by_statement(statement).all(self.0.db()).await?)
    }

    /// The events of room `room_id` (named `room`) after `after`, oldest first, at most `limit`.
    pub async fn events_to_deliver(&self, room_id: i64, room: &str, after: i64, limit: u64) -> Result<Vec<Pending>, StoreError> {
        let rows = EventRow::select()
            .filter(message::Column::RoomId.eq(room_id))
            .filter(message::Column::Seq.gt(after))
            .filter(message::Column::Seq.lte(after.saturating_add(limit as i64)))
            .order_by_asc(message::Column::Seq)
            .into_model::<EventRow>()
            .all(self.0.db())
            .await?;
        let extras = Extras::load(self.0.db(), room_id, &rows).await?;
        Ok(rows
            .into_iter()
            .map(|row| Pending { seq: row.seq, kind: row.kind, target: row.target, frame: frame_of(row, room, &extras) })
            .collect())
    }

    /// Moves subscription `id`'s cursor in `room_id` on to `seq` (never
    /// back), with the bot's membership there at that point; the next
    /// event's tries start afresh.
    pub async fn advance_cursor(&self, id: i64, room_id: i64, seq: i64, member: bool) -> Result<(), StoreError> {
        delivery_cursor::Entity::update_many()
            .col_expr(delivery_cursor::Column::DeliveredSeq, Expr::value(seq))
            .col_expr(delivery_cursor::Column::Member, Expr::value(member))
            .col_expr(delivery_cursor::Column::Attempts, Expr::value(0))
            .col_expr(delivery_cursor::Column::DueAt, Expr::value(0))
            .col_expr(delivery_cursor::Column::FailingSince, Expr::value(Option::<i64>::None))
            .col_expr(delivery_cursor::Column::LastError, Expr::value(Option::<String>::None))
            .filter(delivery_cursor::Column::SubscriptionId.eq(id))
            .filter(delivery_cursor::Column::RoomId.eq(room_id))
            .filter(delivery_cursor::Column::DeliveredSeq.lte(seq))
            .exec(self.0.db())
            .await?;
        Ok(())
    }

    /// Records a failed try of subscription `id`'s next event in `room_id`.
    pub async fn delivery_failed(&self, id: i64, room_id: i64, failure: Failure<'_>) -> Result<(), StoreError> {
        delivery_cursor::Entity::update_many()
            .col_expr(delivery_cursor::Column::Attempts, Expr::value(failure.attempts))
            .col_expr(delivery_cursor::Column::DueAt, Expr::value(failure.due_at))
            .col_expr(delivery_cursor::Column::FailingSince, Expr::value(failure.failing_since))
            .col_expr(delivery_cursor::Column::LastError, Expr::value(failure.error))
            .filter(delivery_cursor::Column::SubscriptionId.eq(id))
            .filter(delivery_cursor::Column::RoomId.eq(room_id))
            .filter(delivery_cursor::Column::DeliveredSeq.eq(failure.from_seq))
            .exec(self.0.db())
            .await?;
        Ok(())
    }

    /// Whether subscription `id` has a cursor with events after it that is due at `now`.
    pub async fn has_due_cursor(&self, id: i64, now: i64) -> Result<bool, StoreError> {
        let backend = self.0.db().get_database_backend();
        let sql = "SELECT c.room_id AS room_id FROM delivery_cursor c JOIN room r ON r.id = c.room_id \
                   WHERE c.subscription_id = $1 AND r.last_seq > c.delivered_seq AND c.due_at <= $2 LIMIT 1";
        let statement = Statement::from_sql_and_values(backend, numbered(backend, sql), [id.into(), now.into()]);
        Ok(self.0.db().query_one_raw(statement).await?.is_some())
    }

    /// The cursors of subscription `id`: (room, delivered seq, failing since, last error).
    pub async fn cursors_of(&self, id: i64) -> Result<Vec<delivery_cursor::Model>, StoreError> {
        Ok(delivery_cursor::Entity::find()
            .filter(delivery_cursor::Column::SubscriptionId.eq(id))
            .order_by_asc(delivery_cursor::Column::RoomId)
            .all(self.0.db())
            .await?)
    }
}
