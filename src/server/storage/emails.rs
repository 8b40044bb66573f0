//! E-mail: each user's address (verified by a link mailed to it; one account
//! per verified address), whether they are mailed what they missed, their
//! one-click unsubscribe token; the links that let an old verified address
//! undo a change for 7 days; and the mail outbox's claims (rows are written
//! by the writer, `events::mails`).

use chrono::{Duration, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, OnConflict},
};

use super::{error::StoreError, integrations::secret_hash, room_access::random_token, store::Store};
use crate::entity::{email_address, email_undo, mail_outbox, user};

/// How long a verification link works.
pub const VERIFY_VALID: Duration = Duration::hours(24);
/// How long the old verified address may undo a change of the account's address.
pub const UNDO_VALID: Duration = Duration::days(7);

/// What an undo link did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Undone {
    /// The old address is the account's again, verified.
    Done { user_id: i64, address: String },
    /// Another account has verified the old address since.
    Taken,
    /// Used, expired, or never made.
    Ended,
}

/// What a verification link did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verified {
    /// The address is the account's now.
    Done { user_id: i64, address: String },
    /// Another account has verified that address already.
    Taken,
    /// Expired, or replaced by a newer address.
    Ended,
}

/// The store's handle on e-mail addresses, their verification and undo links, the mail outbox's claims.
#[derive(Clone, Copy)]
pub struct Emails<'a>(&'a Store);

impl Store {
    /// E-mail addresses, their verification and undo links, the mail outbox's claims.
    pub fn emails(&self) -> Emails<'_> {
        Emails(self)
    }
}

