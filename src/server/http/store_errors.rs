//! How storage's errors answer at the HTTP boundary: the one conversion of a
//! [`StoreError`] into an [`AppError`] (the details of a failure stay in the
//! log).

use crate::{
    error::AppError,
    server::storage::error::{Refused, StoreError, Taken},
};

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
    fn each_failure_has_its_answer() {
        assert_eq!(AppError::from(StoreError::NotFound), AppError::NotFound);
        assert_eq!(AppError::from(StoreError::Conflict(Taken::Username)), AppError::UsernameTaken);
        assert_eq!(AppError::from(StoreError::Conflict(Taken::RoomName)), AppError::RoomTaken);
        assert_eq!(AppError::from(StoreError::Unavailable("gone".into())), AppError::Internal);
        assert_eq!(AppError::from(StoreError::Refused(Refused::InvitationEnded)), AppError::InviteExpired);
    }
}
