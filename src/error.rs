//! `AppError`: the one error type of Parlor's HTTP boundary. Server functions return
//! it (so the browser gets the same typed error), and the JSON API maps it to a
//! status code and a `{"error": code, "message": ...}` body in one place.

use serde::{Deserialize, Serialize};
use leptos::server_fn::{
    ServerFnError,
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};

/// Serialized as `{"error": "<code>", "detail": ...}` for server-function callers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "error", content = "detail", rename_all = "snake_case")]
pub enum AppError {
    #[error("please log in")]
    Unauthorized,
    #[error("that username is taken")]
    UsernameTaken,
    #[error("wrong username or password")]
    WrongCredentials,
    #[error("passwords need at least 8 characters")]
    PasswordTooShort,
    #[error("{0}")]
    BadUsername(String),
    #[error("{0}")]
    BadRoom(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("too many attempts; try again in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error("cross-site request refused")]
    CrossSite,
    #[error("something went wrong on the server; please try again")]
    Internal,
    #[error("{0}")]
    Transport(String),
}

impl AppError {
    /// Short machine-readable code, stable for clients and tests.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthorized => "unauthorized",
            Self::UsernameTaken => "username_taken",
            Self::WrongCredentials => "wrong_credentials",
            Self::PasswordTooShort => "password_too_short",
            Self::BadUsername(_) => "bad_username",
            Self::BadRoom(_) => "bad_room",
            Self::BadRequest(_) => "bad_request",
            Self::RateLimited { .. } => "rate_limited",
            Self::CrossSite => "cross_site",
            Self::Internal => "internal",
            Self::Transport(_) => "transport",
        }
    }

    /// The HTTP status this error answers with.
    pub fn status(&self) -> u16 {
        match self {
            Self::Unauthorized | Self::WrongCredentials => 401,
            Self::UsernameTaken => 409,
            Self::PasswordTooShort | Self::BadUsername(_) | Self::BadRoom(_) | Self::BadRequest(_) => 400,
            Self::RateLimited { .. } => 429,
            Self::CrossSite => 403,
            Self::Internal | Self::Transport(_) => 500,
        }
    }

    /// Rebuilds an error from the `?error=` (and `?retry_after=`) query parameters
    /// of a plain (no-JS) form post's redirect, so the page shows the same message.
    pub fn from_code(code: &str, retry_after: Option<&str>) -> Option<Self> {
        Some(match code {
            "rate_limited" => Self::RateLimited {
                retry_after_secs: retry_after.and_then(|s| s.parse().ok()).unwrap_or(60),
            },
            "unauthorized" => Self::Unauthorized,
            "username_taken" => Self::UsernameTaken,
            "wrong_credentials" => Self::WrongCredentials,
            "password_too_short" => Self::PasswordTooShort,
            "bad_username" => Self::BadUsername(crate::names::canonical_username("").unwrap_err().into()),
            "internal" => Self::Internal,
            _ => return None,
        })
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
