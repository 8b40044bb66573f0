//! Trust IV: what a person is told after an account's recovery.
//!
//! - `email_undo`: a link mailed to the old verified address when an account's
//!   address changes (or is removed), kept as the SHA-256 of its token: for 7
//!   days it puts the old address back, ends every session and lets its owner
//!   choose a new password.
//! - `account_notice`: what the account's settings page tells its owner once
//!   (the API tokens a password change or reset revoked), until dismissed.

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
                    .table(EmailUndo::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(EmailUndo::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(EmailUndo::TokenHash).string_len(64).not_null().unique_key())
                    .col(ColumnDef::new(EmailUndo::UserId).big_integer().not_null())
                    .col(ColumnDef::new(EmailUndo::OldAddress).string_len(254).not_null())
                    .col(ColumnDef::new(EmailUndo::NewAddress).string_len(254).null())
                    .col(ColumnDef::new(EmailUndo::ExpiresAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(EmailUndo::UsedAt).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(EmailUndo::CreatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(&mut cascade(EmailUndo::Table, EmailUndo::UserId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AccountNotice::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(AccountNotice::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(AccountNotice::UserId).big_integer().not_null())
                    .col(ColumnDef::new(AccountNotice::Kind).string_len(32).not_null())
                    .col(ColumnDef::new(AccountNotice::Detail).text().not_null())
                    .col(ColumnDef::new(AccountNotice::CreatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(&mut cascade(AccountNotice::Table, AccountNotice::UserId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("idx_account_notice_user").table(AccountNotice::Table).col(AccountNotice::UserId).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(AccountNotice::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(EmailUndo::Table).to_owned()).await
    }
}

/// A foreign key from `table.user_id` to the account, gone with it.
fn cascade(table: impl IntoIden, column: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(table, column).to(User::Table, User::Id).on_delete(ForeignKeyAction::Cascade).to_owned()
}

#[derive(DeriveIden)]
enum EmailUndo {
    Table,
    Id,
    TokenHash,
    UserId,
    OldAddress,
    NewAddress,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AccountNotice {
    Table,
    Id,
    UserId,
    Kind,
    Detail,
    CreatedAt,
}
