//! `user.share_reads`: whether others see how far the user has read ("Seen
//! by" in small rooms). On by default; a user who turns it off is never shown
//! and is shown no one's reads. No read times are stored, only the markers
//! that already exist.

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
                    .add_column(ColumnDef::new(UserColumns::ShareReads).boolean().not_null().default(true))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(User::Table).drop_column(UserColumns::ShareReads).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum UserColumns {
    ShareReads,
}
