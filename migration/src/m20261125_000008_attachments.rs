//! Attachments: files and images posted in rooms, kept in the database so that
//! every instance serves every file without another service.
//!
//! - `blob`: file contents, content-addressed by their SHA-256 (`hash`, hex):
//!   a file posted twice, or an image small enough to be its own thumbnail, is
//!   stored once.
//! - `attachment`: one uploaded file — its room (by name: a public room may not
//!   exist before its first message), uploader, file name, content type, size,
//!   the blob of its bytes and, for an image, its pixel size and the blob of
//!   its thumbnail. `seq` is the message that carries it (`NULL` until one is
//!   sent); each attachment belongs to at most one message.
//! - `message.attachment_id`: the attachment a message carries.

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
                    .table(Blob::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(Blob::Hash).string_len(64).not_null().primary_key())
                    .col(ColumnDef::new(Blob::Size).big_integer().not_null())
                    .col(ColumnDef::new(Blob::Data).blob().not_null())
                    .col(ColumnDef::new(Blob::CreatedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        let blob_key =
            |column: Attachment| ForeignKey::create().from(Attachment::Table, column).to(Blob::Table, Blob::Hash).to_owned();
        manager
            .create_table(
                Table::create()
                    .table(Attachment::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(Attachment::Id).string_len(32).not_null().primary_key())
                    .col(ColumnDef::new(Attachment::Room).string_len(64).not_null())
                    .col(ColumnDef::new(Attachment::UploaderId).big_integer().null())
                    .col(ColumnDef::new(Attachment::Name).string_len(255).not_null())
                    .col(ColumnDef::new(Attachment::ContentType).string_len(128).not_null())
                    .col(ColumnDef::new(Attachment::Size).big_integer().not_null())
                    .col(ColumnDef::new(Attachment::BlobHash).string_len(64).not_null())
                    .col(ColumnDef::new(Attachment::Width).integer().null())
                    .col(ColumnDef::new(Attachment::Height).integer().null())
                    .col(ColumnDef::new(Attachment::ThumbHash).string_len(64).null())
                    .col(ColumnDef::new(Attachment::ThumbType).string_len(32).null())
                    .col(ColumnDef::new(Attachment::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Attachment::Seq).big_integer().null())
                    .foreign_key(&mut blob_key(Attachment::BlobHash))
                    .foreign_key(&mut blob_key(Attachment::ThumbHash))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Attachment::Table, Attachment::UploaderId)
                            .to(User::Table, User::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_attachment_blob", Attachment::BlobHash),
            ("idx_attachment_thumb", Attachment::ThumbHash),
            ("idx_attachment_created", Attachment::CreatedAt),
        ] {
            manager.create_index(Index::create().name(name).table(Attachment::Table).col(column).to_owned()).await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Message::Table)
                    .add_column(ColumnDef::new(Message::AttachmentId).string_len(32).null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Message::Table).drop_column(Message::AttachmentId).to_owned()).await?;
        manager.drop_table(Table::drop().table(Attachment::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Blob::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Blob {
    Table,
    Hash,
    Size,
    Data,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Attachment {
    Table,
    Id,
    Room,
    UploaderId,
    Name,
    ContentType,
    Size,
    BlobHash,
    Width,
    Height,
    ThumbHash,
    ThumbType,
    CreatedAt,
    Seq,
}

#[derive(DeriveIden)]
enum Message {
    Table,
    AttachmentId,
}
