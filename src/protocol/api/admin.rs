//! The answers of administration (`/api/admin/…`): the accounts and what is
//! done to them, the registration mode, account invitations and password
//! reset links.

use serde::{Deserialize, Serialize};

use crate::protocol::{Account, RegistrationMode};

/// `GET /api/admin/users/` → `{"users": [...]}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountList {
    /// People and bots, oldest first (webhooks' own accounts are not listed).
    pub users: Vec<Account>,
}

/// `POST /api/admin/users/deactivate` → `{"username", "deactivated", "removed_messages"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountDeactivated {
    /// The account's username.
    pub username: String,
    /// Always `true`.
    pub deactivated: bool,
    /// Its messages deleted (with `remove_messages`; else 0).
    pub removed_messages: u64,
}

/// `POST /api/admin/users/reactivate` → `{"username", "deactivated"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountReactivated {
    /// The account's username.
    pub username: String,
    /// Always `false`.
    pub deactivated: bool,
}

/// `POST /api/admin/users/admin` → `{"username", "is_admin"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminChanged {
    /// The account's username.
    pub username: String,
    /// Whether it is an administrator now.
    pub is_admin: bool,
}

/// `GET` and `POST /api/admin/registration` → `{"mode"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registration {
    /// Who may make an account now.
    pub mode: RegistrationMode,
}

/// An account invitation as administrators see it: the answer of `POST
/// /api/admin/invitations`, and one of `GET`'s.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    /// 32 random hex digits.
    pub code: String,
    /// `/welcome/{code}`.
    pub url: String,
    /// How many may register with it.
    pub uses: i64,
    /// How many have.
    pub used: i64,
    /// When it stops working; `null`: when used up or revoked.
    pub expires_at: Option<String>,
    /// Whether an administrator revoked it.
    pub revoked: bool,
    /// Whether it lets someone register now.
    pub works: bool,
    /// The rooms its accounts join.
    pub rooms: Vec<String>,
    /// When it was made.
    pub created_at: String,
}

/// `GET /api/admin/invitations` → `{"invitations": [...]}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationList {
    /// Every invitation, newest first.
    pub invitations: Vec<Invitation>,
}

/// `POST /api/admin/invitations/revoke` → `{"revoked": true, "code"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationRevoked {
    /// Always `true`.
    pub revoked: bool,
    /// The invitation's code.
    pub code: String,
}

/// `POST /api/admin/users/reset` → `{"username", "url", "expires_at"}`: a
/// one-time link that sets the account's password.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetLink {
    /// The account's username.
    pub username: String,
    /// `/reset/{token}`.
    pub url: String,
    /// When the link stops working (24 hours on).
    pub expires_at: String,
}

/// `POST /api/admin/users` → `{"username"}`: the account made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountMade {
    /// The new account's username.
    pub username: String,
}
