//! Messages outlive their sender, and idempotency is scoped to the room.
//!
//! - Deleting an account no longer deletes its messages (which would leave gaps
//!   in every room's `seq`): `message.sender_id` becomes nullable with
//!   `ON DELETE SET NULL`, and the history shows such a sender as deleted.
//! - A `client_id` is unique per sender *and room* (as Matrix scopes transaction
//!   ids by path): the same id sent to another room is a message of its own.
//!
//! SQLite cannot alter a foreign key, so there the table is rebuilt and copied.

use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

use crate::m20261124_000001_accounts::User;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Sqlite => {
                // One batch of statements on one connection: the copy, the drop and the
                // rename must see each other's schema.
                let rebuild = [
                    message_table(MessageNew::Table).to_string(SqliteQueryBuilder),
                    "INSERT INTO message_new (id, room_id, seq, sender_id, text, timestamp, client_id) \
                     SELECT id, room_id, seq, sender_id, text, timestamp, client_id FROM message"
                        .to_owned(),
                    "DROP TABLE message".to_owned(),
                    "ALTER TABLE message_new RENAME TO message".to_owned(),
                    room_seq_index().to_string(SqliteQueryBuilder),
                ];
                db.execute_unprepared(&rebuild.join(";\n")).await?;
            }
            _ => {
                db.execute_unprepared("ALTER TABLE message ALTER COLUMN sender_id DROP NOT NULL").await?;
                db.execute_unprepared("ALTER TABLE message DROP CONSTRAINT IF EXISTS message_sender_id_fkey").await?;
                db.execute_unprepared(
                    "ALTER TABLE message ADD CONSTRAINT fk_message_sender FOREIGN KEY (sender_id) \
                     REFERENCES \"user\" (id) ON DELETE SET NULL",
                )
                .await?;
                db.execute_unprepared("DROP INDEX IF EXISTS idx_message_sender_client_id").await?;
            }
        }
        manager.create_index(resend_index()).await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("messages cannot be made to cascade with their sender again".into()))
    }
}

/// The message table as it is from now on (created under a temporary name on SQLite).
fn message_table(name: MessageNew) -> TableCreateStatement {
    Table::create()
        .table(name)
        .col(ColumnDef::new(Message::Id).big_integer().not_null().auto_increment().primary_key())
        .col(ColumnDef::new(Message::RoomId).big_integer().not_null())
        .col(ColumnDef::new(Message::Seq).big_integer().not_null())
        .col(ColumnDef::new(Message::SenderId).big_integer().null())
        .col(ColumnDef::new(Message::Text).text().not_null())
        .col(ColumnDef::new(Message::Timestamp).timestamp_with_time_zone().not_null())
        .col(ColumnDef::new(Message::ClientId).string_len(64).null())
        .foreign_key(
            ForeignKey::create().from(name, Message::RoomId).to(Room::Table, Room::Id).on_delete(ForeignKeyAction::Cascade),
        )
        .foreign_key(
            ForeignKey::create().from(name, Message::SenderId).to(User::Table, User::Id).on_delete(ForeignKeyAction::SetNull),
        )
        .to_owned()
}

/// History pages (room, seq ranges), and one message per seq.
fn room_seq_index() -> IndexCreateStatement {
    Index::create().name("idx_message_room_seq").table(Message::Table).col(Message::RoomId).col(Message::Seq).unique().to_owned()
}

/// A resend (same sender, `client_id` and room) is stored once. NULL client ids never collide.
fn resend_index() -> IndexCreateStatement {
    Index::create()
        .name("idx_message_sender_client_room")
        .table(Message::Table)
        .col(Message::SenderId)
        .col(Message::ClientId)
        .col(Message::RoomId)
        .unique()
        .to_owned()
}

/// The rebuilt table's name until it replaces `message` (SQLite only).
#[derive(DeriveIden, Clone, Copy)]
enum MessageNew {
    Table,
}

#[derive(DeriveIden)]
enum Message {
    Table,
    Id,
    RoomId,
    Seq,
    SenderId,
    Text,
    Timestamp,
    ClientId,
}

#[derive(DeriveIden)]
enum Room {
    Table,
    Id,
}
