//! Who is in which room and what they have read, and who was mentioned where.
//!
//! - `membership`: a user's rooms. A row appears when the user opens or posts
//!   in a room, or is mentioned in it, and goes when they leave (history stays).
//!   It keeps the last `seq` the user has read and the room's notification level.
//! - `mention`: one row per user mentioned by a message, so that a user's
//!   mention count in a room is a range of one index.
//! - `message.mentions`: the usernames a message mentions, comma-separated,
//!   so that history reads need no join.

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
                    .table(Membership::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(Membership::UserId).big_integer().not_null())
                    .col(ColumnDef::new(Membership::RoomId).big_integer().not_null())
                    .col(ColumnDef::new(Membership::LastReadSeq).big_integer().not_null().default(0))
                    .col(ColumnDef::new(Membership::Notify).string_len(16).not_null().default("mentions"))
                    .col(ColumnDef::new(Membership::JoinedAt).timestamp_with_time_zone().not_null())
                    .primary_key(Index::create().col(Membership::UserId).col(Membership::RoomId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Membership::Table, Membership::UserId)
                            .to(User::Table, User::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Membership::Table, Membership::RoomId)
                            .to(Room::Table, Room::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // The members of a room (presence checks, mention completion).
        manager
            .create_index(Index::create().name("idx_membership_room").table(Membership::Table).col(Membership::RoomId).to_owned())
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Mention::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(Mention::UserId).big_integer().not_null())
                    .col(ColumnDef::new(Mention::RoomId).big_integer().not_null())
                    .col(ColumnDef::new(Mention::Seq).big_integer().not_null())
                    .primary_key(Index::create().col(Mention::UserId).col(Mention::RoomId).col(Mention::Seq))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Mention::Table, Mention::UserId)
                            .to(User::Table, User::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Mention::Table, Mention::RoomId)
                            .to(Room::Table, Room::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter().table(Message::Table).add_column(ColumnDef::new(Message::Mentions).text().null()).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Mention::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Membership::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Membership {
    Table,
    UserId,
    RoomId,
    LastReadSeq,
    Notify,
    JoinedAt,
}

#[derive(DeriveIden)]
enum Mention {
    Table,
    UserId,
    RoomId,
    Seq,
}

#[derive(DeriveIden)]
enum Message {
    Table,
    Mentions,
}

#[derive(DeriveIden)]
enum Room {
    Table,
    Id,
}
