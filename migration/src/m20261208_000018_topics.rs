//! Room topics: `room.topic` holds a room's current topic (set by its newest
//! `topic` event, a room event like any other), and topic events are indexed
//! for search like messages (SQLite's FTS5 triggers and PostgreSQL's
//! generated `tsvector` take `kind IN ('message', 'topic')`).

use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_UP: &[&str] = &[
    "DROP TRIGGER message_fts_insert",
    "DROP TRIGGER message_fts_update",
    "DROP TRIGGER message_fts_delete",
    "CREATE TRIGGER message_fts_insert AFTER INSERT ON message WHEN new.kind IN ('message', 'topic') AND NOT new.deleted BEGIN \
       INSERT INTO message_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER message_fts_update AFTER UPDATE OF text, deleted ON message WHEN old.kind IN ('message', 'topic') BEGIN \
       INSERT INTO message_fts(message_fts, rowid, text) SELECT 'delete', old.id, old.text WHERE NOT old.deleted; \
       INSERT INTO message_fts(rowid, text) SELECT new.id, new.text WHERE NOT new.deleted; END",
    "CREATE TRIGGER message_fts_delete AFTER DELETE ON message WHEN old.kind IN ('message', 'topic') AND NOT old.deleted BEGIN \
       INSERT INTO message_fts(message_fts, rowid, text) VALUES ('delete', old.id, old.text); END",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER message_fts_insert",
    "DROP TRIGGER message_fts_update",
    "DROP TRIGGER message_fts_delete",
    "CREATE TRIGGER message_fts_insert AFTER INSERT ON message WHEN new.kind = 'message' AND NOT new.deleted BEGIN \
       INSERT INTO message_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER message_fts_update AFTER UPDATE OF text, deleted ON message WHEN old.kind = 'message' BEGIN \
       INSERT INTO message_fts(message_fts, rowid, text) SELECT 'delete', old.id, old.text WHERE NOT old.deleted; \
       INSERT INTO message_fts(rowid, text) SELECT new.id, new.text WHERE NOT new.deleted; END",
    "CREATE TRIGGER message_fts_delete AFTER DELETE ON message WHEN old.kind = 'message' AND NOT old.deleted BEGIN \
       INSERT INTO message_fts(message_fts, rowid, text) VALUES ('delete', old.id, old.text); END",
];

const POSTGRES_UP: &[&str] = &[
    "DROP INDEX idx_message_search",
    "ALTER TABLE message DROP COLUMN search",
    "ALTER TABLE message ADD COLUMN search tsvector GENERATED ALWAYS AS \
       (CASE WHEN kind IN ('message', 'topic') AND NOT deleted THEN to_tsvector('simple', text) END) STORED",
    "CREATE INDEX idx_message_search ON message USING GIN (search)",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP INDEX idx_message_search",
    "ALTER TABLE message DROP COLUMN search",
    "ALTER TABLE message ADD COLUMN search tsvector GENERATED ALWAYS AS \
       (CASE WHEN kind = 'message' AND NOT deleted THEN to_tsvector('simple', text) END) STORED",
    "CREATE INDEX idx_message_search ON message USING GIN (search)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Room::Table).add_column(ColumnDef::new(Room::Topic).text().null()).to_owned())
            .await?;
        run(manager, SQLITE_UP, POSTGRES_UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, SQLITE_DOWN, POSTGRES_DOWN).await?;
        manager.alter_table(Table::alter().table(Room::Table).drop_column(Room::Topic).to_owned()).await
    }
}

/// Runs `statements` as one script, so that they share one connection: on
/// SQLite, a trigger dropped on one pooled connection can still exist in
/// another's cached schema, which then refuses to create it again.
async fn run(manager: &SchemaManager<'_>, sqlite: &[&str], postgres: &[&str]) -> Result<(), DbErr> {
    let statements = match manager.get_database_backend() {
        DbBackend::Sqlite => sqlite,
        _ => postgres,
    };
    manager.get_connection().execute_unprepared(&statements.join(";\n")).await?;
    Ok(())
}

#[derive(DeriveIden)]
enum Room {
    Table,
    Topic,
}
