//! Full-text search over the messages (and room topics) a user may read, with each database's
//! own engine (see the search migration): SQLite's FTS5 table, walked newest
//! first, or PostgreSQL's `tsvector` column and its GIN index. Only messages
//! of rooms the user may read are returned: the policy's read rule, as the
//! SQL condition `server::policy::readable_sql` generates from it.
//!
//! A search is bounded so that it can never tie the database up: at most
//! [`SEARCH_BUDGET`] on either engine (PostgreSQL's `statement_timeout`,
//! SQLite's progress handler interrupting the statement), and only so many at
//! once (the store's search slots, half its connections), so that the pool
//! always has room for the writer and for reads. (Each user's rate is the
//! HTTP layer's.)

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, FromQueryResult, RuntimeErr, TransactionTrait, Value, sqlx,
};

use super::{db::statement, error::StoreError, store::Store};
use crate::{
    protocol::{RoomKind, format_timestamp, room_label},
    search_query::{Hit, Query, snippet},
    server::policy,
};

/// The longest one search may take, waiting for a slot included.
pub const SEARCH_BUDGET: Duration = Duration::from_secs(3);
/// SQLite virtual machine steps between two looks at the clock.
const STEPS_PER_CHECK: i32 = 1000;

/// Which messages to look for, and for whom.
pub struct SearchRequest<'a> {
    pub user_id: i64,
    pub query: &'a Query,
    /// Only this room (canonical name, already checked as readable).
    pub room: Option<&'a str>,
    /// Only messages older than this cursor.
    pub before: Option<i64>,
    pub limit: u64,
}

#[derive(FromQueryResult)]
struct FoundRow {
    id: i64,
    seq: i64,
    text: String,
    timestamp: DateTime<Utc>,
    room: String,
    room_id: i64,
    kind: RoomKind,
    title: Option<String>,
    sender: Option<String>,
    thread: Option<i64>,
}

/// The store's handle on full-text search over what a user may read.
#[derive(Clone, Copy)]
pub struct FullText<'a>(&'a Store);

impl Store {
    /// Full-text search over what a user may read.
    pub fn full_text(&self) -> FullText<'_> {
        FullText(self)
    }
}

impl FullText<'_> {
    /// The newest messages matching the request, at most `limit`.
    pub async fn run(&self, request: SearchRequest<'_>) -> Result<Vec<Hit>, StoreError> {
        let deadline = Instant::now() + SEARCH_BUDGET;
        let _slot = tokio::time::timeout(SEARCH_BUDGET, self.0.search_slots().acquire())
            .await
            .map_err(|_| StoreError::TimedOut)?
            .map_err(|_| StoreError::Unavailable("the store is closing".into()))?;
        let backend = self.0.db().get_database_backend();
        let (sql, values) = search_sql(backend, &request);
        let rows = if backend == DbBackend::Postgres {
            postgres_rows(self.0.db(), &sql, values, deadline).await?
        } else {
            sqlite_rows(self.0.db(), &sql, values, deadline).await?
        };
        let direct: Vec<i64> = rows.iter().filter(|r| r.kind == RoomKind::Direct).map(|r| r.room_id).collect();
        let partners = self.0.rooms().partners(request.user_id, &direct).await?;
        Ok(rows
            .into_iter()
            .map(|row| Hit {
                room_label: room_label(&row.room, row.kind, row.title.as_deref(), partners.get(&row.room_id).map(String::as_str)),
                snippet: snippet(&row.text, request.query),
                room: row.room,
                seq: row.seq,
                sender: row.sender.unwrap_or_else(|| "[deleted]".to_owned()),
                timestamp: format_timestamp(row.timestamp),
                cursor: row.id,
                thread: row.thread,
            })
            .collect())
    }
}

/// Runs the search on PostgreSQL with what is left of the budget as its
/// statement timeout.
async fn postgres_rows(
    db: &DatabaseConnection,
    sql: &str,
    values: Vec<Value>,
    deadline: Instant,
) -> Result<Vec<FoundRow>, StoreError> {
    let left = deadline.saturating_duration_since(Instant::now()).as_millis().max(1);
    let txn = db.begin().await?;
    txn.execute_unprepared(&format!("SET LOCAL statement_timeout = {left}")).await?;
    let rows = FoundRow::find_by_statement(statement(&txn, sql, values)).all(&txn).await.map_err(|err| {
        // SQLSTATE 57014: canceled by the statement timeout.
        let canceled = matches!(&err, DbErr::Query(RuntimeErr::SqlxError(e)) | DbErr::Exec(RuntimeErr::SqlxError(e))
            if matches!(&**e, sqlx::Error::Database(db) if db.code().as_deref() == Some("57014")));
        if canceled { StoreError::TimedOut } else { StoreError::from(err) }
    })?;
    txn.commit().await?;
    Ok(rows)
}

