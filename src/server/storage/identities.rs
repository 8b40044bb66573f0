//! Single sign-on identities: an account linked to (`issuer`, `subject`) —
//! what the OpenID provider's ID token says, never an e-mail address.

use chrono::Utc;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

use super::{error::StoreError, store::Store};
use crate::entity::{oidc_identity, user};

impl Store {
    /// The account linked to (`issuer`, `subject`), if any.
    pub async fn identity(&self, issuer: &str, subject: &str) -> Result<Option<user::Model>, StoreError> {
        let found = oidc_identity::Entity::find()
            .filter(oidc_identity::Column::Issuer.eq(issuer))
            .filter(oidc_identity::Column::Subject.eq(subject))
            .one(self.db())
            .await?;
        match found {
            Some(identity) => self.find_user(identity.user_id).await,
            None => Ok(None),
        }
    }

    /// Links account `user_id` to (`issuer`, `subject`).
    pub async fn link_identity(&self, issuer: &str, subject: &str, user_id: i64) -> Result<(), StoreError> {
        let row = oidc_identity::ActiveModel {
            issuer: Set(issuer.to_owned()),
            subject: Set(subject.to_owned()),
            user_id: Set(user_id),
            created_at: Set(Utc::now()),
        };
        oidc_identity::Entity::insert(row).exec_without_returning(self.db()).await?;
        Ok(())
    }
}
