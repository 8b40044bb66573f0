//! Rooms and their messages. A room keeps the last `seq` it handed out so that the
//! next one is assigned under the room row's write lock, in the message's own
//! transaction: gap-free and unique per room on SQLite and PostgreSQL alike.

use sea_orm_migration::prelude::*;

use crate::m20261124_000001_accounts::User;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Room::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(Room::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(Room::Name).string_len(64).not_null().unique_key())
                    .col(ColumnDef::new(Room::LastSeq).big_integer().not_null().default(0))
                    .col(ColumnDef::new(Room::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Room::LastActivity).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("idx_room_last_activity").table(Room::Table).col(Room::LastActivity).to_owned())
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Message::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(Message::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(Message::RoomId).big_integer().not_null())
                    .col(ColumnDef::new(Message::Seq).big_integer().not_null())
                    .col(ColumnDef::new(Message::SenderId).big_integer().not_null())
                    .col(ColumnDef::new(Message::Text).text().not_null())
                    .col(ColumnDef::new(Message::Timestamp).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Message::ClientId).string_len(64).null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(Message::Table, Message::RoomId)
                            .to(Room::Table, Room::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Message::Table, Message::SenderId)
                            .to(User::Table, User::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Serves history pages (room, seq ranges) and guarantees one message per seq.
        manager
            .create_index(
                Index::create()
                    .name("idx_message_room_seq")
                    .table(Message::Table)
                    .col(Message::RoomId)
                    .col(Message::Seq)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // Makes a resend with the same client_id a no-op. NULL client ids never collide.
        manager
            .create_index(
                Index::create()
                    .name("idx_message_sender_client_id")
                    .table(Message::Table)
                    .col(Message::SenderId)
                    .col(Message::ClientId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Message::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Room::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Room {
    Table,
    Id,
    Name,
    LastSeq,
    CreatedAt,
    LastActivity,
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
