//! Web Push: the server's VAPID key, the browsers' push subscriptions, and
//! the outbox the worker delivers from.
//!
//! - `push_key`: one row (`id` 1), the P-256 key pair every instance signs
//!   with (made at first start; base64url).
//! - `push_subscription`: a browser's push endpoint and keys, tied to the
//!   logged-in session's device row: it goes with the session (log-out,
//!   log-out everywhere, password change, deactivation, expiry).
//! - `push_outbox`: one row per (subscription, room, event seq, kind),
//!   written in the same transaction as the event it is about; the worker
//!   claims due rows (`lease_until`), pushes them and records the outcome
//!   (`state`). Its times are Unix milliseconds. Rows go with their subscription.

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
                    .table(PushKey::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(PushKey::Id).big_integer().not_null().primary_key())
                    .col(ColumnDef::new(PushKey::PrivateKey).text().not_null())
                    .col(ColumnDef::new(PushKey::PublicKey).text().not_null())
                    .col(ColumnDef::new(PushKey::CreatedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PushSubscription::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(PushSubscription::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(PushSubscription::UserId).big_integer().not_null())
                    .col(ColumnDef::new(PushSubscription::DeviceHandle).string_len(32).not_null())
                    .col(ColumnDef::new(PushSubscription::Endpoint).text().not_null().unique_key())
                    .col(ColumnDef::new(PushSubscription::P256dh).text().not_null())
                    .col(ColumnDef::new(PushSubscription::Auth).text().not_null())
                    .col(ColumnDef::new(PushSubscription::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(PushSubscription::LastSuccess).timestamp_with_time_zone().null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(PushSubscription::Table, PushSubscription::UserId)
                            .to(User::Table, User::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PushSubscription::Table, PushSubscription::DeviceHandle)
                            .to(Device::Table, Device::Handle)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_push_subscription_user")
                    .table(PushSubscription::Table)
                    .col(PushSubscription::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PushOutbox::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(PushOutbox::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(PushOutbox::SubscriptionId).big_integer().not_null())
                    .col(ColumnDef::new(PushOutbox::UserId).big_integer().not_null())
                    .col(ColumnDef::new(PushOutbox::RoomId).big_integer().null())
                    .col(ColumnDef::new(PushOutbox::Seq).big_integer().not_null())
                    .col(ColumnDef::new(PushOutbox::TargetSeq).big_integer().not_null())
                    .col(ColumnDef::new(PushOutbox::Thread).big_integer().null())
                    .col(ColumnDef::new(PushOutbox::Kind).string_len(16).not_null())
                    .col(ColumnDef::new(PushOutbox::Urgency).string_len(16).not_null())
                    .col(ColumnDef::new(PushOutbox::State).string_len(16).not_null())
                    .col(ColumnDef::new(PushOutbox::Closed).boolean().not_null().default(false))
                    .col(ColumnDef::new(PushOutbox::Attempts).integer().not_null().default(0))
                    .col(ColumnDef::new(PushOutbox::Cut).boolean().not_null().default(false))
                    .col(ColumnDef::new(PushOutbox::DueAt).big_integer().not_null())
                    .col(ColumnDef::new(PushOutbox::ExpiresAt).big_integer().not_null())
                    .col(ColumnDef::new(PushOutbox::LeaseUntil).big_integer().null())
                    .col(ColumnDef::new(PushOutbox::CreatedAt).big_integer().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(PushOutbox::Table, PushOutbox::SubscriptionId)
                            .to(PushSubscription::Table, PushSubscription::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_push_outbox_once")
                    .table(PushOutbox::Table)
                    .col(PushOutbox::SubscriptionId)
                    .col(PushOutbox::RoomId)
                    .col(PushOutbox::Seq)
                    .col(PushOutbox::Kind)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_push_outbox_due")
                    .table(PushOutbox::Table)
                    .col(PushOutbox::State)
                    .col(PushOutbox::DueAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_push_outbox_target")
                    .table(PushOutbox::Table)
                    .col(PushOutbox::RoomId)
                    .col(PushOutbox::TargetSeq)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_push_outbox_user_room")
                    .table(PushOutbox::Table)
                    .col(PushOutbox::UserId)
                    .col(PushOutbox::RoomId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(PushOutbox::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(PushSubscription::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(PushKey::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Device {
    Table,
    Handle,
}

#[derive(DeriveIden)]
enum PushKey {
    Table,
    Id,
    PrivateKey,
    PublicKey,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PushSubscription {
    Table,
    Id,
    UserId,
    DeviceHandle,
    Endpoint,
    P256dh,
    Auth,
    CreatedAt,
    LastSuccess,
}

#[derive(DeriveIden)]
enum PushOutbox {
    Table,
    Id,
    SubscriptionId,
    UserId,
    RoomId,
    Seq,
    TargetSeq,
    Thread,
    Kind,
    Urgency,
    State,
    Closed,
    Attempts,
    Cut,
    DueAt,
    ExpiresAt,
    LeaseUntil,
    CreatedAt,
}
