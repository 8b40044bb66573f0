//! Accounts for axum-login: the session's `User`, the backend that checks
//! passwords (argon2 through `password-auth`), and registration. Hashing is
//! CPU work on blocking threads, at most one per core at a time, so that a flood
//! of log-ins queues instead of starving everything else.

use std::sync::Arc;

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
}

impl Default for Passwords {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Self { permits: Arc::new(Semaphore::new(cores)) }
    }
}

impl Passwords {
    /// An argon2id hash of `password`.
    pub async fn hash(&self, password: String) -> Result<String, AuthError> {
        self.run(move || password_auth::generate_hash(password)).await
    }

    /// Whether `password` matches `hash`.
    pub async fn verify(&self, password: String, hash: String) -> Result<bool, AuthError> {
        self.run(move || password_auth::verify_password(password, &hash).is_ok()).await
    }

    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, AuthError> {
        let _permit = self.permits.acquire().await.map_err(|_| AuthError::Closed)?;
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
        // Bots and webhooks have no password (theirs matches nothing): they
        // cost the same time as anyone else who is refused.
        let found = found.filter(|u| u.kind == AccountKind::Person);
        let hash = found.as_ref().map_or_else(|| DUMMY_HASH.clone(), |u| u.password_hash.clone());
        let matches = self.passwords.verify(creds.password, hash).await?;
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
    let made = store.create_user(&username, hash, entry).await?;
    Ok((User(made.user), made.invitation))
}

/// A new password is long enough.
pub fn check_password(password: &str) -> Result<(), AppError> {
    if password.chars().count() < MIN_PASSWORD_CHARS { Err(AppError::PasswordTooShort) } else { Ok(()) }
}
