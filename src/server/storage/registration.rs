//! Who may make an account: the registration mode (kept in the database, so
//! that a change holds on every instance at once), account invitations, and
//! the one transaction that creates an account under them — the first account
//! of a deployment always (it becomes the administrator), then as the mode
//! says; an invitation's use is counted in that same transaction, so two
//! registrations racing for its last use cannot both win.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    SqlErr,
    sea_query::{Expr, ExprTrait, OnConflict},
};

use super::{
    error::{Refused, StoreError, Taken},
    events,
    room_access::random_token,
    store::Store,
};
use crate::{
    entity::{invitation, oidc_identity, server_setting, user},
    protocol::{AccountKind, RegistrationMode},
};

/// The PostgreSQL advisory lock that account creation holds (any constant no
/// other lock of Parlor's uses).
const ACCOUNT_CREATION_LOCK: i64 = 0x7061_726c_6f72;
/// The setting that holds the registration mode.
const REGISTRATION: &str = "registration";

/// How an account comes to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry<'a> {
    /// Registration with a password, with an invitation's code or not.
    Password { invitation: Option<&'a str> },
    /// A first log-in by single sign-on (it counts as invited), linked to the
    /// provider's (`issuer`, `subject`) in the same transaction.
    SingleSignOn { issuer: &'a str, subject: &'a str },
    /// An administrator makes it (any mode).
    ByAdministrator,
}

/// An account just made, and the invitation it used (its rooms to join).
pub struct Made {
    pub user: user::Model,
    pub invitation: Option<invitation::Model>,
}

/// What an invitation's code is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InvitationState {
    Valid(invitation::Model),
    /// Used up, expired or revoked.
    Ended,
    Missing,
}

/// What an administrator asks of a new invitation.
pub struct NewInvitation {
    pub uses: i32,
    pub expires_at: Option<DateTime<Utc>>,
    pub rooms: Vec<String>,
    pub by: i64,
}

/// The store's handle on who may make an account: the mode, invitations, making one.
#[derive(Clone, Copy)]
pub struct Registration<'a>(&'a Store);

impl Store {
    /// Who may make an account: the mode, invitations, making one.
    pub fn registration(&self) -> Registration<'_> {
        Registration(self)
    }
}

impl Registration<'_> {
    /// The registration mode now.
    pub async fn registration_mode(&self) -> Result<RegistrationMode, StoreError> {
        let row = server_setting::Entity::find_by_id(REGISTRATION.to_owned()).one(self.0.db()).await?;
        Ok(mode_of(row))
    }

    /// Sets the registration mode (every instance reads it from here).
    pub async fn set_registration_mode(&self, mode: RegistrationMode) -> Result<(), StoreError> {
        self.put_setting(mode, true).await
    }

    /// The mode a deployment starts with (`--registration`), unless an
    /// administrator chose one already.
    pub async fn seed_registration_mode(&self, mode: RegistrationMode) -> Result<(), StoreError> {
        self.put_setting(mode, false).await
    }

    async fn put_setting(&self, mode: RegistrationMode, replace: bool) -> Result<(), StoreError> {
        let row = server_setting::ActiveModel {
            key: Set(REGISTRATION.to_owned()),
            value: Set(mode.as_str().to_owned()),
            updated_at: Set(Utc::now()),
        };
        let mut conflict = OnConflict::column(server_setting::Column::Key);
        if replace {
            conflict.update_columns([server_setting::Column::Value, server_setting::Column::UpdatedAt]);
        } else {
            conflict.do_nothing();
        }
        server_setting::Entity::insert(row).on_conflict(conflict).exec_without_returning(self.0.db()).await?;
        Ok(())
    }

    /// Creates a person's account, if `entry` is allowed now. The username
    /// must already be canonical. The first account of a deployment is its
    /// administrator — one, however many register at once: on SQLite the
    /// writing transaction holds the database, on PostgreSQL account creation
    /// takes a lock of its own first.
    pub async fn create_user(&self, username: &str, password_hash: String, entry: Entry<'_>) -> Result<Made, StoreError> {
        let txn = events::begin_writing(self.0.db()).await?;
        if txn.get_database_backend() == DbBackend::Postgres {
            txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({ACCOUNT_CREATION_LOCK})")).await?;
        }
        let first = user::Entity::find().limit(1).all(&txn).await?.is_empty();
        let invitation = if first { None } else { admit(&txn, entry).await? };
        let row = user::ActiveModel {
            id: NotSet,
            username: Set(username.to_owned()),
            password_hash: Set(password_hash),
            created_at: Set(Utc::now()),
            is_admin: Set(first),
            deactivated: Set(false),
            display_name: Set(None),
            share_reads: Set(true),
            kind: Set(AccountKind::Person),
            created_by: Set(None),
            locale: Set(None),
        };
        let created = user::Entity::insert(row).exec_with_returning(&txn).await.map_err(|err| match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => StoreError::Conflict(Taken::Username),
            _ => StoreError::from(err),
        })?;
        if let Entry::SingleSignOn { issuer, subject } = entry {
            let identity = oidc_identity::ActiveModel {
                issuer: Set(issuer.to_owned()),
                subject: Set(subject.to_owned()),
                user_id: Set(created.id),
                created_at: Set(Utc::now()),
            };
            oidc_identity::Entity::insert(identity).exec_without_returning(&txn).await?;
        }
        txn.commit().await?;
        Ok(Made { user: created, invitation })
    }

    /// A new invitation.
    pub async fn create_invitation(&self, new: NewInvitation) -> Result<invitation::Model, StoreError> {
        let row = invitation::ActiveModel {
            id: NotSet,
            code: Set(random_token()),
            uses: Set(new.uses),
            used: Set(0),
            expires_at: Set(new.expires_at),
            revoked: Set(false),
            rooms: Set((!new.rooms.is_empty()).then(|| new.rooms.join(","))),
            created_by: Set(Some(new.by)),
            created_at: Set(Utc::now()),
        };
        Ok(invitation::Entity::insert(row).exec_with_returning(self.0.db()).await?)
    }

    /// Every invitation, newest first.
    pub async fn invitations(&self) -> Result<Vec<invitation::Model>, StoreError> {
        Ok(invitation::Entity::find().order_by_desc(invitation::Column::Id).all(self.0.db()).await?)
    }

    /// Revokes invitation `code`. False when there is none such.
    pub async fn revoke_invitation(&self, code: &str) -> Result<bool, StoreError> {
        let updated = invitation::Entity::update_many()
            .col_expr(invitation::Column::Revoked, Expr::value(true))
            .filter(invitation::Column::Code.eq(code))
            .exec(self.0.db())
            .await?;
        Ok(updated.rows_affected > 0)
    }

    /// What invitation `code` is now.
    pub async fn invitation(&self, code: &str) -> Result<InvitationState, StoreError> {
        let found = invitation::Entity::find().filter(invitation::Column::Code.eq(code)).one(self.0.db()).await?;
        Ok(match found {
            None => InvitationState::Missing,
            Some(invitation) if works(&invitation, Utc::now()) => InvitationState::Valid(invitation),
            Some(_) => InvitationState::Ended,
        })
    }
}

