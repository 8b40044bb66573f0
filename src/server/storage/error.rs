//! What storage answers when it cannot do what was asked: its own error type,
//! so that no caller sees the database's, and one conversion into the HTTP
//! boundary's `AppError`.

use sea_orm::{DbErr, RuntimeErr, SqlErr, sqlx};

use super::registration::Refused;
use crate::error::AppError;

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
    Refused(super::registration::Refused),
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

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => Self::NotFound,
            StoreError::Conflict(Taken::Username) => Self::UsernameTaken,
            StoreError::Conflict(Taken::RoomName) => Self::RoomTaken,
            StoreError::TimedOut => Self::TooSlow,
            StoreError::Refused(refused) => match refused {
                Refused::Closed => Self::RegistrationClosed,
                Refused::InvitationNeeded => Self::InvitationNeeded,
                Refused::NoSuchInvitation => Self::InviteInvalid,
                Refused::InvitationEnded => Self::InviteExpired,
            },
            // Details stay in the log.
            other @ (StoreError::Conflict(Taken::Value) | StoreError::Unavailable(_) | StoreError::Failed(_)) => {
                AppError::internal(other)
            }
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
        assert_eq!(AppError::from(StoreError::NotFound), AppError::NotFound);
        assert_eq!(AppError::from(StoreError::Conflict(Taken::Username)), AppError::UsernameTaken);
        assert_eq!(AppError::from(StoreError::Conflict(Taken::RoomName)), AppError::RoomTaken);
        assert_eq!(AppError::from(StoreError::Unavailable("gone".into())), AppError::Internal);
    }
}
