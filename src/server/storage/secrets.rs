//! Secrets every instance shares: made at the first start that needs one,
//! kept in `server_setting` under their name, and read back (the first
//! instance to store one wins; the others read its value).

use chrono::Utc;
use sea_orm::{ActiveValue::Set, EntityTrait, sea_query::OnConflict};

use super::{error::StoreError, integrations::random_bytes, store::Store};
use crate::entity::server_setting;

/// The store's handle on secrets every instance shares.
#[derive(Clone, Copy)]
pub struct Secrets<'a>(&'a Store);

impl Store {
    /// Secrets every instance shares.
    pub fn secrets(&self) -> Secrets<'_> {
        Secrets(self)
    }
}

impl Secrets<'_> {
    /// The 32-byte secret named `name`, made now if no instance made it yet.
    pub async fn server_secret(&self, name: &str) -> Result<[u8; 32], StoreError> {
        let fresh: String = random_bytes::<32>().iter().map(|b| format!("{b:02x}")).collect();
        let row = server_setting::ActiveModel { key: Set(name.to_owned()), value: Set(fresh), updated_at: Set(Utc::now()) };
        let keep_first = OnConflict::column(server_setting::Column::Key).do_nothing().to_owned();
        server_setting::Entity::insert(row).on_conflict(keep_first).exec_without_returning(self.0.db()).await?;
        let stored = server_setting::Entity::find_by_id(name.to_owned()).one(self.0.db()).await?.ok_or(StoreError::NotFound)?;
        let mut secret = [0u8; 32];
        let bytes = stored.value.as_bytes();
        if bytes.len() != 64 {
            return Err(StoreError::Failed(format!("server secret {name} is not 64 hex digits")));
        }
        for (i, pair) in bytes.chunks(2).enumerate() {
            let hex = std::str::from_utf8(pair).ok().and_then(|digits| u8::from_str_radix(digits, 16).ok());
            secret[i] = hex.ok_or_else(|| StoreError::Failed(format!("server secret {name} is not hex")))?;
        }
        Ok(secret)
    }
}
