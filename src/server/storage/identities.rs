//! Single sign-on identities: an account linked to (`issuer`, `subject`) —
//! what the OpenID provider's ID token says, never an e-mail address (the
//! link is made with the account: `registration::Entry::SingleSignOn`).

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::{error::StoreError, store::Store};
use crate::entity::{oidc_identity, user};

/// The store's handle on single sign-on identities of accounts.
#[derive(Clone, Copy)]
pub struct Identities<'a>(&'a Store);

impl Store {
    /// Single sign-on identities of accounts.
    pub fn identities(&self) -> Identities<'_> {
        Identities(self)
    }
}

impl Identities<'_> {
    /// The account linked to (`issuer`, `subject`), if any.
    pub async fn identity(&self, issuer: &str, subject: &str) -> Result<Option<user::Model>, StoreError> {
        let found = oidc_identity::Entity::find()
            .filter(oidc_identity::Column::Issuer.eq(issuer))
            .filter(oidc_identity::Column::Subject.eq(subject))
            .one(self.0.db())
            .await?;
        match found {
            Some(identity) => self.0.find_user(identity.user_id).await,
            None => Ok(None),
        }
    }

    /// Whether account `user_id` logs in by single sign-on.
    pub async fn has_identity(&self, user_id: i64) -> Result<bool, StoreError> {
        let found = oidc_identity::Entity::find().filter(oidc_identity::Column::UserId.eq(user_id)).one(self.0.db()).await?;
        Ok(found.is_some())
    }
}
