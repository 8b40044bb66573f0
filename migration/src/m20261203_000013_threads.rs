//! Threads: side conversations under a root message of a room.
//!
//! - `message.thread`: for a reply in a thread, the `seq` of its root (`NULL`
//!   otherwise). A reply that is not also shown in the room's timeline has no
//!   `n`, so the room's pages and unread counts (ranges of `n`) pass it by.
//! - `message.reply_count`, `last_reply_seq`, `last_reply_at`, `participants`:
//!   a root's summary, kept current by the writer as replies arrive (the first
//!   five who replied, comma-separated).
//! - `thread_follow`: who follows which thread, and how far they have read it
//!   (`last_read_seq`, only ever grows). Rows go with the room's access.

use sea_orm_migration::prelude::*;

use crate::m20261124_000001_accounts::User;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one at a time.
        let columns = [
            ColumnDef::new(Message::Thread).big_integer().null().to_owned(),
            ColumnDef::new(Message::ReplyCount).big_integer().not_null().default(0).to_owned(),
            ColumnDef::new(Message::LastReplySeq).big_integer().null().to_owned(),
            ColumnDef::new(Message::LastReplyAt).timestamp_with_time_zone().null().to_owned(),
            ColumnDef::new(Message::Participants).text().null().to_owned(),
        ];
        for mut column in columns {
            manager.alter_table(Table::alter().table(Message::Table).add_column(&mut column).to_owned()).await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_message_thread")
                    .table(Message::Table)
                    .col(Message::RoomId)
                    .col(Message::Thread)
                    .col(Message::Seq)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ThreadFollow::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(ThreadFollow::UserId).big_integer().not_null())
                    .col(ColumnDef::new(ThreadFollow::RoomId).big_integer().not_null())
                    .col(ColumnDef::new(ThreadFollow::Thread).big_integer().not_null())
                    .col(ColumnDef::new(ThreadFollow::LastReadSeq).big_integer().not_null())
                    .col(ColumnDef::new(ThreadFollow::FollowedAt).timestamp_with_time_zone().not_null())
                    .primary_key(Index::create().col(ThreadFollow::UserId).col(ThreadFollow::RoomId).col(ThreadFollow::Thread))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ThreadFollow::Table, ThreadFollow::UserId)
                            .to(User::Table, User::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ThreadFollow::Table, ThreadFollow::RoomId)
                            .to(Room::Table, Room::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_thread_follow_thread")
                    .table(ThreadFollow::Table)
                    .col(ThreadFollow::RoomId)
                    .col(ThreadFollow::Thread)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ThreadFollow::Table).to_owned()).await?;
        manager.drop_index(Index::drop().name("idx_message_thread").table(Message::Table).to_owned()).await?;
        for column in [Message::Participants, Message::LastReplyAt, Message::LastReplySeq, Message::ReplyCount, Message::Thread] {
            manager.alter_table(Table::alter().table(Message::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Message {
    Table,
    RoomId,
    Seq,
    Thread,
    ReplyCount,
    LastReplySeq,
    LastReplyAt,
    Participants,
}

#[derive(DeriveIden)]
enum Room {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ThreadFollow {
    Table,
    UserId,
    RoomId,
    Thread,
    LastReadSeq,
    FollowedAt,
}