impl Emails<'_> {
    /// `user_id`'s address, if any.
    pub async fn email_of(&self, user_id: i64) -> Result<Option<email_address::Model>, StoreError> {
        Ok(email_address::Entity::find_by_id(user_id).one(self.0.db()).await?)
    }

    /// Sets `user_id`'s address (unverified until its link is used); the link's token.
    pub async fn set_email(&self, user_id: i64, address: &str) -> Result<String, StoreError> {
        let token = random_token();
        let now = Utc::now();
        let row = email_address::ActiveModel {
            user_id: Set(user_id),
            address: Set(address.to_owned()),
            verified: Set(false),
            verify_hash: Set(Some(secret_hash(&token))),
            verify_expires_at: Set(Some(now + VERIFY_VALID)),
            notify: Set(true),
            unsubscribe_token: Set(random_token()),
            created_at: Set(now),
        };
        // A new address gets a new unsubscribe link (links mailed to the old one stop working).
        let replace = OnConflict::column(email_address::Column::UserId)
            .update_columns([
                email_address::Column::Address,
                email_address::Column::Verified,
                email_address::Column::VerifyHash,
                email_address::Column::VerifyExpiresAt,
                email_address::Column::UnsubscribeToken,
            ])
            .to_owned();
        email_address::Entity::insert(row).on_conflict(replace).exec_without_returning(self.0.db()).await?;
        Ok(token)
    }

    /// The address verification token `token` would verify, while it works.
    pub async fn pending_email(&self, token: &str) -> Result<Option<email_address::Model>, StoreError> {
        let found = email_address::Entity::find()
            .filter(email_address::Column::VerifyHash.eq(secret_hash(token)))
            .one(self.0.db())
            .await?;
        Ok(found.filter(|row| row.verify_expires_at.is_some_and(|at| at > Utc::now())))
    }

    /// Uses verification token `token`: only the address it was mailed to,
    /// only while it works (one conditional write: an address changed in
    /// between is not verified by an old link), and only if no other account
    /// verified that address (a unique index holds it under races too).
    pub async fn verify_email(&self, token: &str) -> Result<Verified, StoreError> {
        let Some(pending) = self.pending_email(token).await? else { return Ok(Verified::Ended) };
        if self.account_with_address(&pending.address).await?.is_some_and(|other| other.id != pending.user_id) {
            return Ok(Verified::Taken);
        }
        let now = Utc::now();
        let updated = email_address::Entity::update_many()
            .col_expr(email_address::Column::Verified, Expr::value(true))
            .col_expr(email_address::Column::VerifyHash, Expr::value(Option::<String>::None))
            .col_expr(email_address::Column::VerifyExpiresAt, Expr::value(Option::<chrono::DateTime<Utc>>::None))
            .filter(email_address::Column::UserId.eq(pending.user_id))
            .filter(email_address::Column::VerifyHash.eq(secret_hash(token)))
            .filter(email_address::Column::Address.eq(&pending.address))
            .filter(email_address::Column::VerifyExpiresAt.gt(now))
            .exec(self.0.db())
            .await;
        match updated {
            Ok(done) if done.rows_affected == 1 => Ok(Verified::Done { user_id: pending.user_id, address: pending.address }),
            Ok(_) => Ok(Verified::Ended),
            Err(err) if matches!(err.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_))) => Ok(Verified::Taken),
            Err(err) => Err(err.into()),
        }
    }

    /// A link for `old` (the verified address a change replaced, or removed)
    /// that puts it back for [`UNDO_VALID`]; its token.
    pub async fn create_email_undo(&self, user_id: i64, old: &str, new: Option<&str>) -> Result<String, StoreError> {
        let token = random_token();
        let now = Utc::now();
        let row = email_undo::ActiveModel {
            id: sea_orm::ActiveValue::NotSet,
            token_hash: Set(secret_hash(&token)),
            user_id: Set(user_id),
            old_address: Set(old.to_owned()),
            new_address: Set(new.map(str::to_owned)),
            expires_at: Set(now + UNDO_VALID),
            used_at: Set(None),
            created_at: Set(now),
        };
        email_undo::Entity::insert(row).exec_without_returning(self.0.db()).await?;
        Ok(token)
    }

    /// The undo link `token` while it works.
    pub async fn email_undo(&self, token: &str) -> Result<Option<email_undo::Model>, StoreError> {
        let found =
            email_undo::Entity::find().filter(email_undo::Column::TokenHash.eq(secret_hash(token))).one(self.0.db()).await?;
        Ok(found.filter(|row| row.used_at.is_none() && row.expires_at > Utc::now()))
    }

    /// Uses undo link `token` (once: one conditional write): its old address
    /// is the account's again, verified, and every other undo link of the
    /// account stops working (the first owner to act wins). The caller then
    /// ends what a stolen session could have left behind.
    pub async fn use_email_undo(&self, token: &str) -> Result<Undone, StoreError> {
        let Some(undo) = self.email_undo(token).await? else { return Ok(Undone::Ended) };
        let now = Utc::now();
        let taken = email_undo::Entity::update_many()
            .col_expr(email_undo::Column::UsedAt, Expr::value(now))
            .filter(email_undo::Column::UserId.eq(undo.user_id))
            .filter(email_undo::Column::UsedAt.is_null())
            .filter(email_undo::Column::Id.eq(undo.id))
            .filter(email_undo::Column::ExpiresAt.gt(now))
            .exec(self.0.db())
            .await?;
        if taken.rows_affected != 1 {
            return Ok(Undone::Ended);
        }
        email_undo::Entity::update_many()
            .col_expr(email_undo::Column::UsedAt, Expr::value(now))
            .filter(email_undo::Column::UserId.eq(undo.user_id))
            .filter(email_undo::Column::UsedAt.is_null())
            .exec(self.0.db())
            .await?;
        if self.account_with_address(&undo.old_address).await?.is_some_and(|other| other.id != undo.user_id) {
            return Ok(Undone::Taken);
        }
        let row = email_address::ActiveModel {
            user_id: Set(undo.user_id),
            address: Set(undo.old_address.clone()),
            verified: Set(true),
            verify_hash: Set(None),
            verify_expires_at: Set(None),
            notify: Set(true),
            unsubscribe_token: Set(random_token()),
            created_at: Set(now),
        };
        let replace = OnConflict::column(email_address::Column::UserId)
            .update_columns([
                email_address::Column::Address,
                email_address::Column::Verified,
                email_address::Column::VerifyHash,
                email_address::Column::VerifyExpiresAt,
                email_address::Column::UnsubscribeToken,
            ])
            .to_owned();
        match email_address::Entity::insert(row).on_conflict(replace).exec_without_returning(self.0.db()).await {
            Ok(_) => Ok(Undone::Done { user_id: undo.user_id, address: undo.old_address }),
            Err(err) if matches!(err.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_))) => Ok(Undone::Taken),
            Err(err) => Err(err.into()),
        }
    }

    /// Forgets `user_id`'s address (nothing more is mailed to it).
    pub async fn remove_email(&self, user_id: i64) -> Result<(), StoreError> {
        email_address::Entity::delete_by_id(user_id).exec(self.0.db()).await?;
        mail_outbox::Entity::delete_many().filter(mail_outbox::Column::UserId.eq(user_id)).exec(self.0.db()).await?;
        Ok(())
    }

    /// Whether `user_id` is mailed the mentions and direct messages they miss.
    pub async fn set_email_notify(&self, user_id: i64, on: bool) -> Result<bool, StoreError> {
        let updated = email_address::Entity::update_many()
            .col_expr(email_address::Column::Notify, Expr::value(on))
            .filter(email_address::Column::UserId.eq(user_id))
            .exec(self.0.db())
            .await?;
        if !on {
            mail_outbox::Entity::delete_many().filter(mail_outbox::Column::UserId.eq(user_id)).exec(self.0.db()).await?;
        }
        Ok(updated.rows_affected > 0)
    }

    /// One-click unsubscribe: the address of `token` is mailed nothing more.
    /// False for an unknown token.
    pub async fn unsubscribe(&self, token: &str) -> Result<bool, StoreError> {
        let found =
            email_address::Entity::find().filter(email_address::Column::UnsubscribeToken.eq(token)).one(self.0.db()).await?;
        match found {
            Some(row) => self.set_email_notify(row.user_id, false).await,
            None => Ok(false),
        }
    }

    /// The account whose verified address is `address` (any case), if any.
    pub async fn account_with_address(&self, address: &str) -> Result<Option<user::Model>, StoreError> {
        let rows = email_address::Entity::find().filter(email_address::Column::Verified.eq(true)).all(self.0.db()).await?;
        match rows.into_iter().find(|row| row.address.eq_ignore_ascii_case(address)) {
            Some(row) => self.0.find_user(row.user_id).await,
            None => Ok(None),
        }
    }

    /// Mails whose first unread event is at or before `first_before` (Unix ms), oldest first.
    pub async fn due_mails(&self, first_before: i64, limit: u64) -> Result<Vec<mail_outbox::Model>, StoreError> {
        Ok(mail_outbox::Entity::find()
            .filter(mail_outbox::Column::DueAt.lte(first_before))
            .order_by_asc(mail_outbox::Column::DueAt)
            .limit(limit)
            .all(self.0.db())
            .await?)
    }

    /// Claims a due mail for this instance by moving it to `until` (only if
    /// no other instance moved it first); whether this instance has it.
    pub async fn claim_mail(&self, row: &mail_outbox::Model, until: i64) -> Result<bool, StoreError> {
        let claimed = mail_outbox::Entity::update_many()
            .col_expr(mail_outbox::Column::DueAt, Expr::value(until))
            .col_expr(mail_outbox::Column::Attempts, Expr::value(row.attempts + 1))
            .filter(mail_outbox::Column::UserId.eq(row.user_id))
            .filter(mail_outbox::Column::RoomId.eq(row.room_id))
            .filter(mail_outbox::Column::DueAt.eq(row.due_at))
            .exec(self.0.db())
            .await?;
        Ok(claimed.rows_affected == 1)
    }

    /// A mail sent (or not needed): its row goes — unless newer messages
    /// joined it meanwhile, which then wait on their own.
    pub async fn finish_mail(&self, row: &mail_outbox::Model) -> Result<(), StoreError> {
        let deleted = mail_outbox::Entity::delete_many()
            .filter(mail_outbox::Column::UserId.eq(row.user_id))
            .filter(mail_outbox::Column::RoomId.eq(row.room_id))
            .filter(mail_outbox::Column::LastSeq.eq(row.last_seq))
            .exec(self.0.db())
            .await?;
        if deleted.rows_affected == 0 {
            mail_outbox::Entity::update_many()
                .col_expr(mail_outbox::Column::FirstSeq, Expr::value(row.last_seq + 1))
                .col_expr(mail_outbox::Column::Count, Expr::col(mail_outbox::Column::Count).sub(row.count))
                .col_expr(mail_outbox::Column::DueAt, Expr::value(Utc::now().timestamp_millis()))
                .col_expr(mail_outbox::Column::Attempts, Expr::value(0))
                .filter(mail_outbox::Column::UserId.eq(row.user_id))
                .filter(mail_outbox::Column::RoomId.eq(row.room_id))
                .exec(self.0.db())
                .await?;
        }
        Ok(())
    }
}
