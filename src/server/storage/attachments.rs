//! Attachments in the database: an upload stores its bytes (content-addressed,
//! so the same file is kept once) and its `attachment` row in one transaction,
//! so a failed upload leaves nothing; the writer ties an attachment to the
//! message that carries it and, when that message is deleted, removes the
//! attachment and every blob nothing else refers to. Uploads never sent are
//! swept after a day.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
    sea_query::{ExprTrait, OnConflict},
};
use sha2::{Digest, Sha256};

use super::{Store, error::StoreError, events::begin_writing, room_access::random_token};
use crate::{
    entity::{attachment, blob, message},
    paths,
    protocol::Attachment,
};

/// A file to store, as the upload handler judged it.
#[derive(Debug)]
pub struct NewUpload {
    pub room: String,
    pub uploader_id: i64,
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
    /// For an image: its size in pixels.
    pub dimensions: Option<(u32, u32)>,
    /// For an image that is not its own thumbnail: the thumbnail and its type.
    pub thumb: Option<(Vec<u8>, &'static str)>,
}

/// A stored file and its bytes, as served.
pub struct FileBody {
    pub attachment: attachment::Model,
    pub content_type: String,
    /// The blob's hash (a strong ETag: the bytes never change).
    pub hash: String,
    pub bytes: Vec<u8>,
}

/// Which bytes of an attachment to serve.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    Original,
    Thumbnail,
}

/// The SHA-256 of `bytes`, in hex.
pub(super) fn hash_of(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The attachment as messages carry it.
pub fn dto(model: &attachment::Model) -> Attachment {
    let is_image = model.width.is_some();
    Attachment {
        id: model.id.clone(),
        name: model.name.clone(),
        size: model.size,
        content_type: model.content_type.clone(),
        url: paths::attachment(&model.id),
        width: model.width,
        height: model.height,
        thumb_url: is_image.then(|| paths::attachment_thumb(&model.id)),
    }
}

/// The store's handle on uploaded files and their content-addressed blobs.
#[derive(Clone, Copy)]
pub struct Attachments<'a>(&'a Store);

impl Store {
    /// Uploaded files and their content-addressed blobs.
    pub fn attachments(&self) -> Attachments<'_> {
        Attachments(self)
    }
}

impl Attachments<'_> {
    /// Stores an upload: its blobs (unless stored already) and its row, in one
    /// transaction.
    pub async fn save_upload(&self, upload: NewUpload) -> Result<attachment::Model, StoreError> {
        let now = Utc::now();
        let hash = hash_of(&upload.bytes);
        let thumb = upload.thumb.map(|(bytes, content_type)| (hash_of(&bytes), bytes, content_type));
        let row = attachment::Model {
            id: random_token(),
            room: upload.room,
            uploader_id: Some(upload.uploader_id),
            name: upload.name,
            content_type: upload.content_type.clone(),
            size: upload.bytes.len() as i64,
            blob_hash: hash.clone(),
            width: upload.dimensions.map(|(w, _)| w as i32),
            height: upload.dimensions.map(|(_, h)| h as i32),
            thumb_hash: upload.dimensions.map(|_| thumb.as_ref().map_or_else(|| hash.clone(), |(h, ..)| h.clone())),
            thumb_type: upload.dimensions.map(|_| thumb.as_ref().map_or(upload.content_type, |(.., t)| (*t).to_owned())),
            created_at: now,
            seq: None,
        };
        let txn = begin_writing(self.0.db()).await?;
        keep_blob(&txn, hash, upload.bytes, now).await?;
        if let Some((thumb_hash, bytes, _)) = thumb {
            keep_blob(&txn, thumb_hash, bytes, now).await?;
        }
        attachment::Entity::insert(attachment::ActiveModel::from(row.clone()).reset_all()).exec_without_returning(&txn).await?;
        txn.commit().await?;
        Ok(row)
    }

    /// The attachment `id`, if it exists.
    pub async fn attachment(&self, id: &str) -> Result<Option<attachment::Model>, StoreError> {
        Ok(attachment::Entity::find_by_id(id).one(self.0.db()).await?)
    }

    /// The bytes of an attachment (or its thumbnail).
    pub async fn file_body(&self, attachment: attachment::Model, variant: Variant) -> Result<Option<FileBody>, StoreError> {
        let (hash, content_type) = match variant {
            Variant::Original => (attachment.blob_hash.clone(), attachment.content_type.clone()),
            Variant::Thumbnail => match (&attachment.thumb_hash, &attachment.thumb_type) {
                (Some(hash), Some(content_type)) => (hash.clone(), content_type.clone()),
                _ => return Ok(None),
            },
        };
        let Some(stored) = blob::Entity::find_by_id(hash.as_str()).one(self.0.db()).await? else { return Ok(None) };
        Ok(Some(FileBody { attachment, content_type, hash, bytes: stored.data }))
    }

    /// Removes uploads no message carries that are older than `before`, and
    /// their blobs nothing else refers to; how many.
    pub async fn sweep_unsent_uploads(&self, before: DateTime<Utc>) -> Result<usize, StoreError> {
        let stale: Vec<String> = attachment::Entity::find()
            .select_only()
            .column(attachment::Column::Id)
            .filter(attachment::Column::Seq.is_null())
            .filter(attachment::Column::CreatedAt.lt(before))
            .into_tuple()
            .all(self.0.db())
            .await?;
        for id in &stale {
            let txn = begin_writing(self.0.db()).await?;
            release(&txn, id).await?;
            txn.commit().await?;
        }
        Ok(stale.len())
    }
}

