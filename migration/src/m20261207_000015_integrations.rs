//! Integrations: API tokens, bots, incoming webhooks, outgoing event
//! subscriptions with their per-room delivery cursors, and bots' commands.
//!
//! - `user.kind`: `person` (logs in with a password), `bot` (an
//!   administrator's; API tokens only) or `hook` (an incoming webhook's own
//!   account: it only posts through its URL); `user.created_by`: who made a
//!   bot or hook account.
//! - `message.display_as`: the name an incoming webhook's message is shown
//!   under (the payload's `username`), beside the hook's own account.
//! - `api_token`: a bearer token, kept as the SHA-256 of the token (shown
//!   once), gone with its account.
//! - `incoming_hook`: a room's webhook URL, kept as the SHA-256 of its secret;
//!   revoked rows stay (a revoked URL answers 410, not 404).
//! - `event_subscription`: a bot's URL for a room's events, tied to the token
//!   that made it (revoking the token ends it); its lease (`lease_owner`,
//!   `lease_until`, Unix ms) lets one instance deliver it at a time.
//! - `delivery_cursor`: per subscription and room, the newest `seq` delivered
//!   (or passed over), whether the bot was a member there at that point, and
//!   the retry state of the next delivery.
//! - `bot_command`: a `/name` a bot registered; typing it sends the bot an
//!   event instead of a message.

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
                    .add_column(ColumnDef::new(UserColumns::Kind).string_len(8).not_null().default("person"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(User::Table)
                    .add_column(ColumnDef::new(UserColumns::CreatedBy).big_integer().null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter().table(Message::Table).add_column(ColumnDef::new(Message::DisplayAs).text().null()).to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ApiToken::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(ApiToken::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(ApiToken::UserId).big_integer().not_null())
                    .col(ColumnDef::new(ApiToken::Name).string_len(64).not_null())
                    .col(ColumnDef::new(ApiToken::TokenHash).string_len(64).not_null().unique_key())
                    .col(ColumnDef::new(ApiToken::Hint).string_len(16).not_null())
                    .col(ColumnDef::new(ApiToken::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(ApiToken::LastUsedAt).timestamp_with_time_zone().null())
                    .foreign_key(&mut cascade(ApiToken::Table, ApiToken::UserId, User::Table, User::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("idx_api_token_user").table(ApiToken::Table).col(ApiToken::UserId).to_owned())
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(IncomingHook::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(IncomingHook::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(IncomingHook::RoomId).big_integer().not_null())
                    .col(ColumnDef::new(IncomingHook::UserId).big_integer().not_null())
                    .col(ColumnDef::new(IncomingHook::Name).string_len(64).not_null())
                    .col(ColumnDef::new(IncomingHook::SecretHash).string_len(64).not_null().unique_key())
                    .col(ColumnDef::new(IncomingHook::CreatedBy).big_integer().null())
                    .col(ColumnDef::new(IncomingHook::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(IncomingHook::LastUsedAt).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(IncomingHook::RevokedAt).timestamp_with_time_zone().null())
                    .foreign_key(&mut cascade(IncomingHook::Table, IncomingHook::RoomId, Room::Table, Room::Id))
                    .foreign_key(&mut cascade(IncomingHook::Table, IncomingHook::UserId, User::Table, User::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("idx_incoming_hook_room").table(IncomingHook::Table).col(IncomingHook::RoomId).to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EventSubscription::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(EventSubscription::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(EventSubscription::UserId).big_integer().not_null())
                    .col(ColumnDef::new(EventSubscription::TokenId).big_integer().not_null())
                    .col(ColumnDef::new(EventSubscription::Url).text().not_null())
                    .col(ColumnDef::new(EventSubscription::Secret).text().not_null())
                    .col(ColumnDef::new(EventSubscription::AllRooms).boolean().not_null())
                    .col(ColumnDef::new(EventSubscription::Events).string_len(64).not_null())
                    .col(ColumnDef::new(EventSubscription::PausedAt).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(EventSubscription::PausedReason).text().null())
                    .col(ColumnDef::new(EventSubscription::LeaseOwner).big_integer().null())
                    .col(ColumnDef::new(EventSubscription::LeaseUntil).big_integer().null())
                    .col(ColumnDef::new(EventSubscription::CreatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(&mut cascade(EventSubscription::Table, EventSubscription::UserId, User::Table, User::Id))
                    .foreign_key(&mut cascade(
                        EventSubscription::Table,
                        EventSubscription::TokenId,
                        ApiToken::Table,
                        ApiToken::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_event_subscription_user")
                    .table(EventSubscription::Table)
                    .col(EventSubscription::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DeliveryCursor::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(DeliveryCursor::SubscriptionId).big_integer().not_null())
                    .col(ColumnDef::new(DeliveryCursor::RoomId).big_integer().not_null())
                    .col(ColumnDef::new(DeliveryCursor::DeliveredSeq).big_integer().not_null())
                    .col(ColumnDef::new(DeliveryCursor::Member).boolean().not_null())
                    .col(ColumnDef::new(DeliveryCursor::Attempts).integer().not_null().default(0))
                    .col(ColumnDef::new(DeliveryCursor::DueAt).big_integer().not_null().default(0))
                    .col(ColumnDef::new(DeliveryCursor::FailingSince).big_integer().null())
                    .col(ColumnDef::new(DeliveryCursor::LastError).text().null())
                    .primary_key(Index::create().col(DeliveryCursor::SubscriptionId).col(DeliveryCursor::RoomId))
                    .foreign_key(&mut cascade(
                        DeliveryCursor::Table,
                        DeliveryCursor::SubscriptionId,
                        EventSubscription::Table,
                        EventSubscription::Id,
                    ))
                    .foreign_key(&mut cascade(DeliveryCursor::Table, DeliveryCursor::RoomId, Room::Table, Room::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(BotCommand::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(BotCommand::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(BotCommand::Name).string_len(32).not_null().unique_key())
                    .col(ColumnDef::new(BotCommand::Description).string_len(200).not_null())
                    .col(ColumnDef::new(BotCommand::UserId).big_integer().not_null())
                    .col(ColumnDef::new(BotCommand::CreatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(&mut cascade(BotCommand::Table, BotCommand::UserId, User::Table, User::Id))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(BotCommand::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(DeliveryCursor::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(EventSubscription::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(IncomingHook::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(ApiToken::Table).to_owned()).await?;
        manager.alter_table(Table::alter().table(Message::Table).drop_column(Message::DisplayAs).to_owned()).await?;
        manager.alter_table(Table::alter().table(User::Table).drop_column(UserColumns::CreatedBy).to_owned()).await?;
        manager.alter_table(Table::alter().table(User::Table).drop_column(UserColumns::Kind).to_owned()).await
    }
}

/// A foreign key from `table.column` to `to.id` whose rows go with the row they point to.
fn cascade(table: impl IntoIden, column: impl IntoIden, to: impl IntoIden, id: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(table, column).to(to, id).on_delete(ForeignKeyAction::Cascade).to_owned()
}

#[derive(DeriveIden)]
enum UserColumns {
    Kind,
    CreatedBy,
}

#[derive(DeriveIden)]
enum Room {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Message {
    Table,
    DisplayAs,
}

#[derive(DeriveIden)]
enum ApiToken {
    Table,
    Id,
    UserId,
    Name,
    TokenHash,
    Hint,
    CreatedAt,
    LastUsedAt,
}

#[derive(DeriveIden)]
enum IncomingHook {
    Table,
    Id,
    RoomId,
    UserId,
    Name,
    SecretHash,
    CreatedBy,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum EventSubscription {
    Table,
    Id,
    UserId,
    TokenId,
    Url,
    Secret,
    AllRooms,
    Events,
    PausedAt,
    PausedReason,
    LeaseOwner,
    LeaseUntil,
    CreatedAt,
}

#[derive(DeriveIden)]
enum DeliveryCursor {
    Table,
    SubscriptionId,
    RoomId,
    DeliveredSeq,
    Member,
    Attempts,
    DueAt,
    FailingSince,
    LastError,
}

#[derive(DeriveIden)]
enum BotCommand {
    Table,
    Id,
    Name,
    Description,
    UserId,
    CreatedAt,
}
