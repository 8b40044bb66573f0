//! Accounts for axum-login: the session's `User`, the backend that checks
//! passwords (argon2 through `password-auth`), and registration. Hashing is
//! CPU work on blocking threads, at most one per core at a time, so that a flood
//! of log-ins queues instead of starving everything else.

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

use axum_login::{AuthUser, AuthnBackend, UserId};
use tokio::sync::Semaphore;

use crate::{
    entity::{invitation, user},
    error::AppError,
    names::{MIN_PASSWORD_CHARS, canonical_username},
    protocol::AccountKind,
    server::storage::{Store, StoreError, registration::Entry},
};

/// The logged-in user, as the session holds it.
#[derive(Clone)]
pub struct User(pub user::Model);

impl std::fmt::Debug for User {
    // The password hash never reaches a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User").field("id", &self.0.id).field("username", &self.0.username).finish()
    }
}

impl AuthUser for User {
    type Id = i64;

    fn id(&self) -> i64 {
        self.0.id
    }

    // Changing the password invalidates every existing session.
    fn session_auth_hash(&self) -> &[u8] {
        self.0.password_hash.as_bytes()
    }
}

/// What a login form carries.
#[derive(Clone)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

/// Hashes and verifies passwords, as many at a time as there are cores.
#[derive(Clone)]
pub struct Passwords {
    permits: Arc<Semaphore>,
    /// Argon2 runs so far (`parlor_password_hashes_total`): what a door costs
    /// the hashing slots that log-ins share.
    runs: Arc<AtomicU64>,
}

impl Default for Passwords {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Self { permits: Arc::new(Semaphore::new(cores)), runs: Arc::default() }
    }
}

impl Passwords {
    /// An argon2id hash of `password`.
    pub async fn hash(&self, password: String) -> Result<String, AuthError> {
        self.run(move || password_auth::generate_hash(password)).await
    }

    /// Whether `password` matches `hash`. An account without a password
    /// (single sign-on, bots, webhooks: a string that is no hash) is checked
    /// against a dummy hash and never matches, so that its refusal takes as
    /// long as anyone else's and does not tell such accounts apart.
    pub async fn verify(&self, password: String, hash: String) -> Result<bool, AuthError> {
        self.run(move || {
            if is_password_hash(&hash) {
                password_auth::verify_password(password, &hash).is_ok()
            } else {
                let _ = password_auth::verify_password(password, &DUMMY_HASH);
                false
            }
        })
        .await
    }

    /// Spends the time of one verification and matches nothing: the refusal
    /// of an unknown username.
    pub async fn refuse(&self, password: String) -> Result<bool, AuthError> {
        self.verify(password, String::new()).await
    }

    /// How many hashes and verifications this server has run.
    pub fn runs(&self) -> u64 {
        self.runs.load(Ordering::Relaxed)
    }

    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, AuthError> {
        let _permit = self.permits.acquire().await.map_err(|_| AuthError::Closed)?;
        self.runs.fetch_add(1, Ordering::Relaxed);
        metrics::counter!(crate::server::metrics::PASSWORD_HASHES).increment(1);
        Ok(tokio::task::spawn_blocking(work).await?)
    }
}

/// Looks users up in the database and verifies their passwords.
#[derive(Clone)]
pub struct Backend {
    store: Store,
    passwords: Passwords,
}

impl Backend {
    pub fn new(store: Store, passwords: Passwords) -> Self {
        Self { store, passwords }
    }
}

/// Why authentication could not be decided.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("password hashing task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    #[error("password hashing has stopped")]
    Closed,
}

/// Whether `stored` is a password's hash (a PHC string of argon2), not the
/// mark of an account without a password (single sign-on, bots, webhooks).
pub fn is_password_hash(stored: &str) -> bool {
    stored.starts_with("$argon2")
}

/// Hash used when the username does not exist, so a wrong username costs the same
/// time as a wrong password and does not reveal which accounts exist.
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| password_auth::generate_hash("parlor-timing-equaliser"));

impl AuthnBackend for Backend {
    type User = User;
    type Credentials = Credentials;
    type Error = AuthError;

    async fn authenticate(&self, creds: Credentials) -> Result<Option<User>, AuthError> {
        let found = match canonical_username(&creds.username) {
            Ok(name) => self.store.find_user_by_name(&name).await?,
            Err(_) => None,
        };
        // Bots and webhooks have no password (theirs matches nothing), nor
        // have single sign-on accounts: each costs the same time as anyone
        // else who is refused (`Passwords::verify`).
        let found = found.filter(|u| u.kind == AccountKind::Person);
        let matches = match &found {
            Some(user) => self.passwords.verify(creds.password, user.password_hash.clone()).await?,
            None => self.passwords.refuse(creds.password).await?,
        };
        Ok(found.filter(|_| matches).map(User))
    }

    /// A deactivated account has no user: its sessions are anonymous from
    /// then on. Only people have sessions.
    async fn get_user(&self, id: &UserId<Self>) -> Result<Option<User>, AuthError> {
        Ok(self.store.find_user(*id).await?.filter(|user| !user.deactivated && user.kind == AccountKind::Person).map(User))
    }
}

/// The axum-login session of a request.
pub type AuthSession = axum_login::AuthSession<Backend>;

/// Validates a new account and stores it with an argon2 hash of its
/// password, if `entry` may make one now (the registration mode, an
/// invitation); the account, and the invitation it used.
pub async fn register(
    store: &Store,
    passwords: &Passwords,
    (username, password): (&str, String),
    entry: Entry<'_>,
) -> Result<(User, Option<invitation::Model>), AppError> {
    let username = canonical_username(username).map_err(|_| AppError::BadUsername)?;
    check_password(&password)?;
    let hash = passwords.hash(password).await.map_err(|_| AppError::Internal)?;
    let made = store.registration().create_user(&username, hash, entry).await?;
    Ok((User(made.user), made.invitation))
}

/// A new password is long enough.
pub fn check_password(password: &str) -> Result<(), AppError> {
    if password.chars().count() < MIN_PASSWORD_CHARS { Err(AppError::PasswordTooShort) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_account_without_a_password_costs_one_verification_and_matches_nothing() {
        let passwords = Passwords::default();
        let real = passwords.hash("correct horse".into()).await.unwrap();
        assert!(passwords.verify("correct horse".into(), real).await.unwrap());
        let before = passwords.runs();
        for stored in [crate::server::storage::integrations::bots::NO_PASSWORD, "", "correct horse"] {
            assert!(!passwords.verify("correct horse".into(), stored.into()).await.unwrap(), "{stored:?}");
        }
        assert!(!passwords.refuse("anything".into()).await.unwrap());
        assert_eq!(passwords.runs() - before, 4, "each refusal ran argon2 once, as a wrong password does");
    }
}
