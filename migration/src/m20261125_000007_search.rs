//! Full-text search over messages, with each database's own engine, kept in
//! step with every write in the writer's own transaction:
//!
//! - SQLite: an FTS5 table `message_fts` over `message.text` (external content,
//!   so the text is stored once), maintained by triggers: a new message is
//!   indexed, an edit replaces its entry, a deletion removes it. Edits,
//!   reactions and other events are never indexed (their rows are not messages).
//! - PostgreSQL: a generated `tsvector` column `message.search` (`simple`
//!   configuration: no stemming, the same words as SQLite's `unicode61`) with a
//!   GIN index; it is `NULL` for deleted messages and for other events.

use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_UP: &[&str] = &[
    // Prefix indexes for 2- and 3-letter prefixes: the short ones match the most terms.
    "CREATE VIRTUAL TABLE message_fts USING fts5(text, content='message', content_rowid='id', \
       tokenize='unicode61 remove_diacritics 2', prefix='2 3')",
    "CREATE TRIGGER message_fts_insert AFTER INSERT ON message WHEN new.kind = 'message' AND NOT new.deleted BEGIN \
       INSERT INTO message_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER message_fts_update AFTER UPDATE OF text, deleted ON message WHEN old.kind = 'message' BEGIN \
       INSERT INTO message_fts(message_fts, rowid, text) SELECT 'delete', old.id, old.text WHERE NOT old.deleted; \
       INSERT INTO message_fts(rowid, text) SELECT new.id, new.text WHERE NOT new.deleted; END",
    "CREATE TRIGGER message_fts_delete AFTER DELETE ON message WHEN old.kind = 'message' AND NOT old.deleted BEGIN \
       INSERT INTO message_fts(message_fts, rowid, text) VALUES ('delete', old.id, old.text); END",
    "INSERT INTO message_fts(rowid, text) SELECT id, text FROM message WHERE kind = 'message' AND NOT deleted",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER message_fts_insert",
    "DROP TRIGGER message_fts_update",
    "DROP TRIGGER message_fts_delete",
    "DROP TABLE message_fts",
];

const POSTGRES_UP: &[&str] = &[
    "ALTER TABLE message ADD COLUMN search tsvector GENERATED ALWAYS AS \
       (CASE WHEN kind = 'message' AND NOT deleted THEN to_tsvector('simple', text) END) STORED",
    "CREATE INDEX idx_message_search ON message USING GIN (search)",
];

const POSTGRES_DOWN: &[&str] = &["DROP INDEX idx_message_search", "ALTER TABLE message DROP COLUMN search"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, SQLITE_UP, POSTGRES_UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, SQLITE_DOWN, POSTGRES_DOWN).await
    }
}

async fn run(manager: &SchemaManager<'_>, sqlite: &[&str], postgres: &[&str]) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let statements = match manager.get_database_backend() {
        DbBackend::Sqlite => sqlite,
        _ => postgres,
    };
    for statement in statements {
        db.execute_unprepared(statement).await?;
    }
    Ok(())
}
