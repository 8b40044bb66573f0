//! What ends stays ended:
//!
//! - `session.user_id`: whose session a record is, written with every save
//!   (from axum-login's data in the record), so that every session of a user
//!   can be found and ended — "log out everywhere", deactivation — from the
//!   moment it exists, whether or not it has made a request since log-in.
//!   Filled in for the sessions stored before.
//! - Deleted messages leave no text in their edits: the edit rows of a
//!   deleted message keep neither text nor mentions (a replay of them sent the
//!   text back).

use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Edits of messages deleted before this migration lose their text.
const BLANK_EDITS_OF_DELETED: &str = "UPDATE message SET text = '', mentions = NULL WHERE kind = 'edit' AND EXISTS \
     (SELECT 1 FROM message deleted_message WHERE deleted_message.room_id = message.room_id \
      AND deleted_message.seq = message.target AND deleted_message.deleted)";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(Session::Table).add_column(ColumnDef::new(Session::UserId).big_integer().null()).to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("idx_session_user").table(Session::Table).col(Session::UserId).to_owned())
            .await?;
        let owners = match manager.get_database_backend() {
            DbBackend::Sqlite => r#"UPDATE session SET user_id = json_extract(data, '$."axum-login.data".user_id')"#,
            _ => r#"UPDATE session SET user_id = ((data::jsonb -> 'axum-login.data') ->> 'user_id')::bigint"#,
        };
        let db = manager.get_connection();
        db.execute_unprepared(owners).await?;
        db.execute_unprepared(BLANK_EDITS_OF_DELETED).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("idx_session_user").table(Session::Table).to_owned()).await?;
        manager.alter_table(Table::alter().table(Session::Table).drop_column(Session::UserId).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Session {
    Table,
    UserId,
}
