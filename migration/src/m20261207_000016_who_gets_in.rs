//! Who gets in: the registration mode, account invitations, password reset
//! links, e-mail addresses and the mail outbox, and single sign-on identities.
//!
//! - `server_setting`: settings an administrator changes while Parlor runs,
//!   read by every instance (`registration`: `open`, `invite` or `closed`).
//! - `invitation`: a `/welcome/{code}` link (128 random bits) that lets
//!   `uses` people register, until it expires or is revoked; optionally with
//!   rooms the new account joins.
//! - `password_reset`: a one-time `/reset/{token}` link, kept as the SHA-256
//!   of the token, valid until `expires_at`.
//! - `email_address`: a user's address, verified or waiting for its link
//!   (`verify_hash`), whether they are mailed what they missed (`notify`), and
//!   the token of the mails' one-click unsubscribe link.
//! - `mail_outbox`: one row per (user, room) while a mention or direct message
//!   waits to be mailed (coalescing the room's later ones); deleted once
//!   mailed, or read in time.
//! - `oidc_identity`: an account's single sign-on identity, by (`issuer`, `subject`).

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
                    .table(ServerSetting::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(ServerSetting::Key).string_len(64).not_null().primary_key())
                    .col(ColumnDef::new(ServerSetting::Value).text().not_null())
                    .col(ColumnDef::new(ServerSetting::UpdatedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Invitation::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(Invitation::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(Invitation::Code).string_len(32).not_null().unique_key())
                    .col(ColumnDef::new(Invitation::Uses).integer().not_null())
                    .col(ColumnDef::new(Invitation::Used).integer().not_null().default(0))
                    .col(ColumnDef::new(Invitation::ExpiresAt).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(Invitation::Revoked).boolean().not_null().default(false))
                    .col(ColumnDef::new(Invitation::Rooms).text().null())
                    .col(ColumnDef::new(Invitation::CreatedBy).big_integer().null())
                    .col(ColumnDef::new(Invitation::CreatedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PasswordReset::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(PasswordReset::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(PasswordReset::TokenHash).string_len(64).not_null().unique_key())
                    .col(ColumnDef::new(PasswordReset::UserId).big_integer().not_null())
                    .col(ColumnDef::new(PasswordReset::ExpiresAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(PasswordReset::UsedAt).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(PasswordReset::CreatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(&mut cascade(PasswordReset::Table, PasswordReset::UserId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EmailAddress::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(EmailAddress::UserId).big_integer().not_null().primary_key())
                    .col(ColumnDef::new(EmailAddress::Address).string_len(254).not_null())
                    .col(ColumnDef::new(EmailAddress::Verified).boolean().not_null().default(false))
                    .col(ColumnDef::new(EmailAddress::VerifyHash).string_len(64).null().unique_key())
                    .col(ColumnDef::new(EmailAddress::VerifyExpiresAt).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(EmailAddress::Notify).boolean().not_null().default(true))
                    .col(ColumnDef::new(EmailAddress::UnsubscribeToken).string_len(32).not_null().unique_key())
                    .col(ColumnDef::new(EmailAddress::CreatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(&mut cascade(EmailAddress::Table, EmailAddress::UserId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_email_address_address")
                    .table(EmailAddress::Table)
                    .col(EmailAddress::Address)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MailOutbox::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(MailOutbox::UserId).big_integer().not_null())
                    .col(ColumnDef::new(MailOutbox::RoomId).big_integer().not_null())
                    .col(ColumnDef::new(MailOutbox::FirstSeq).big_integer().not_null())
                    .col(ColumnDef::new(MailOutbox::LastSeq).big_integer().not_null())
                    .col(ColumnDef::new(MailOutbox::Count).integer().not_null())
                    .col(ColumnDef::new(MailOutbox::DueAt).big_integer().not_null())
                    .col(ColumnDef::new(MailOutbox::Attempts).integer().not_null().default(0))
                    .primary_key(Index::create().col(MailOutbox::UserId).col(MailOutbox::RoomId))
                    .foreign_key(&mut cascade(MailOutbox::Table, MailOutbox::UserId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(MailOutbox::Table, MailOutbox::RoomId)
                            .to(Room::Table, Room::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("idx_mail_outbox_due").table(MailOutbox::Table).col(MailOutbox::DueAt).to_owned())
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OidcIdentity::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(OidcIdentity::Issuer).text().not_null())
                    .col(ColumnDef::new(OidcIdentity::Subject).text().not_null())
                    .col(ColumnDef::new(OidcIdentity::UserId).big_integer().not_null())
                    .col(ColumnDef::new(OidcIdentity::CreatedAt).timestamp_with_time_zone().not_null())
                    .primary_key(Index::create().col(OidcIdentity::Issuer).col(OidcIdentity::Subject))
                    .foreign_key(&mut cascade(OidcIdentity::Table, OidcIdentity::UserId))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            OidcIdentity::Table.into_iden(),
            MailOutbox::Table.into_iden(),
            EmailAddress::Table.into_iden(),
            PasswordReset::Table.into_iden(),
            Invitation::Table.into_iden(),
            ServerSetting::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

/// A foreign key from `table.user_id` to the account, gone with it.
fn cascade(table: impl IntoIden, column: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(table, column).to(User::Table, User::Id).on_delete(ForeignKeyAction::Cascade).to_owned()
}

#[derive(DeriveIden)]
enum Room {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ServerSetting {
    Table,
    Key,
    Value,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Invitation {
    Table,
    Id,
    Code,
    Uses,
    Used,
    ExpiresAt,
    Revoked,
    Rooms,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PasswordReset {
    Table,
    Id,
    TokenHash,
    UserId,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum EmailAddress {
    Table,
    UserId,
    Address,
    Verified,
    VerifyHash,
    VerifyExpiresAt,
    Notify,
    UnsubscribeToken,
    CreatedAt,
}

#[derive(DeriveIden)]
enum MailOutbox {
    Table,
    UserId,
    RoomId,
    FirstSeq,
    LastSeq,
    Count,
    DueAt,
    Attempts,
}

#[derive(DeriveIden)]
enum OidcIdentity {
    Table,
    Issuer,
    Subject,
    UserId,
    CreatedAt,
}
