//! The outbox worker: claims due rows (no other instance gets them while its
//! lease holds), and for each decides and pushes — a message only to a user
//! who is away (no room or inbox socket open on any instance: the user's
//! group has no listener) and who may still read the room (the one policy,
//! `Action::Notify`); an update or close only of a notification that was
//! pushed. Then it records the outcome: sent; the subscription forgotten
//! (404/410); cut shorter and tried again (413); tried again later with
//! backoff, honouring `Retry-After` (429, 5xx, no answer), until the push's
//! TTL passes. A subscription's rows go in order; subscriptions in parallel.

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use chrono::Utc;
use futures::{StreamExt, stream};

use super::{
    payload::{self, Payload},
    send::{Outcome, Push, Sender},
};
use crate::{
    backoff::Backoff,
    entity::push_outbox,
    protocol::RoomKind,
    server::{
        accounts::{access, auth::User},
        bus::{ChannelLayer, Group},
        policy::Action,
        storage::{
            Store, StoreError,
            push::{PUSH_TTL, PushKind, PushState, PushedMessage, Urgency},
        },
    },
};

/// Rows claimed at once.
const CLAIM: u64 = 64;
/// Subscriptions pushed to at once.
const PARALLEL: usize = 8;

/// What the worker needs.
pub struct Worker {
    pub store: Store,
    pub layer: Arc<dyn ChannelLayer>,
    pub sender: Sender,
}

/// What handling a row left for the subscription's next rows.
enum Handled {
    Done,
    /// Not before this (Unix ms): the push service asked for time.
    PutOff {
        until: i64,
    },
}

/// What became of one row.
enum Decision {
    Push(Payload, Urgency),
    /// Not pushed, for good, as this state.
    Finish(PushState),
}

impl Worker {
    /// Claims and handles due rows until none are left; how many it handled.
    pub async fn drain(self: &Arc<Self>) -> Result<usize, StoreError> {
        let mut handled = 0;
        loop {
            if !self.store.push().any_push_due().await? {
                return Ok(handled);
            }
            let claimed = self.store.push().claim_pushes(CLAIM).await?;
            if claimed.is_empty() {
                return Ok(handled);
            }
            handled += claimed.len();
            let mut per_subscription: BTreeMap<i64, Vec<push_outbox::Model>> = BTreeMap::new();
            for row in claimed {
                per_subscription.entry(row.subscription_id).or_default().push(row);
            }
            stream::iter(per_subscription.into_values())
                .for_each_concurrent(PARALLEL, |rows| {
                    let worker = self.clone();
                    async move {
                        let mut rows = rows.into_iter();
                        while let Some(row) = rows.next() {
                            match worker.handle(&row).await {
                                Ok(Handled::Done) => {}
                                // The push service put this subscription off: so are its other rows.
                                Ok(Handled::PutOff { until }) => {
                                    for later in rows.by_ref() {
                                        if let Err(err) = worker.store.push().retry_push(&later, until, false).await {
                                            tracing::warn!(%err, "a push could not be put off; it is tried again");
                                        }
                                    }
                                }
                                Err(err) => tracing::warn!(%err, "a push could not be handled; it is tried again"),
                            }
                        }
                    }
                })
                .await;
        }
    }

    /// Decides, pushes and records one claimed row.
    async fn handle(&self, claimed: &push_outbox::Model) -> Result<Handled, StoreError> {
        let now = Utc::now().timestamp_millis();
        if now >= claimed.expires_at {
            count(PushState::Expired.as_str());
            return self.store.push().finish_push(claimed, PushState::Expired).await.map(|()| Handled::Done);
        }
        let Some(subscription) = self.store.push().push_subscription(claimed.subscription_id).await? else {
            return Ok(Handled::Done);
        };
        let (payload, urgency) = match self.decide(claimed).await? {
            Decision::Finish(state) => {
                count(state.as_str());
                return self.store.push().finish_push(claimed, state).await.map(|()| Handled::Done);
            }
            Decision::Push(payload, urgency) => (payload, urgency),
        };
        // The claim is renewed just before the push leaves, so that no other
        // worker can take the row while it is on its way (or it is skipped).
        let Some(row) = self.store.push().renew_push_lease(claimed).await? else {
            return Ok(Handled::Done);
        };
        let row = &row;
        let body = serde_json::to_vec(&payload).unwrap_or_default();
        let push = Push {
            endpoint: &subscription.endpoint,
            p256dh: &subscription.p256dh,
            auth: &subscription.auth,
            payload: &body,
            ttl: Duration::from_millis((row.expires_at - now).max(0) as u64),
            urgency,
            // A close or an update must not replace a message still waiting
            // at the push service (RFC 8030 replaces by `Topic`).
            topic: matches!(payload.kind, "message" | "test").then(|| topic(&payload.tag)),
        };
        let outcome = self.sender.send(&push).await;
        count(match &outcome {
            Outcome::Accepted => "sent",
            Outcome::Gone => "gone",
            Outcome::TooLarge => "too_large",
            Outcome::Later { .. } => "later",
            Outcome::Refused(_) => "refused",
        });
        match outcome {
            Outcome::Accepted => self.store.push().finish_push(row, PushState::Sent).await.map(|()| Handled::Done),
            Outcome::Gone => self.store.push().drop_push_subscription(subscription.id).await.map(|()| Handled::Done),
            Outcome::TooLarge if !row.cut => self.store.push().retry_push(row, now, true).await.map(|()| Handled::Done),
            Outcome::TooLarge | Outcome::Refused(_) => {
                self.store.push().finish_push(row, PushState::Dropped).await.map(|()| Handled::Done)
            }
            Outcome::Later { after } => {
                let backoff = Duration::from_millis(Backoff::PUSH.delay_ms(row.attempts.max(1) as u32 - 1, jitter()).into());
                let wait = after.unwrap_or_default().max(backoff).min(PUSH_TTL);
                let until = now.saturating_add(i64::try_from(wait.as_millis()).unwrap_or(i64::MAX));
                if until >= row.expires_at {
                    self.store.push().finish_push(row, PushState::Expired).await.map(|()| Handled::Done)
                } else {
                    self.store.push().retry_push(row, until, false).await.map(|()| Handled::PutOff { until })
                }
            }
        }
    }