/// The mode a setting's row says: the default before any was kept, closed
/// for one this build cannot read (a newer instance's): never more open than meant.
fn mode_of(row: Option<server_setting::Model>) -> RegistrationMode {
    match row {
        None => RegistrationMode::default(),
        Some(row) => row.value.parse().unwrap_or(RegistrationMode::Closed),
    }
}

/// Whether `invitation` lets one more register at `now`.
pub fn works(invitation: &invitation::Model, now: DateTime<Utc>) -> bool {
    !invitation.revoked && invitation.used < invitation.uses && invitation.expires_at.is_none_or(|at| at > now)
}

/// Whether `entry` may make an account now (not the first), in the account's
/// transaction: the mode as it is, and an invitation's use counted.
async fn admit(txn: &DatabaseTransaction, entry: Entry<'_>) -> Result<Option<invitation::Model>, StoreError> {
    let mode = mode_of(server_setting::Entity::find_by_id(REGISTRATION.to_owned()).one(txn).await?);
    let invitation = match entry {
        Entry::ByAdministrator => return Ok(None),
        Entry::SingleSignOn { .. } => None,
        Entry::Password { invitation } => invitation,
    };
    if mode == RegistrationMode::Closed && entry != Entry::ByAdministrator {
        return Err(StoreError::Refused(Refused::Closed));
    }
    let Some(code) = invitation else {
        return match (mode, entry) {
            (RegistrationMode::Invite, Entry::Password { .. }) => Err(StoreError::Refused(Refused::InvitationNeeded)),
            _ => Ok(None),
        };
    };
    let now = Utc::now();
    // One use, if one is left: the row's lock settles a race for the last.
    let taken = invitation::Entity::update_many()
        .col_expr(invitation::Column::Used, Expr::col(invitation::Column::Used).add(1))
        .filter(invitation::Column::Code.eq(code))
        .filter(invitation::Column::Revoked.eq(false))
        .filter(Expr::col(invitation::Column::Used).lt(Expr::col(invitation::Column::Uses)))
        .filter(Condition::any().add(invitation::Column::ExpiresAt.is_null()).add(invitation::Column::ExpiresAt.gt(now)))
        .exec(txn)
        .await?;
    let found = invitation::Entity::find().filter(invitation::Column::Code.eq(code)).one(txn).await?;
    match (taken.rows_affected, found) {
        (1, Some(invitation)) => Ok(Some(invitation)),
        (_, Some(_)) => Err(StoreError::Refused(Refused::InvitationEnded)),
        (_, None) => Err(StoreError::Refused(Refused::NoSuchInvitation)),
    }
}
