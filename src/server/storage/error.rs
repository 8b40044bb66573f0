//! What storage answers when it cannot do what was asked: its own error type,
//! so that no caller sees the database's. (How it answers at the HTTP
//! boundary is that boundary's: `server::http::store_errors`.)

use sea_orm::{DbErr, RuntimeErr, SqlErr, sqlx};

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// What was asked for does not exist.
    #[error("not found")]
    NotFound,
    /// A value that must be unique is taken.
    #[error("{0} is taken")]
    Conflict(Taken),
    /// The database could not be reached: the same call may succeed later.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// The database answered, and failed or refused the operation.
    #[error("the database failed: {0}")]
    Failed(String),
    /// The operation ran out of its time budget (a search).
    #[error("it took too long")]
    TimedOut,
    /// An account may not be made now (the registration mode, an invitation).
    #[error("{0}")]
    Refused(Refused),
}

/// Why an account may not be made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("registration is closed")]
    Closed,
    #[error("registration needs an invitation")]
    InvitationNeeded,
    #[error("no such invitation")]
    NoSuchInvitation,
    #[error("the invitation is used up, expired or revoked")]
    InvitationEnded,
}

/// Which unique value was taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, strum::Display)]
#[strum(serialize_all = "lowercase")]
pub enum Taken {
    /// An account's username.
    Username,
    /// A room's name.
    RoomName,
    /// Some other unique value.
    Value,
}

impl StoreError {
    /// Whether the database could not be reached (rather than refusing).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

impl From<DbErr> for StoreError {
    fn from(err: DbErr) -> Self {
        if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) {
            return Self::Conflict(Taken::Value);
        }
        match &err {
            DbErr::RecordNotFound(_) => Self::NotFound,
            DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => Self::Unavailable(err.to_string()),
            DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e))
                if matches!(**e, sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed) =>
            {
                Self::Unavailable(err.to_string())
            }
            _ => Self::Failed(err.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_failure_has_its_kind_and_answer() {
        assert!(matches!(StoreError::from(DbErr::RecordNotFound("room".into())), StoreError::NotFound));
        assert!(StoreError::from(DbErr::Conn(RuntimeErr::Internal("refused".into()))).is_unavailable());
        assert!(matches!(StoreError::from(DbErr::Custom("bad".into())), StoreError::Failed(_)));
    }
}
