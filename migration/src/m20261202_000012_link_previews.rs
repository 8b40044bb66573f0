//! `message.preview`: the link preview under a message (JSON, `NULL` for none).
//! The preview itself is a room event (`kind` `preview`, its text the same
//! JSON) and its removal another (`preview_removed`); this column keeps the
//! message's current state, as `text` and `deleted` do.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(Message::Table).add_column(ColumnDef::new(Message::Preview).text().null()).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Message::Table).drop_column(Message::Preview).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Message {
    Table,
    Preview,
}
