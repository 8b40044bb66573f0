//! Full-text search over the messages a user may read, with each database's
//! own engine (see the search migration): SQLite's FTS5 table, walked newest
//! first, or PostgreSQL's `tsvector` column and its GIN index. Only messages
//! of rooms the user may read are returned: the policy's read rule, as the
//! SQL condition `server::policy::search` generates from it.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, TransactionTrait, Value};

use super::{db::statement, error::StoreError, store::Store};
use crate::{
    protocol::{RoomKind, format_timestamp, room_label},
    search::{Hit, Query, snippet},
    server::policy,
};

/// How long PostgreSQL may spend on one search before it gives up.
const POSTGRES_SEARCH_TIMEOUT: &str = "3s";

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
}

impl Store {
    /// The newest messages matching the request, at most `limit`.
    pub async fn search(&self, request: SearchRequest<'_>) -> Result<Vec<Hit>, StoreError> {
        let backend = self.db().get_database_backend();
        let (sql, values) = search_sql(backend, &request);
        let rows = if backend == DbBackend::Postgres {
            let txn = self.db().begin().await?;
            txn.execute_unprepared(&format!("SET LOCAL statement_timeout = '{POSTGRES_SEARCH_TIMEOUT}'")).await?;
            let rows = FoundRow::find_by_statement(statement(&txn, &sql, values)).all(&txn).await?;
            txn.commit().await?;
            rows
        } else {
            FoundRow::find_by_statement(statement(self.db(), &sql, values)).all(self.db()).await?
        };
        let direct: Vec<i64> = rows.iter().filter(|r| r.kind == RoomKind::Direct).map(|r| r.room_id).collect();
        let partners = self.partners(request.user_id, &direct).await?;
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
            })
            .collect())
    }
}

/// The search statement (with `?` placeholders) and its values.
fn search_sql(backend: DbBackend, request: &SearchRequest<'_>) -> (String, Vec<Value>) {
    let mut values: Vec<Value> = Vec::new();
    let columns = "m.id AS id, m.seq AS seq, m.text AS text, m.timestamp AS timestamp, r.name AS room, r.id AS room_id, \
                   r.kind AS kind, r.title AS title, u.username AS sender";
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
        _ => ("message m", vec!["m.kind = 'message'".to_owned(), "NOT m.deleted".to_owned()], "m.id"),
    };
    // The policy's read rule, as SQL (one `?`: the user).
    conditions.push(policy::search::readable_rooms("r"));
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
