//! Rooms with doors: private rooms, direct messages, invitations, administrators.
//!
//! - `room.kind`: `public` (open by name, as before), `private` (members only)
//!   or `direct` (the conversation of two users).
//! - `room.owner_id`: who created it (manages its members and messages).
//! - `room.title`: what a private room is called (its name in URLs is random,
//!   so nobody can find it by guessing); for a public room, none.
//! - `room.direct_key`: for a direct room, `"{smaller user id}:{larger}"`,
//!   unique, so two users have one conversation.
//! - `user.is_admin`, `user.deactivated`: the first account is the
//!   administrator (on an existing instance, its oldest account); a
//!   deactivated account cannot log in and its messages stay.
//! - `invite`: the links that make their opener a member of a private room,
//!   each with an optional expiry, revocable.
//!
//! Membership changes of private rooms are events of the room (`message.kind`
//! `member_added`, `member_joined`, `member_removed`, `member_left`; `target` = the user's id),
//! so they take their place among the room's messages: nothing is stored for a
//! member after their removal, and a live socket stops at it.

use sea_orm_migration::prelude::*;

use crate::m20261124_000001_accounts::User;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for column in [
            ColumnDef::new(Room::Kind).string_len(16).not_null().default("public").to_owned(),
            ColumnDef::new(Room::OwnerId).big_integer().null().to_owned(),
            ColumnDef::new(Room::DirectKey).string_len(48).null().to_owned(),
            ColumnDef::new(Room::Title).string_len(256).null().to_owned(),
        ] {
            manager.alter_table(Table::alter().table(Room::Table).add_column(column).to_owned()).await?;
        }
        manager
            .create_index(Index::create().name("idx_room_direct_key").table(Room::Table).col(Room::DirectKey).unique().to_owned())
            .await?;
        for column in [
            ColumnDef::new(UserColumns::IsAdmin).boolean().not_null().default(false).to_owned(),
            ColumnDef::new(UserColumns::Deactivated).boolean().not_null().default(false).to_owned(),
        ] {
            manager.alter_table(Table::alter().table(User::Table).add_column(column).to_owned()).await?;
        }
        db.execute_unprepared(r#"UPDATE "user" SET is_admin = TRUE WHERE id = (SELECT MIN(id) FROM "user")"#).await?;
        manager
            .create_table(
                Table::create()
                    .table(Invite::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(Invite::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(Invite::Code).string_len(64).not_null().unique_key())
                    .col(ColumnDef::new(Invite::RoomId).big_integer().not_null())
                    .col(ColumnDef::new(Invite::CreatedBy).big_integer().null())
                    .col(ColumnDef::new(Invite::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Invite::ExpiresAt).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(Invite::Revoked).boolean().not_null().default(false))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Invite::Table, Invite::RoomId)
                            .to(Room::Table, Room::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Invite::Table, Invite::CreatedBy)
                            .to(User::Table, User::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Invite::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Room {
    Table,
    Id,
    Kind,
    OwnerId,
    DirectKey,
    Title,
}

#[derive(DeriveIden)]
enum UserColumns {
    IsAdmin,
    Deactivated,
}

#[derive(DeriveIden)]
enum Invite {
    Table,
    Id,
    Code,
    RoomId,
    CreatedBy,
    CreatedAt,
    ExpiresAt,
    Revoked,
}
