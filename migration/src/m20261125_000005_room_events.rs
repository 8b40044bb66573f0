//! Messages that change: every event of a room — a message, an edit, a
//! deletion, a reaction added or removed — is a row of `message` with its own
//! `seq`, so a replay after N is the rows after N, in order.
//!
//! - `message.kind`: `message`, `edit`, `delete`, `react` or `unreact`.
//! - `message.target`: the `seq` of the message an edit, deletion or reaction is about.
//! - `message.n`: a message's place among the room's messages (1, 2, 3, ...),
//!   `NULL` for other events, so history pages are ranges of messages even
//!   though seqs now interleave with events.
//! - `message.edited_at`, `message.deleted`: a message's current state (its
//!   text is the current text; a deleted message keeps its row, text removed).
//! - `message.reply_to`: the `seq` of the message a message answers.
//! - `room.message_count`: the room's newest `n`.
//! - `membership.last_read_n`: the `n` of the newest message read, so unread
//!   counts stay a subtraction.
//! - `reaction`: who reacted with what to which message, now.

use sea_orm_migration::prelude::*;

use crate::m20261124_000001_accounts::User;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for column in [
            ColumnDef::new(Message::Kind).string_len(16).not_null().default("message").to_owned(),
            ColumnDef::new(Message::Target).big_integer().null().to_owned(),
            ColumnDef::new(Message::N).big_integer().null().to_owned(),
            ColumnDef::new(Message::EditedAt).timestamp_with_time_zone().null().to_owned(),
            ColumnDef::new(Message::Deleted).boolean().not_null().default(false).to_owned(),
            ColumnDef::new(Message::ReplyTo).big_integer().null().to_owned(),
        ] {
            manager.alter_table(Table::alter().table(Message::Table).add_column(column).to_owned()).await?;
        }
        // Until now every row was a message, and seqs had no gaps.
        db.execute_unprepared("UPDATE message SET n = seq").await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_message_room_n")
                    .table(Message::Table)
                    .col(Message::RoomId)
                    .col(Message::N)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Room::Table)
                    .add_column(ColumnDef::new(Room::MessageCount).big_integer().not_null().default(0))
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared("UPDATE room SET message_count = last_seq").await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Membership::Table)
                    .add_column(ColumnDef::new(Membership::LastReadN).big_integer().not_null().default(0))
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared("UPDATE membership SET last_read_n = last_read_seq").await?;
        manager
            .create_table(
                Table::create()
                    .table(Reaction::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(Reaction::RoomId).big_integer().not_null())
                    .col(ColumnDef::new(Reaction::Target).big_integer().not_null())
                    .col(ColumnDef::new(Reaction::UserId).big_integer().not_null())
                    .col(ColumnDef::new(Reaction::Emoji).string_len(64).not_null())
                    .col(ColumnDef::new(Reaction::CreatedAt).timestamp_with_time_zone().not_null())
                    .primary_key(
                        Index::create().col(Reaction::RoomId).col(Reaction::Target).col(Reaction::UserId).col(Reaction::Emoji),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Reaction::Table, Reaction::RoomId)
                            .to(Room::Table, Room::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Reaction::Table, Reaction::UserId)
                            .to(User::Table, User::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Reaction::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Message {
    Table,
    RoomId,
    Kind,
    Target,
    N,
    EditedAt,
    Deleted,
    ReplyTo,
}

#[derive(DeriveIden)]
enum Room {
    Table,
    Id,
    MessageCount,
}

#[derive(DeriveIden)]
enum Membership {
    Table,
    LastReadN,
}

#[derive(DeriveIden)]
enum Reaction {
    Table,
    RoomId,
    Target,
    UserId,
    Emoji,
    CreatedAt,
}
