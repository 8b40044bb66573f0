//! A tower-sessions `SessionStore` on sea-orm, so login sessions live in Parlor's
//! own database (SQLite or PostgreSQL) and survive a restart. Records read are
//! cached (`storage::cache`); writing or deleting one makes every instance
//! forget its copy.
//!
//! Each row names its user (read from axum-login's data in the record), and a
//! logged-in session gets its device row (`storage::devices`) when it is
//! stored — at log-in, not at its first request after — so that every session
//! is listed, and can be ended, from the moment it exists.

use std::sync::Arc;

use async_trait::async_trait;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, TryInsertResult, sea_query::OnConflict,
};
use time::OffsetDateTime;
use tower_sessions::{
    ExpiredDeletion, SessionStore,
    session::{Id, Record},
    session_store,
};

use crate::{
    entity::session,
    server::{
        bus::Forget,
        bus::SessionKey,
        storage::{Store, cache::Caches, db::find_unique},
    },
};

/// Sessions stored in the `session` table.
#[derive(Clone)]
pub struct DbSessionStore {
    db: DatabaseConnection,
    caches: Arc<Caches>,
}

impl std::fmt::Debug for DbSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DbSessionStore")
    }
}

impl DbSessionStore {
    pub fn new(store: &Store) -> Self {
        Self { db: store.db().clone(), caches: store.caches().clone() }
    }

    /// Every instance forgets its copy of session `id`.
    async fn forget(&self, id: &Id) {
        self.caches.forget(Forget::Session(SessionKey::of(id).0)).await;
    }

    pub(super) fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// A logged-in record has its device row (written once; later saves find it).
    async fn keep_device(&self, record: &Record) -> session_store::Result<()> {
        let Some(user_id) = user_of(record) else { return Ok(()) };
        if record.data.contains_key(DEVICE) {
            // Its first request found the row already.
            return Ok(());
        }
        let agent = record.data.get(USER_AGENT).and_then(|agent| agent.as_str()).unwrap_or_default();
        self.record_device(&record.id.to_string(), user_id, agent).await.map(drop).map_err(backend)
    }
}

fn backend(err: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(err.to_string())
}

/// Where axum-login keeps who is logged in, in a session's data.
const AXUM_LOGIN_DATA: &str = "axum-login.data";
/// Session data key: the handle of the session's device row (once its first
/// request has read it back).
pub const DEVICE: &str = "parlor.device";
/// Session data key: the browser that logged in (its `User-Agent`), for the
/// device row written with the session.
pub const USER_AGENT: &str = "parlor.user_agent";

/// The user a record is logged in as, if any.
fn user_of(record: &Record) -> Option<i64> {
    record.data.get(AXUM_LOGIN_DATA)?.get("user_id")?.as_i64()
}

/// The `session` row for a record.
fn row(record: &Record) -> session_store::Result<session::ActiveModel> {
    let data = serde_json::to_string(&record.data).map_err(|e| session_store::Error::Encode(e.to_string()))?;
    Ok(session::ActiveModel {
        id: Set(record.id.to_string()),
        data: Set(data),
        expires_at: Set(record.expiry_date.unix_timestamp()),
        user_id: Set(user_of(record)),
    })
}

#[async_trait]
impl SessionStore for DbSessionStore {
    /// Inserts a new session, drawing a fresh id in the (astronomically rare)
    /// case that the random one is taken.
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        loop {
            let inserted = session::Entity::insert(row(record)?)
                .on_conflict_do_nothing_on([session::Column::Id])
                .exec_without_returning(&self.db)
                .await
                .map_err(backend)?;
            if matches!(inserted, TryInsertResult::Inserted(n) if n > 0) {
                return self.keep_device(record).await;
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        session::Entity::insert(row(record)?)
            .on_conflict(
                OnConflict::column(session::Column::Id)
                    .update_columns([session::Column::Data, session::Column::ExpiresAt, session::Column::UserId])
                    .to_owned(),
            )
            .exec(&self.db)
            .await
            .map_err(backend)?;
        self.forget(&record.id).await;
        self.keep_device(record).await
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let key = SessionKey::of(id).0;
        if let Some(record) = self.caches.session(key)
            && record.id == *id
            && record.expiry_date > OffsetDateTime::now_utc()
        {
            return Ok(Some(record));
        }
        let ticket = self.caches.session_ticket();
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let live = session::Entity::find_by_id(id.to_string()).filter(session::Column::ExpiresAt.gt(now));
        let Some(row) = find_unique(live, &self.db).await.map_err(backend)? else {
            return Ok(None);
        };
        let data = serde_json::from_str(&row.data).map_err(|e| session_store::Error::Decode(e.to_string()))?;
        let expiry_date =
            OffsetDateTime::from_unix_timestamp(row.expires_at).map_err(|e| session_store::Error::Decode(e.to_string()))?;
        let record = Record { id: *id, data, expiry_date };
        self.caches.keep_session(ticket, key, record.clone());
        Ok(Some(record))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        session::Entity::delete_by_id(id.to_string()).exec(&self.db).await.map_err(backend)?;
        self.forget(id).await;
        self.forget_device_of(&id.to_string()).await.map_err(backend)
    }
}

#[async_trait]
impl ExpiredDeletion for DbSessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        session::Entity::delete_many().filter(session::Column::ExpiresAt.lte(now)).exec(&self.db).await.map_err(backend)?;
        Ok(())
    }
}
