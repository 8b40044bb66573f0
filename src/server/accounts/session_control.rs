//! Beginning and ending sessions, and keeping active ones alive. Log-in always
//! starts a new session id (also over an existing session: no fixation); log-out
//! and a new log-in end the old session's sockets on every instance, through the
//! user's group in the channel layer; a request of a logged-in session refreshes
//! the session's expiry now and then, so that activity keeps a user logged in.
//!
//! Every logged-in session has a device row (`storage::devices`): created on
//! its first request, its last use kept to within [`SEEN_EVERY`]. A user can
//! end one of their sessions by its handle, all of them ("log out
//! everywhere"), or all but the current one (a password change): the session
//! records are deleted and their sockets close on every instance.

use std::{
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use tower_sessions::{Session, SessionStore, session::Id};

use crate::{
    error::AppError,
    protocol::CloseReason,
    server::{
        accounts::auth::{AuthSession, User},
        bus::{ChannelLayer, Event, Group, SessionKey},
        storage::{
            Store,
            sessions::{DEVICE, DbSessionStore, USER_AGENT},
        },
    },
};

/// How often a socket opened with an API token checks that the token stands
/// (its revocation closes it at once; this is for news the layer lost).
const TOKEN_RECHECK: Duration = Duration::from_secs(300);

/// What a socket's access rests on: a browser's log-in session, or an API
/// token; the socket ends with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credential {
    Session(Id),
    /// An API token, by id.
    Token(i64),
}

impl Credential {
    /// The key events name it by (`Event::EndSessions`).
    pub fn key(&self) -> SessionKey {
        match self {
            Self::Session(id) => SessionKey::of(id),
            Self::Token(id) => SessionKey::of_token(*id),
        }
    }
}

/// Session data key: when the session's expiry was last pushed back (Unix milliseconds).
const REFRESHED_AT: &str = "parlor.refreshed_at";
/// Session data key: when the device's last use was last written (Unix milliseconds).
const SEEN_AT: &str = "parlor.seen_at";
/// How stale a device's "last used" may get before it is written again.
pub const SEEN_EVERY: Duration = Duration::from_secs(300);
/// A session is refreshed when this fraction of its lifetime has passed since
/// the last refresh (a day, for the default 14 days).
const REFRESH_FRACTION: u32 = 14;

/// How sessions are kept and ended.
#[derive(Clone)]
pub struct SessionControl {
    layer: Arc<dyn ChannelLayer>,
    store: DbSessionStore,
    /// Where API tokens are kept.
    tokens: Store,
    /// How long a session lasts without activity.
    lifetime: Duration,
}

impl SessionControl {
    pub fn new(layer: Arc<dyn ChannelLayer>, store: DbSessionStore, tokens: Store, lifetime: Duration) -> Self {
        Self { layer, store, tokens, lifetime }
    }

    /// How long a session lasts without activity.
    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    /// When the stored session `id` expires, or `None` when it has ended
    /// (logged out, expired, removed). Errors count as "still valid": a
    /// database hiccup must not log everyone out.
    pub async fn valid_until(&self, id: &Id) -> Option<SystemTime> {
        match self.store.load(id).await {
            Ok(Some(record)) => Some(SystemTime::from(record.expiry_date)),
            Ok(None) => None,
            Err(err) => {
                tracing::warn!(%err, "could not check a session; trying again later");
                Some(SystemTime::now() + Duration::from_secs(60))
            }
        }
    }

    /// Until when `credential` stands, or `None` when it has ended: a
    /// session's expiry; a token, until it is next checked. Errors count as
    /// "still valid", as for [`Self::valid_until`].
    pub async fn credential_valid_until(&self, credential: &Credential) -> Option<SystemTime> {
        match credential {
            Credential::Session(id) => self.valid_until(id).await,
            Credential::Token(id) => match self.tokens.tokens().token_alive(*id).await {
                Ok(true) => Some(SystemTime::now() + TOKEN_RECHECK),
                Ok(false) => None,
                Err(err) => {
                    tracing::warn!(%err, "could not check a token; trying again later");
                    Some(SystemTime::now() + Duration::from_secs(60))
                }
            },
        }
    }

    /// Closes the sockets opened with `user_id`'s token `token_id` on every instance.
    pub async fn end_token_sockets(&self, user_id: i64, token_id: i64) {
        self.end_sockets(user_id, Some(SessionKey::of_token(token_id))).await;
    }

    /// Logs `user` in with a fresh session id, whatever session the request had;
    /// a session that was logged in before ends (its sockets close). The new
    /// session is stored with its device (`user_agent`), listed from now on.
    pub async fn log_in(&self, auth: &mut AuthSession, user: &User, user_agent: &str) -> Result<(), AppError> {
        let before = auth.user.as_ref().zip(auth.session.id()).map(|(old, id)| (old.0.id, SessionKey::of(&id)));
        self.renew(auth, user, user_agent).await?;
        if let Some((user_id, key)) = before {
            self.end_sockets(user_id, Some(key)).await;
        }
        Ok(())
    }

    /// Logs `user` in again on this session with a fresh id (after a password
    /// change: the session then carries the new password's hash). Its device
    /// is recorded again when the session is stored.
    pub async fn renew(&self, auth: &mut AuthSession, user: &User, user_agent: &str) -> Result<(), AppError> {
        if let Ok(Some(handle)) = auth.session.remove::<String>(DEVICE).await {
            self.forget_device(&handle).await;
        }
        auth.session.cycle_id().await.map_err(AppError::internal)?;
        auth.login(user).await.map_err(AppError::internal)?;
        auth.session.insert(REFRESHED_AT, now_millis()).await.map_err(AppError::internal)?;
        auth.session.insert(USER_AGENT, user_agent).await.map_err(AppError::internal)?;
        Ok(())
    }

