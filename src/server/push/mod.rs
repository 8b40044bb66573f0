//! Web Push (RFC 8030, 8291, 8292): telling people of messages while Parlor
//! is closed, through their browser's own push service and nothing else.
//! On with `--vapid-subject`, off (and the settings say so) without it.
//!
//! - [`keys`]: the VAPID key pair, one for every instance (kept in the
//!   database), and the signature of each push.
//! - [`payload`]: what a push says (JSON, before encryption).
//! - [`send`]: one push over HTTP — encrypted, signed, guarded — and what its
//!   answer means.
//! - [`worker`]: the outbox's worker: claims rows, decides (away? may still
//!   read?), pushes, records, retries.
//!
//! The outbox rows are written with the events they are about
//! (`storage::events::pushes`); subscriptions are kept by `storage::push`.

pub mod keys;
pub mod payload;
pub mod send;
mod worker;

use std::{sync::Arc, time::Duration};

use base64ct::Encoding;

use crate::server::{
    bus::ChannelLayer,
    config::Config,
    previews::Guard,
    storage::{Store, push::NewSubscription},
    tasks::Background,
};

pub use keys::KeyError;

/// Counter of pushes by outcome: `sent`, `later`, `gone`, `too_large`,
/// `refused` (what the push service said), or `skipped`, `dropped`,
/// `expired` (not sent).
pub const PUSHES: &str = "parlor_pushes_total";

/// How often the outbox is looked at for due rows (a cheap indexed read).
const POLL: Duration = Duration::from_millis(250);
/// How often finished rows older than a week are forgotten.
const SWEEP: Duration = Duration::from_secs(3600);

/// Web Push, when it is on. Cheap to clone.
#[derive(Clone)]
pub struct WebPush {
    worker: Arc<worker::Worker>,
}

impl WebPush {
    /// Loads (or makes) the key and starts the worker; `None` when push is
    /// off (no `--vapid-subject`).
    pub async fn start(
        store: &Store,
        layer: Arc<dyn ChannelLayer>,
        config: &Config,
        background: &Background,
    ) -> Result<Option<Self>, KeyError> {
        let Some(subject) = config.vapid_subject.clone() else { return Ok(None) };
        if !config.push_test_allow.is_empty() {
            tracing::warn!(allowed = ?config.push_test_allow, "pushes may reach these non-public addresses over http (a test setting)");
        }
        let keys = keys::Keys::load(store).await?;
        let sender = send::Sender {
            guard: Guard::new(config.push_test_allow.iter().copied()),
            plain_http: config.push_test_allow.clone(),
            keys,
            subject,
        };
        let worker = Arc::new(worker::Worker { store: store.clone(), layer, sender });
        let draining = worker.clone();
        background.spawn(|stop| async move {
            loop {
                tokio::select! {
                    () = tokio::time::sleep(POLL) => {}
                    () = stop.cancelled() => return,
                }
                // Pushes in flight end within their time bound.
                if let Err(err) = draining.drain().await {
                    tracing::warn!(%err, "the push outbox could not be read; trying again");
                }
            }
        });
        let sweeping = store.clone();
        background.every(SWEEP, move || {
            let store = sweeping.clone();
            async move {
                if let Err(err) = store.push().forget_finished_pushes().await {
                    tracing::warn!(%err, "forgetting finished pushes failed");
                }
            }
        });
        Ok(Some(Self { worker }))
    }

    /// `applicationServerKey`, base64url.
    pub fn public_key(&self) -> &str {
        self.worker.sender.keys.public()
    }

    /// Checks a browser's subscription before it is kept: an allowed
    /// endpoint, a P-256 point and a 16-byte secret.
    pub async fn check(&self, subscription: &NewSubscription) -> Result<(), String> {
        self.worker.sender.check_endpoint(&subscription.endpoint).await?;
        let point = base64ct::Base64UrlUnpadded::decode_vec(subscription.p256dh.trim_end_matches('='))
            .ok()
            .filter(|point| web_push_native::p256::PublicKey::from_sec1_bytes(point).is_ok());
        if point.is_none() {
            return Err("keys.p256dh is not a P-256 public key (base64url)".to_owned());
        }
        let auth = base64ct::Base64UrlUnpadded::decode_vec(subscription.auth.trim_end_matches('='));
        if !auth.is_ok_and(|auth| auth.len() == 16) {
            return Err("keys.auth is not a 16-byte secret (base64url)".to_owned());
        }
        Ok(())
    }
}
