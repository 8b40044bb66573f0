//! The mail outbox's worker: every second it takes the rows whose first
//! message is older than `--mail-delay-secs` (claimed by moving them a
//! minute later, so that one instance has each; a crash retries it then),
//! and for each decides: the user read the room up to it since, is reading
//! now (a socket open on any instance), lost the room (the policy's
//! `Notify`) or no longer wants mails — dropped; else one mail lists the
//! room's missed mentions and direct messages, with a link to the first and
//! a one-click unsubscribe.

use std::{sync::Arc, time::Duration};

use super::{
    Mailer,
    compose::{self, Missed},
};
use crate::protocol::events::message;
use crate::{
    entity::mail_outbox,
    paths,
    protocol::{RoomKind, ServerFrame, room_label},
    server::{
        accounts::{access, auth::User},
        bus::{ChannelLayer, Group},
        policy::Action,
        storage::{Store, StoreError, integrations::now_ms},
    },
};

/// Rows taken at once.
const CLAIM: u64 = 50;
/// How long a claim holds: a mail not finished by then is tried again.
const CLAIM_MS: i64 = 60_000;
/// Tries of one mail before it is given up.
const TRIES: i32 = 5;
/// Messages a mail quotes.
const QUOTED: usize = 5;
/// A message older than this is not mailed any more (mail was off, or down, for a day).
const TOO_OLD_MS: i64 = 24 * 3600 * 1000;

pub struct Worker {
    pub store: Store,
    pub layer: Arc<dyn ChannelLayer>,
    pub mailer: Mailer,
    /// How long a message waits to be read before it is mailed.
    pub delay: Duration,
}

/// What becomes of one row.
enum Decision {
    /// Not mailed, for good.
    Drop(&'static str),
    /// Mail this to this address.
    Send(String, compose::Mail),
}

impl Worker {
    /// Handles the due rows.
    pub async fn drain(&self) -> Result<(), StoreError> {
        let first_before = now_ms() - self.delay.as_millis() as i64;
        for row in self.store.emails().due_mails(first_before, CLAIM).await? {
            // A minute from now, however late the row is: no other instance
            // takes it meanwhile, and a crash mails it then.
            if !self.store.emails().claim_mail(&row, row.due_at.max(first_before) + CLAIM_MS).await? {
                continue;
            }
            let decision = match self.decide(&row).await {
                Ok(decision) => decision,
                Err(err) => {
                    tracing::warn!(%err, "a mail could not be decided; trying again later");
                    continue;
                }
            };
            match decision {
                Decision::Drop(why) => {
                    tracing::debug!(user = row.user_id, room = row.room_id, why, "a missed-messages mail is not needed");
                    self.store.emails().finish_mail(&row).await?;
                }
                Decision::Send(to, mail) => match self.mailer.send("missed", &to, mail).await {
                    Ok(()) => self.store.emails().finish_mail(&row).await?,
                    // Claimed a minute ahead: tried again then, a few times.
                    Err(err) if row.attempts + 1 < TRIES => tracing::warn!(%err, "a mail was not sent; trying again"),
                    Err(err) => {
                        tracing::warn!(%err, "a mail was not sent; giving up");
                        self.store.emails().finish_mail(&row).await?;
                    }
                },
            }
        }
        Ok(())
    }

    async fn decide(&self, row: &mail_outbox::Model) -> Result<Decision, StoreError> {
        let store = &self.store;
        if now_ms() - row.due_at > TOO_OLD_MS {
            return Ok(Decision::Drop("too old to tell (mail was off meanwhile)"));
        }
        let Some(user) = store.find_user(row.user_id).await?.filter(|user| !user.deactivated) else {
            return Ok(Decision::Drop("no account"));
        };
        let Some(address) = store.emails().email_of(user.id).await?.filter(|address| address.verified && address.notify) else {
            return Ok(Decision::Drop("no address"));
        };
        let Some(room) = store.room_name_of(row.room_id).await? else { return Ok(Decision::Drop("no room")) };
        if access::room_now(store, &User(user.clone()), &room, Action::Notify).await.is_err() {
            return Ok(Decision::Drop("the room is not theirs"));
        }
        let Some(status) = store.memberships().room_status(user.id, &room).await? else {
            return Ok(Decision::Drop("not in their list"));
        };
        if status.last_read_seq >= row.last_seq {
            return Ok(Decision::Drop("read in time"));
        }
        if self.layer.has_listeners(&Group::User(user.id)).await.unwrap_or(false) {
            return Ok(Decision::Drop("reading now"));
        }
        let after = (row.first_seq - 1).max(status.last_read_seq);
        let events = store.events_after(&room, after, (row.last_seq - after).max(0) as u64).await?;
        let direct = status.kind == RoomKind::Direct;
        let missed: Vec<Missed> = events
            .into_iter()
            .filter_map(|(_, frame)| match frame {
                ServerFrame::Message(message::Frame { message, .. })
                    if message.sender != user.username
                        && !message.deleted
                        && (direct || message.mentions.contains(&user.username)) =>
                {
                    Some(Missed { sender: message.sender_name.unwrap_or(message.sender), text: message.text, bot: message.bot })
                }
                _ => None,
            })
            .collect();
        if missed.is_empty() {
            return Ok(Decision::Drop("nothing left to tell"));
        }
        let label = room_label(&room, status.kind, status.title.as_deref(), status.with.as_deref());
        let link = self.mailer.link(&paths::message(&room, row.first_seq.max(after + 1)));
        let unsubscribe = self.mailer.link(&paths::unsubscribe(&address.unsubscribe_token));
        let count = missed.len() as i32;
        let quoted = &missed[..missed.len().min(QUOTED)];
        let mail = compose::missed(&user.username, &label, count, quoted, &link, &unsubscribe);
        Ok(Decision::Send(address.address, mail))
    }
}
