//! Accounts as both sides name them: what an account is ([`AccountKind`]),
//! who may make one ([`RegistrationMode`]), and an account as administrators
//! see it.

use serde::{Deserialize, Serialize};

/// What an account is: a person, a bot, or an incoming webhook's own account.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::EnumIter,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(sea_orm::DeriveActiveEnum))]
#[cfg_attr(feature = "ssr", sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case"))]
pub enum AccountKind {
    /// Logs in with a password.
    #[default]
    Person,
    /// An administrator's bot: API tokens only, never a password.
    Bot,
    /// An incoming webhook's account: posts through its URL only.
    Hook,
}

impl AccountKind {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Shown with a BOT badge (bots and webhooks).
    pub fn is_bot(self) -> bool {
        self != Self::Person
    }
}

/// Who may make an account (`--registration`, then an administrator's choice).
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::EnumIter,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(clap::ValueEnum))]
pub enum RegistrationMode {
    /// Anyone.
    #[default]
    Open,
    /// Only with an account invitation (single sign-on counts as invited).
    Invite,
    /// Nobody: administrators make accounts.
    Closed,
}

impl RegistrationMode {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// What the register page says of it.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Open => "Anyone may create an account here.",
            Self::Invite => "Accounts are made by invitation only: open the link you were sent.",
            Self::Closed => "Registration is closed: an administrator makes accounts.",
        }
    }
}

/// An account as administrators see it (`GET /api/admin/users/`, `/admin`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub username: String,
    pub is_admin: bool,
    pub deactivated: bool,
    /// A person, a bot or a webhook's account.
    #[serde(default)]
    pub kind: AccountKind,
    /// RFC 3339, UTC.
    pub created_at: String,
}