    /// What to push for `row`, or why nothing.
    async fn decide(&self, row: &push_outbox::Model) -> Result<Decision, StoreError> {
        let Ok(kind) = row.kind.parse::<PushKind>() else { return Ok(Decision::Finish(PushState::Dropped)) };
        let Some(room_id) = row.room_id else {
            return Ok(Decision::Push(payload::test(), Urgency::High));
        };
        let Some(message) = self.store.push().pushed_message(room_id, row.target_seq).await? else {
            return Ok(Decision::Finish(PushState::Dropped));
        };
        let Some(account) = self.store.find_user(row.user_id).await? else {
            return Ok(Decision::Finish(PushState::Dropped));
        };
        let user = User(account);
        // The one policy, from the database as it is now: a removed member
        // is pushed nothing more of the room, not even a close.
        if access::room_now(&self.store, &user, &message.room, Action::Notify).await.is_err() {
            return Ok(Decision::Finish(PushState::Dropped));
        }
        let unread = self.store.memberships().rooms_of(row.user_id, false).await?.iter().map(|room| room.unread).sum();
        let urgency: Urgency = if row.urgency == Urgency::High.as_str() { Urgency::High } else { Urgency::Normal };
        match kind {
            PushKind::Message => {
                if message.deleted {
                    return Ok(Decision::Finish(PushState::Dropped));
                }
                if self.is_here(row.user_id).await {
                    return Ok(Decision::Finish(PushState::Skipped));
                }
                let partner = self.partner(&message, row.user_id).await?;
                Ok(Decision::Push(
                    payload::message("message", row.target_seq, &message, partner.as_deref(), unread, row.cut),
                    urgency,
                ))
            }
            PushKind::Update => {
                if message.deleted || !self.store.push().push_was_sent(row).await? {
                    return Ok(Decision::Finish(PushState::Dropped));
                }
                let partner = self.partner(&message, row.user_id).await?;
                Ok(Decision::Push(
                    payload::message("update", row.target_seq, &message, partner.as_deref(), unread, row.cut),
                    Urgency::Normal,
                ))
            }
            PushKind::Close | PushKind::Read => {
                Ok(Decision::Push(payload::close(&message.room, row.target_seq, unread), Urgency::Low))
            }
            PushKind::Test => Ok(Decision::Push(payload::test(), Urgency::High)),
        }
    }

    /// Whether the user has a room or inbox socket open on any instance.
    async fn is_here(&self, user_id: i64) -> bool {
        match self.layer.has_listeners(&Group::User(user_id)).await {
            Ok(here) => here,
            // Unknown: a push too many beats a message never told of.
            Err(err) => {
                tracing::debug!(%err, "could not tell whether a user is here; pushing");
                false
            }
        }
    }

    /// The other member of a direct room, for its title.
    async fn partner(&self, message: &PushedMessage, user_id: i64) -> Result<Option<String>, StoreError> {
        if message.kind != RoomKind::Direct {
            return Ok(None);
        }
        self.store.rooms().direct_partner(&message.room, user_id).await
    }
}

/// Counts a push's outcome in `parlor_pushes_total{outcome}`.
fn count(outcome: &'static str) {
    metrics::counter!(super::PUSHES, "outcome" => outcome).increment(1);
}

/// Uniform enough in `[0, 1)` for backoff jitter.
fn jitter() -> f64 {
    f64::from(Utc::now().timestamp_subsec_nanos() % 1_000) / 1_000.0
}

/// RFC 8030 `Topic` (at most 32 base64url characters) for a notification tag.
fn topic(tag: &str) -> String {
    use base64ct::Encoding;
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(tag.as_bytes());
    base64ct::Base64UrlUnpadded::encode_string(&digest[..24])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_topic_is_32_base64url_characters_and_one_per_tag() {
        let lobby = topic("room:lobby");
        assert_eq!(lobby.len(), 32);
        assert!(lobby.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_eq!(lobby, topic("room:lobby"));
        assert_ne!(lobby, topic("room:other"));
    }
}
