//! Link previews in the database: a preview's thumbnail is kept as a blob
//! (content-addressed, like attachments' bytes), and served only through the
//! message that shows it — once the preview is removed or the message
//! deleted, its image is no longer served. The previews themselves are room
//! events (`events::kinds::preview`).

use chrono::Utc;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

use super::{
    Store,
    attachments::{hash_of, keep_blob},
    error::StoreError,
    events::begin_writing,
};
use crate::{
    entity::{blob, message, message::EventKind},
    protocol::{PreviewImage, PreviewRecord},
};

/// The store's handle on link previews' thumbnails.
#[derive(Clone, Copy)]
pub struct Previews<'a>(&'a Store);

impl Store {
    /// Link previews' thumbnails.
    pub fn previews(&self) -> Previews<'_> {
        Previews(self)
    }
}

impl Previews<'_> {
    /// Keeps a preview's thumbnail (unless the same bytes are kept already).
    pub async fn keep_preview_image(&self, bytes: Vec<u8>, content_type: &str) -> Result<PreviewImage, StoreError> {
        let hash = hash_of(&bytes);
        let txn = begin_writing(self.0.db()).await?;
        keep_blob(&txn, hash.clone(), bytes, Utc::now()).await?;
        txn.commit().await?;
        Ok(PreviewImage { hash, content_type: content_type.to_owned() })
    }

    /// The thumbnail of the preview message `seq` of `room` shows now, with its bytes.
    pub async fn preview_image(&self, room: &str, seq: i64) -> Result<Option<(PreviewImage, Vec<u8>)>, StoreError> {
        let Some(room) = self.0.room_numbers(room).await? else { return Ok(None) };
        let shown: Option<Option<String>> = message::Entity::find()
            .select_only()
            .column(message::Column::Preview)
            .filter(message::Column::RoomId.eq(room.id))
            .filter(message::Column::Seq.eq(seq))
            .filter(message::Column::Kind.eq(EventKind::Message))
            .into_tuple()
            .one(self.0.db())
            .await?;
        let Some(image) = shown.flatten().as_deref().and_then(PreviewRecord::decode).and_then(|record| record.image) else {
            return Ok(None);
        };
        let Some(stored) = blob::Entity::find_by_id(image.hash.as_str()).one(self.0.db()).await? else { return Ok(None) };
        Ok(Some((image, stored.data)))
    }
}