/// Stores `bytes` as blob `hash` unless it is there already.
pub(super) async fn keep_blob(txn: &impl ConnectionTrait, hash: String, bytes: Vec<u8>, now: DateTime<Utc>) -> Result<(), DbErr> {
    let row = blob::ActiveModel { hash: Set(hash), size: Set(bytes.len() as i64), data: Set(bytes), created_at: Set(now) };
    let keep = OnConflict::column(blob::Column::Hash).do_nothing().to_owned();
    blob::Entity::insert(row).on_conflict(keep).exec_without_returning(txn).await?;
    Ok(())
}

/// The attachments the batch's messages name, by id (for the writer's checks).
pub(super) async fn named(db: &impl ConnectionTrait, ids: Vec<&str>) -> Result<HashMap<String, attachment::Model>, DbErr> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = attachment::Entity::find().filter(attachment::Column::Id.is_in(ids)).all(db).await?;
    Ok(rows.into_iter().map(|row| (row.id.clone(), row)).collect())
}

/// Ties attachment `id` to the message `seq` that carries it.
pub(super) async fn mark_sent(txn: &impl ConnectionTrait, id: &str, seq: i64) -> Result<(), DbErr> {
    attachment::Entity::update_many()
        .col_expr(attachment::Column::Seq, sea_orm::sea_query::Expr::value(seq))
        .filter(attachment::Column::Id.eq(id))
        .exec(txn)
        .await?;
    Ok(())
}

/// Removes the attachment of the message at (`room_id`, `seq`), if it has one.
pub(super) async fn release_of_message(txn: &impl ConnectionTrait, room_id: i64, seq: i64) -> Result<(), DbErr> {
    let carried: Option<Option<String>> = message::Entity::find()
        .select_only()
        .column(message::Column::AttachmentId)
        .filter(message::Column::RoomId.eq(room_id))
        .filter(message::Column::Seq.eq(seq))
        .into_tuple()
        .one(txn)
        .await?;
    match carried.flatten() {
        Some(id) => release(txn, &id).await,
        None => Ok(()),
    }
}

/// Deletes attachment `id`, then each of its blobs that no other attachment uses.
async fn release(txn: &impl ConnectionTrait, id: &str) -> Result<(), DbErr> {
    let Some(gone) = attachment::Entity::find_by_id(id).one(txn).await? else { return Ok(()) };
    attachment::Entity::delete_by_id(id).exec(txn).await?;
    let mut hashes = vec![gone.blob_hash];
    hashes.extend(gone.thumb_hash);
    hashes.dedup();
    for hash in hashes {
        let users = attachment::Entity::find()
            .filter(attachment::Column::BlobHash.eq(hash.as_str()).or(attachment::Column::ThumbHash.eq(hash.as_str())))
            .count(txn)
            .await?;
        if users == 0 {
            blob::Entity::delete_by_id(hash.as_str()).exec(txn).await?;
        }
    }
    Ok(())
}

/// The attachments `ids` as messages carry them, by id.
pub(super) async fn dtos(db: &impl ConnectionTrait, ids: Vec<&str>) -> Result<HashMap<String, Attachment>, DbErr> {
    Ok(named(db, ids).await?.into_iter().map(|(id, row)| (id, dto(&row))).collect())
}
