//! `AppError`: the one error type of Parlor's HTTP boundary. Server functions return
//! it (so the browser gets the same typed error), and the JSON API answers it as a
//! status code and a `{"error": code, "message": ...}` body. The codes are the
//! enum's variant names in snake_case, for serde and strum alike.

use http::StatusCode;
use leptos::server_fn::{
    ServerFnError,
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

use crate::{
    names::{PASSWORD_RULE, ROOM_RULE, USERNAME_RULE},
    protocol::FrameErrorCode,
};

/// Serialized as `{"error": "<code>", "detail": ...}` for server-function callers.
#[derive(
    Clone,
    Debug,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    thiserror::Error,
    strum::IntoStaticStr,
    strum::EnumIter,
    strum::EnumString,
)]
#[serde(tag = "error", content = "detail", rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum AppError {
    #[error("please log in")]
    Unauthorized,
    #[error("that username is taken")]
    UsernameTaken,
    #[error("wrong username or password")]
    WrongCredentials,
    #[error("{PASSWORD_RULE}")]
    PasswordTooShort,
    #[error("{USERNAME_RULE}")]
    BadUsername,
    #[error("{ROOM_RULE}")]
    BadRoom,
    #[error("{0}")]
    BadRequest(String),
    /// A room (or page) that does not exist, or that the user may not see:
    /// the two answer alike, so probing learns nothing.
    #[error("there is nothing here")]
    NotFound,
    #[error("only the room's owner or an administrator can do that")]
    Forbidden,
    #[error("a room of that name exists already")]
    RoomTaken,
    #[error("this account is deactivated")]
    Deactivated,
    #[error("this invite link is not valid")]
    InviteInvalid,
    #[error("this invite link has expired or was revoked; ask for a new one")]
    InviteExpired,
    #[error("registration is closed on this server; an administrator makes accounts")]
    RegistrationClosed,
    #[error("accounts here are made by invitation only: open the link you were sent")]
    InvitationNeeded,
    #[error("this link was used or has expired; ask for a new one")]
    LinkEnded,
    #[error("log-in with a password is off here: use single sign-on")]
    PasswordLoginOff,
    #[error("single sign-on did not work; please try again")]
    SsoFailed,
    #[error("that is not an e-mail address")]
    BadEmail,
    #[error("too many attempts; try again in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error("cross-site request refused")]
    CrossSite,
    #[error("you have {max} sockets open already; close a tab first")]
    TooManySockets { max: u32 },
    #[error("the file is larger than {max_mb} MB")]
    FileTooLarge { max_mb: u64 },
    /// An upload that is not what it says (an image that does not decode, one
    /// too large to decode), or a request that is not a multipart form.
    #[error("{0}")]
    UnsupportedMedia(String),
    /// A search (or another bounded read) ran out of time.
    #[error("that took too long; try longer or fewer words, or narrow it with in: or from:")]
    TooSlow,
    /// What an API call asked to store was refused by the same rules as a
    /// socket's frame; answered with the frame's own code (`empty_text`, ...).
    #[error("{}", .0.describe())]
    Rejected(FrameErrorCode),
    /// What it names is gone for good (a revoked webhook).
    #[error("{0}")]
    Gone(String),
    /// One more of something that is capped (webhooks of a room or a person).
    #[error("{0}")]
    TooMany(String),
    /// A request for a host this server is not (`--public-url` names its
    /// host): a DNS-rebinding page's request, or a misdirected one.
    #[error("this server does not answer for that host")]
    WrongHost,
    #[error("something went wrong on the server; please try again")]
    Internal,
    #[error("{0}")]
    Transport(String),
}

