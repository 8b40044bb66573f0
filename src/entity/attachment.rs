//! A file uploaded to a room: who uploaded it, its name and type, the blob of
//! its bytes and (for an image) its size in pixels and its thumbnail's blob;
//! `seq` is the message that carries it, once one does.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "attachment")]
pub struct Model {
    /// 32 random hex digits.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The room's name (a public room may not exist before its first message).
    pub room: String,
    /// `None` once the uploader's account is deleted.
    pub uploader_id: Option<i64>,
    /// The file's name as uploaded (no directories).
    pub name: String,
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    pub blob_hash: String,
    pub width: Option<i32>,
    pub height: Option<i32>,
    /// For an image: its thumbnail's blob.
    pub thumb_hash: Option<String>,
    /// For an image: its thumbnail's content type.
    pub thumb_type: Option<String>,
    pub created_at: DateTimeUtc,
    /// The message that carries it (`None` until one is sent).
    pub seq: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
