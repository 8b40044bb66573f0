//! Parlor's schema migrations, run automatically at start-up by the server.
//!
//! One file per migration, applied in the order listed in [`Migrator`]. The same
//! migrations serve SQLite (the embedded default) and PostgreSQL (scale-out).

pub use sea_orm_migration::prelude::*;

mod m20261124_000001_accounts;
mod m20261124_000002_rooms_messages;
mod m20261125_000003_keep_messages_scope_resends;
mod m20261125_000004_memberships_mentions;
mod m20261125_000005_room_events;
mod m20261125_000006_rooms_with_doors;
mod m20261125_000007_search;
mod m20261125_000008_attachments;
mod m20261125_000009_account_settings;
mod m20261202_000010_trust;
mod m20261202_000011_share_reads;
mod m20261202_000012_link_previews;
mod m20261203_000013_threads;
mod m20261204_000014_push;
mod m20261207_000015_integrations;
mod m20261207_000016_who_gets_in;
mod m20261208_000017_trust_iv;
mod m20261208_000018_topics;
mod m20261208_000019_locale;

/// Every migration Parlor knows, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_accounts::Migration),
            Box::new(m20261124_000002_rooms_messages::Migration),
            Box::new(m20261125_000003_keep_messages_scope_resends::Migration),
            Box::new(m20261125_000004_memberships_mentions::Migration),
            Box::new(m20261125_000005_room_events::Migration),
            Box::new(m20261125_000006_rooms_with_doors::Migration),
            Box::new(m20261125_000007_search::Migration),
            Box::new(m20261125_000008_attachments::Migration),
            Box::new(m20261125_000009_account_settings::Migration),
            Box::new(m20261202_000010_trust::Migration),
            Box::new(m20261202_000011_share_reads::Migration),
            Box::new(m20261202_000012_link_previews::Migration),
            Box::new(m20261203_000013_threads::Migration),
            Box::new(m20261204_000014_push::Migration),
            Box::new(m20261207_000015_integrations::Migration),
            Box::new(m20261207_000016_who_gets_in::Migration),
            Box::new(m20261208_000017_trust_iv::Migration),
            Box::new(m20261208_000018_topics::Migration),
            Box::new(m20261208_000019_locale::Migration),
        ]
    }
}