impl AppError {
    /// Short machine-readable code, stable for clients and tests.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Rejected(code) => code.as_str(),
            other => other.into(),
        }
    }

    /// The HTTP status this error answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unauthorized | Self::WrongCredentials => StatusCode::UNAUTHORIZED,
            Self::UsernameTaken | Self::RoomTaken => StatusCode::CONFLICT,
            Self::NotFound | Self::InviteInvalid => StatusCode::NOT_FOUND,
            Self::Forbidden | Self::Deactivated | Self::RegistrationClosed | Self::InvitationNeeded | Self::PasswordLoginOff => {
                StatusCode::FORBIDDEN
            }
            Self::LinkEnded => StatusCode::GONE,
            Self::SsoFailed => StatusCode::UNAUTHORIZED,
            Self::BadEmail => StatusCode::BAD_REQUEST,
            Self::InviteExpired | Self::Gone(_) => StatusCode::GONE,
            Self::TooMany(_) => StatusCode::CONFLICT,
            Self::WrongHost => StatusCode::MISDIRECTED_REQUEST,
            Self::Rejected(FrameErrorCode::RateLimited) => StatusCode::TOO_MANY_REQUESTS,
            Self::Rejected(FrameErrorCode::StoreFailed) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Rejected(_) => StatusCode::BAD_REQUEST,
            Self::PasswordTooShort | Self::BadUsername | Self::BadRoom | Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::RateLimited { .. } | Self::TooManySockets { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::FileTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMedia(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::CrossSite => StatusCode::FORBIDDEN,
            Self::Internal | Self::Transport(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::TooSlow => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// Rebuilds an error from the `?error=` (and `?retry_after=`) query parameters
    /// of a plain (no-JS) form post's redirect, so the page shows the same message.
    /// Only errors whose text the server chooses are rebuilt: a link cannot make
    /// the page say something else.
    pub fn from_redirect(code: &str, retry_after: Option<&str>) -> Option<Self> {
        match code.parse::<Self>().ok()? {
            Self::BadRequest(_)
            | Self::Transport(_)
            | Self::TooManySockets { .. }
            | Self::FileTooLarge { .. }
            | Self::UnsupportedMedia(_)
            | Self::Rejected(_)
            | Self::Gone(_)
            | Self::TooMany(_) => None,
            Self::RateLimited { .. } => {
                Some(Self::RateLimited { retry_after_secs: retry_after.and_then(|s| s.parse().ok()).unwrap_or(60) })
            }
            other => Some(other),
        }
    }
}

#[cfg(feature = "ssr")]
impl AppError {
    /// A failure on the server: logged with its cause, answered as `internal`
    /// (the details stay in the log).
    pub fn internal(err: impl std::fmt::Display) -> Self {
        tracing::error!(%err, "a request failed");
        Self::Internal
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(msg) | ServerFnErrorErr::MissingArg(msg) => Self::BadRequest(msg),
            other => Self::Transport(other.to_string()),
        }
    }
}

impl From<ServerFnError> for AppError {
    fn from(value: ServerFnError) -> Self {
        Self::Transport(value.to_string())
    }
}

#[cfg(test)]
mod tests {
    use strum::IntoEnumIterator;

    use super::*;

    #[test]
    fn every_code_is_what_serde_writes_and_reads_back() {
        for error in AppError::iter() {
            let json = serde_json::to_value(&error).unwrap();
            // A refusal is answered with its frame's code; serde names the variant.
            let code = if matches!(error, AppError::Rejected(_)) { "rejected" } else { error.code() };
            assert_eq!(json["error"], code, "{error:?}");
            assert_eq!(serde_json::from_value::<AppError>(json).unwrap(), error);
            assert!(
                !error.to_string().is_empty()
                    || matches!(
                        error,
                        AppError::BadRequest(_)
                            | AppError::Transport(_)
                            | AppError::UnsupportedMedia(_)
                            | AppError::Gone(_)
                            | AppError::TooMany(_)
                    )
            );
        }
    }

    #[test]
    fn redirects_rebuild_only_server_worded_errors() {
        assert_eq!(AppError::from_redirect("wrong_credentials", None), Some(AppError::WrongCredentials));
        assert_eq!(AppError::from_redirect("rate_limited", Some("7")), Some(AppError::RateLimited { retry_after_secs: 7 }));
        assert_eq!(AppError::from_redirect("bad_request", None), None);
        assert_eq!(AppError::from_redirect("nonsense", None), None);
        assert!(AppError::from_redirect("bad_username", None).unwrap().to_string().contains("1-32"));
    }
}