/// Runs the search on its own SQLite connection, interrupted (`SQLITE_INTERRUPT`)
/// once `deadline` passes: SQLite has no statement timeout of its own.
async fn sqlite_rows(
    db: &DatabaseConnection,
    sql: &str,
    values: Vec<Value>,
    deadline: Instant,
) -> Result<Vec<FoundRow>, StoreError> {
    use sqlx::Row;

    let unavailable = |err: sqlx::Error| StoreError::Unavailable(err.to_string());
    let mut connection = db.get_sqlite_connection_pool().acquire().await.map_err(unavailable)?;
    connection.lock_handle().await.map_err(unavailable)?.set_progress_handler(STEPS_PER_CHECK, move || Instant::now() < deadline);
    // Built from constant pieces; every value is bound.
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()));
    for value in values {
        query = match value {
            Value::BigInt(Some(number)) => query.bind(number),
            Value::String(Some(text)) => query.bind(text),
            other => return Err(StoreError::Failed(format!("a search value of an unexpected type: {other:?}"))),
        };
    }
    let found = query.fetch_all(&mut *connection).await;
    // The connection goes back to the pool: without the handler.
    if let Ok(mut handle) = connection.lock_handle().await {
        handle.remove_progress_handler();
    }
    let rows = found.map_err(|err| match &err {
        // SQLITE_INTERRUPT (9): the progress handler said the time is up.
        sqlx::Error::Database(db) if db.code().and_then(|code| code.parse::<u32>().ok()).is_some_and(|code| code & 0xff == 9) => {
            StoreError::TimedOut
        }
        _ => StoreError::Failed(err.to_string()),
    })?;
    rows.iter()
        .map(|row| {
            let kind: String = row.try_get("kind")?;
            Ok(FoundRow {
                id: row.try_get("id")?,
                seq: row.try_get("seq")?,
                text: row.try_get("text")?,
                timestamp: row.try_get("timestamp")?,
                room: row.try_get("room")?,
                room_id: row.try_get("room_id")?,
                kind: kind.parse().map_err(|_| sqlx::Error::Decode(format!("room kind {kind:?}").into()))?,
                title: row.try_get("title")?,
                sender: row.try_get("sender")?,
                thread: row.try_get("thread")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(|err| StoreError::Failed(err.to_string()))
}

/// The search statement (with `?` placeholders) and its values.
fn search_sql(backend: DbBackend, request: &SearchRequest<'_>) -> (String, Vec<Value>) {
    let mut values: Vec<Value> = Vec::new();
    let columns = "m.id AS id, m.seq AS seq, m.text AS text, m.timestamp AS timestamp, r.name AS room, r.id AS room_id, \
                   r.kind AS kind, r.title AS title, u.username AS sender, m.thread AS thread";
    // CROSS JOIN keeps SQLite's join order as written: the full-text index is the
    // outer loop, walked newest first, and each match is looked up by key — the
    // other order would run the MATCH again for every message of a room.
    // (PostgreSQL has no `CROSS JOIN ... ON`, and its planner needs no hint.)
    let join = if backend == DbBackend::Sqlite { "CROSS JOIN" } else { "JOIN" };
    let joins = format!(r#"{join} room r ON r.id = m.room_id LEFT JOIN "user" u ON u.id = m.sender_id"#);
    let (from, mut conditions, id) = match (backend, request.query.to_fts5(), request.query.to_tsquery()) {
        (DbBackend::Sqlite, Some(fts), _) => {
            values.push(fts.into());
            // FTS5 walks its index in rowid order, newest first, and stops at the limit.
            ("message_fts f CROSS JOIN message m ON m.id = f.rowid", vec!["message_fts MATCH ?".to_owned()], "f.rowid")
        }
        (_, _, Some(tsquery)) => {
            values.push(tsquery.into());
            ("message m", vec!["m.search @@ to_tsquery('simple', ?)".to_owned()], "m.id")
        }
        // Only filters (`from:`): the messages themselves.
        _ => ("message m", vec!["m.kind IN ('message', 'topic')".to_owned(), "NOT m.deleted".to_owned()], "m.id"),
    };
    // The policy's read rule, as SQL (one `?`: the user).
    conditions.push(policy::readable_sql::readable_rooms("r"));
    values.push(request.user_id.into());
    if let Some(room) = request.room {
        conditions.push("r.name = ?".to_owned());
        values.push(room.to_owned().into());
    }
    if let Some(from) = &request.query.from {
        // By id, so that a `from:` alone walks that sender's index.
        conditions.push(r#"m.sender_id = (SELECT id FROM "user" WHERE username = ?)"#.to_owned());
        values.push(from.clone().into());
    }
    if let Some(before) = request.before {
        conditions.push(format!("{id} < ?"));
        values.push(before.into());
    }
    values.push((request.limit as i64).into());
    let sql = format!("SELECT {columns} FROM {from} {joins} WHERE {} ORDER BY {id} DESC LIMIT ?", conditions.join(" AND "));
    (sql, values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::{config::SqliteSync, storage::db};

    /// A statement that walks 200,000 rows to find one.
    const LONG_WALK: &str = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200000) \
        SELECT x AS id, x AS seq, 'w' AS text, '2026-12-02T00:00:00.000Z' AS timestamp, 'r' AS room, 1 AS room_id, \
        'public' AS kind, NULL AS title, NULL AS sender, NULL AS thread FROM c WHERE x = ?";

    #[tokio::test]
    async fn a_search_past_its_deadline_is_interrupted_and_the_connection_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("parlor.db").display());
        let db = db::connect_and_migrate(&url, SqliteSync::Full).await.unwrap();
        let spent = sqlite_rows(&db, LONG_WALK, vec![Value::BigInt(Some(199_999))], Instant::now()).await;
        assert!(matches!(spent, Err(StoreError::TimedOut)), "{:?}", spent.err());
        // Every connection of the pool answers again, without a handler left behind.
        for _ in 0..8 {
            let found = sqlite_rows(&db, LONG_WALK, vec![Value::BigInt(Some(199_999))], Instant::now() + SEARCH_BUDGET).await;
            let found = found.unwrap();
            assert_eq!((found.len(), found[0].seq, found[0].kind), (1, 199_999, RoomKind::Public));
        }
    }
}