    /// Ends the session on the server and closes its sockets everywhere.
    pub async fn log_out(&self, auth: &mut AuthSession) -> Result<(), AppError> {
        let ending = auth.user.as_ref().zip(auth.session.id()).map(|(user, id)| (user.0.id, SessionKey::of(&id)));
        if let Ok(Some(handle)) = auth.session.get::<String>(DEVICE).await {
            self.forget_device(&handle).await;
        }
        auth.logout().await.map_err(AppError::internal)?;
        if let Some((user_id, key)) = ending {
            self.end_sockets(user_id, Some(key)).await;
        }
        Ok(())
    }

    /// Keeps the device row of a logged-in session: creates it on the
    /// session's first request, and marks it used at most every [`SEEN_EVERY`].
    pub async fn track_device(&self, session: &Session, user: &User, user_agent: &str) {
        let Some(id) = session.id() else { return };
        let now = now_millis();
        match session.get::<String>(DEVICE).await {
            Ok(Some(handle)) => {
                let seen = session.get::<u64>(SEEN_AT).await.ok().flatten().unwrap_or(0);
                if now.saturating_sub(seen) >= SEEN_EVERY.as_millis() as u64 {
                    let _ = session.insert(SEEN_AT, now).await;
                    if let Err(err) = self.store.device_seen(&handle).await {
                        tracing::warn!(%err, "marking a device used failed");
                    }
                }
            }
            Ok(None) => match self.store.record_device(&id.to_string(), user.0.id, user_agent).await {
                Ok(handle) => {
                    let _ = session.insert(DEVICE, handle).await;
                    let _ = session.insert(SEEN_AT, now).await;
                }
                Err(err) => tracing::warn!(%err, "recording a device failed"),
            },
            Err(err) => tracing::warn!(%err, "reading a session failed"),
        }
    }

    /// User `user_id`'s logged-in sessions, most recently used first.
    pub async fn devices(&self, user_id: i64) -> Result<Vec<crate::entity::device::Model>, AppError> {
        Ok(self.store.devices_of(user_id).await?)
    }

    /// The handle of this session's device, once it has one.
    pub async fn device_handle(&self, session: &Session) -> Option<String> {
        session.get::<String>(DEVICE).await.ok().flatten()
    }

    /// Ends user `user_id`'s session `handle`: its record goes (the next request
    /// is logged out) and its sockets close on every instance. `false` when the
    /// user has no such session.
    pub async fn end_device(&self, user_id: i64, handle: &str) -> Result<bool, AppError> {
        let Some(device) = self.store.device_of(user_id, handle).await? else {
            return Ok(false);
        };
        self.end_session_id(user_id, &device.session_id).await?;
        self.forget_device(handle).await;
        Ok(true)
    }

    /// Ends every session of `user_id` but `keep` (a session id), closing their sockets.
    pub async fn end_other_sessions(&self, user_id: i64, keep: Option<&Id>) -> Result<(), AppError> {
        let keep = keep.map(ToString::to_string);
        for session_id in self.store.session_ids_of(user_id).await? {
            if Some(&session_id) != keep.as_ref() {
                self.end_session_id(user_id, &session_id).await?;
            }
        }
        Ok(())
    }

    /// Deletes the session record `session_id` and its device, and closes its sockets.
    async fn end_session_id(&self, user_id: i64, session_id: &str) -> Result<(), AppError> {
        if let Ok(id) = session_id.parse::<Id>() {
            self.store.delete(&id).await.map_err(AppError::internal)?;
            self.end_sockets(user_id, Some(SessionKey::of(&id))).await;
        }
        Ok(())
    }

    async fn forget_device(&self, handle: &str) {
        if let Err(err) = self.store.forget_device(handle).await {
            tracing::warn!(%err, "forgetting a device failed");
        }
    }

    /// Closes the sockets of one session of `user_id` (or of all its sessions)
    /// on every instance.
    pub async fn end_sockets(&self, user_id: i64, session: Option<SessionKey>) {
        let event = Event::EndSessions { session, reason: CloseReason::SessionEnded };
        if let Err(err) = self.layer.group_send(&Group::User(user_id), event).await {
            tracing::warn!(%err, user_id, "could not tell every instance that a session ended");
        }
    }

    /// When `session` expires unless it is used again: from its last refresh.
    pub async fn expires_at(&self, session: &Session) -> SystemTime {
        let refreshed = session.get::<u64>(REFRESHED_AT).await.ok().flatten().unwrap_or_else(now_millis);
        UNIX_EPOCH + Duration::from_millis(refreshed) + self.lifetime
    }

    /// Pushes the expiry of a logged-in session back when a good part of its
    /// lifetime has passed since the last time (one write a day by default, not
    /// one per request).
    pub async fn refresh(&self, session: &Session) {
        let Ok(Some(refreshed)) = session.get::<u64>(REFRESHED_AT).await else { return };
        let due = refreshed + (self.lifetime / REFRESH_FRACTION).as_millis() as u64;
        if now_millis() >= due {
            // Marks the session modified: tower-sessions saves it with a new expiry.
            if let Err(err) = session.insert(REFRESHED_AT, now_millis()).await {
                tracing::warn!(%err, "refreshing a session failed");
            }
        }
    }
}

fn now_millis() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_millis() as u64
}
