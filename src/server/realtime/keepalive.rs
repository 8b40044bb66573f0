//! What keeps a socket alive, shared by the room socket and the inbox: pings on
//! a quiet connection (and closing one that answers nothing), and the session
//! (or API token) the socket belongs to (it ends when the session ends, checked when the
//! session would expire and whenever the layer may have lost news of it).

use std::{
    pin::Pin,
    time::{Duration, Instant, SystemTime},
};

use tokio::time::{Interval, Sleep};

use crate::{
    protocol::CloseReason,
    server::{
        accounts::session_control::{Credential, SessionControl},
        bus::SessionKey,
        config::Config,
    },
};

/// Pings a client may leave unanswered (sending nothing at all) before it is closed.
const UNANSWERED_PINGS: u32 = 3;
/// How soon a session whose check was inconclusive is checked again.
const SESSION_RECHECK: Duration = Duration::from_secs(1);

/// What the socket must do now.
pub enum Due {
    /// Send a ping.
    Ping,
    /// Close with this reason.
    Close(CloseReason),
    /// Nothing (a session check found the session alive).
    Nothing,
}

/// A socket's pings and session.
pub struct KeepAlive {
    sessions: SessionControl,
    /// The session or token the socket was opened with.
    credential: Credential,
    key: SessionKey,
    ping_every: Duration,
    pings: Interval,
    /// When the client last sent anything (a frame, a pong).
    last_heard: Instant,
    expiry: Pin<Box<Sleep>>,
}

impl KeepAlive {
    pub fn new(config: &Config, sessions: SessionControl, credential: Credential, expires_at: SystemTime) -> Self {
        let ping_every = Duration::from_secs(config.ping_secs);
        Self {
            sessions,
            key: credential.key(),
            credential,
            ping_every,
            pings: tokio::time::interval_at(tokio::time::Instant::now() + ping_every, ping_every),
            last_heard: Instant::now(),
            expiry: Box::pin(tokio::time::sleep_until(until(expires_at))),
        }
    }

    /// The client sent something.
    pub fn heard(&mut self) {
        self.last_heard = Instant::now();
    }

    /// Whether an end of `session` (or of all the user's sessions) is this socket's.
    pub fn is_ended_by(&self, session: Option<SessionKey>) -> bool {
        session.is_none_or(|key| key == self.key)
    }

    /// Waits until a ping is due or the session would expire.
    pub async fn due(&mut self) -> Due {
        tokio::select! {
            _ = self.pings.tick() => {
                if self.last_heard.elapsed() > self.ping_every * UNANSWERED_PINGS {
                    Due::Close(CloseReason::Idle)
                } else {
                    Due::Ping
                }
            }
            // Boxed: the query's state is not kept by every idle socket.
            () = &mut self.expiry => match Box::pin(self.check_session()).await {
                true => Due::Nothing,
                false => Due::Close(CloseReason::SessionEnded),
            },
        }
    }

    /// Whether the session still stands; learns when it expires next.
    pub async fn check_session(&mut self) -> bool {
        match self.sessions.credential_valid_until(&self.credential).await {
            Some(expires_at) if expires_at > SystemTime::now() => {
                let next = expires_at.max(SystemTime::now() + SESSION_RECHECK);
                self.expiry.as_mut().reset(until(next));
                true
            }
            _ => false,
        }
    }
}

/// The tokio instant of a wall-clock time (now, if it is past).
fn until(at: SystemTime) -> tokio::time::Instant {
    let left = at.duration_since(SystemTime::now()).unwrap_or_default();
    tokio::time::Instant::now() + left
}
