//! "Seen by": how far the other readers of a small room (a direct room, or one
//! of at most [`SEEN_BY_MAX_MEMBERS`] members) have read, from the read
//! markers that exist anyway. Only users who share their reads are shown, and
//! only to users who share theirs; no read times are kept.

use sea_orm::{ConnectionTrait, DbErr};

use super::{cache::SeenMarker, db::statement, error::StoreError, store::Store};
use crate::{
    entity::user,
    protocol::{SEEN_BY_MAX_MEMBERS, SeenRead},
};

/// The sharing readers' markers in a room, when it is small: one statement,
/// kept in the room's cached entry until a marker moves (a room page reads
/// it from there).
const SEEN_IN_ROOM: &str = r#"SELECT u.id AS user_id, u.username AS username, ms.last_read_seq AS seq FROM membership ms
    JOIN room r ON r.id = ms.room_id JOIN "user" u ON u.id = ms.user_id
    WHERE r.name = ? AND ms.last_read_seq > 0 AND u.share_reads AND NOT u.deactivated
    AND (r.kind = 'direct' OR (SELECT COUNT(*) FROM membership c WHERE c.room_id = r.id) <= ?)"#;

/// The store's handle on "Seen by": how far a small room's other readers have read.
#[derive(Clone, Copy)]
pub struct Seen<'a>(&'a Store);

impl Store {
    /// "Seen by": how far a small room's other readers have read.
    pub fn seen(&self) -> Seen<'_> {
        Seen(self)
    }
}

impl Seen<'_> {
    /// How far the room's other sharing readers have read, for `reader` (none
    /// when the reader does not share reads, or the room is not small).
    pub async fn reads_seen(&self, room_name: &str, reader: &user::Model) -> Result<Vec<SeenRead>, StoreError> {
        if !reader.share_reads {
            return Ok(Vec::new());
        }
        let markers = match self.0.room_entry(room_name).await? {
            Some(entry) => entry.seen(|| self.markers(room_name)).await?,
            None => std::sync::Arc::new(self.markers(room_name).await?),
        };
        Ok(markers.iter().filter(|marker| marker.user_id != reader.id).map(|marker| marker.read.clone()).collect())
    }

    /// The sharing readers' markers of a small room, from the database.
    async fn markers(&self, room_name: &str) -> Result<Vec<SeenMarker>, DbErr> {
        let values = [room_name.into(), (SEEN_BY_MAX_MEMBERS as i64).into()];
        let rows = self.0.db().query_all_raw(statement(self.0.db(), SEEN_IN_ROOM, values)).await?;
        rows.iter()
            .map(|row| {
                let read = SeenRead { user: row.try_get("", "username")?, seq: row.try_get("", "seq")? };
                Ok(SeenMarker { user_id: row.try_get("", "user_id")?, read })
            })
            .collect()
    }
}
