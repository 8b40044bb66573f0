//! Account settings:
//!
//! - `user.display_name`: a name shown beside the username (optional).
//! - `device`: one row per logged-in session — a public `handle` (the session
//!   id itself is a secret and never shown), the session's user, its browser
//!   (`user_agent`), when it logged in and when it was last used — so that a
//!   user can list their sessions and end one, or all.

use sea_orm_migration::prelude::*;

use crate::m20261124_000001_accounts::User;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(User::Table)
                    .add_column(ColumnDef::new(UserColumns::DisplayName).string_len(64).null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Device::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(Device::Handle).string_len(32).not_null().primary_key())
                    .col(ColumnDef::new(Device::SessionId).string_len(128).not_null().unique_key())
                    .col(ColumnDef::new(Device::UserId).big_integer().not_null())
                    .col(ColumnDef::new(Device::UserAgent).string_len(512).not_null())
                    .col(ColumnDef::new(Device::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Device::LastSeen).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(Device::Table, Device::UserId)
                            .to(User::Table, User::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager.create_index(Index::create().name("idx_device_user").table(Device::Table).col(Device::UserId).to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Device::Table).to_owned()).await?;
        manager.alter_table(Table::alter().table(User::Table).drop_column(UserColumns::DisplayName).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum UserColumns {
    DisplayName,
}

#[derive(DeriveIden)]
enum Device {
    Table,
    Handle,
    SessionId,
    UserId,
    UserAgent,
    CreatedAt,
    LastSeen,
}
