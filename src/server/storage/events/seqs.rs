//! The writing transaction, the batch's rooms read (locked, on PostgreSQL) in
//! name order, and each room's seqs reserved for the batch in one upsert.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, SqliteTransactionMode, TransactionOptions, TransactionTrait,
    sea_query::{Alias, Expr, ExprTrait, OnConflict},
};

use crate::{entity::room, protocol::RoomKind};

/// Starts a writing transaction. On SQLite it takes the write lock at BEGIN
/// (waiting for it in the busy handler), not at its first write: a deferred
/// transaction that read first could not upgrade once another connection
/// wrote, and would fail at once instead of waiting.
pub async fn begin_writing(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let immediate = TransactionOptions {
        sqlite_transaction_mode: (db.get_database_backend() == DbBackend::Sqlite).then_some(SqliteTransactionMode::Immediate),
        ..Default::default()
    };
    db.begin_with_options(immediate).await
}

/// Whether reading rooms locks them.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Lock {
    None,
    /// On PostgreSQL, `FOR UPDATE` in name order: the writer's batch holds its
    /// rooms (and so their memberships) until it commits. (SQLite's writer
    /// holds the whole database already.)
    ForUpdate,
}

/// The rooms of these names that exist, by name.
pub async fn rooms_named<'a>(
    db: &impl ConnectionTrait,
    names: impl Iterator<Item = &'a str>,
    lock: Lock,
) -> Result<HashMap<String, room::Model>, DbErr> {
    let mut names: Vec<&str> = names.collect();
    names.sort_unstable();
    names.dedup();
    let mut query = room::Entity::find().filter(room::Column::Name.is_in(names)).order_by_asc(room::Column::Name);
    if lock == Lock::ForUpdate && db.get_database_backend() == DbBackend::Postgres {
        query = query.lock_exclusive();
    }
    Ok(query.all(db).await?.into_iter().map(|room| (room.name.clone(), room)).collect())
}

/// Adds each room's event and message counts to its `last_seq` and
/// `message_count` (creating rooms as needed) in one upsert and returns the
/// rows by name: the batch owns each room's seqs up to and including the new
/// `last_seq`. The upsert takes SQLite's write lock, and PostgreSQL's locks on
/// the room rows (in the given order, which callers keep sorted), so concurrent
/// writers to a room get disjoint, consecutive ranges.
pub async fn reserve_seqs(
    txn: &impl ConnectionTrait,
    counts: &[(&str, i64, i64)],
    now: DateTime<Utc>,
) -> Result<HashMap<String, room::Model>, DbErr> {
    if counts.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = counts.iter().map(|(name, events, messages)| room::ActiveModel {
        id: NotSet,
        name: Set((*name).to_owned()),
        last_seq: Set(*events),
        message_count: Set(*messages),
        created_at: Set(now),
        last_activity: Set(now),
        kind: Set(RoomKind::Public),
        owner_id: NotSet,
        direct_key: NotSet,
        title: NotSet,
        topic: NotSet,
    });
    let add = |column: room::Column| Expr::col((room::Entity, column)).add(Expr::col((Alias::new("excluded"), column)));
    let bump = OnConflict::column(room::Column::Name)
        .value(room::Column::LastSeq, add(room::Column::LastSeq))
        .value(room::Column::MessageCount, add(room::Column::MessageCount))
        .value(room::Column::LastActivity, Expr::value(now))
        .to_owned();
    let rooms = room::Entity::insert_many(rows).on_conflict(bump).exec_with_returning(txn).await?;
    Ok(rooms.into_iter().map(|room| (room.name.clone(), room)).collect())
}
