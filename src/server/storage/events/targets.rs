//! What the batch's events are about, loaded once per batch: the messages its
//! edits, deletions, reactions, replies and thread replies name, the reactions now on them,
//! and the files its messages carry. The rules change it as they accept
//! events, so that later events of the batch see earlier ones.

use std::collections::{BTreeMap, HashMap};

use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, sea_query::ExprTrait};

use super::{Refusal, event_rows::EventRow};
use crate::{
    entity::{attachment, message, message::EventKind, reaction, room},
    protocol::{EventBody, ReplyRef, ThreadSummary},
    server::storage::{attachments, writes::NewEvent},
};

/// A message an event of the batch is about, as the batch changes it.
#[derive(Clone, Debug)]
pub struct TargetState {
    pub kind: EventKind,
    pub sender_id: Option<i64>,
    pub sender: String,
    pub text: String,
    pub deleted: bool,
    /// It shows a link preview.
    pub previewed: bool,
    /// For a thread reply: its root's `seq`.
    pub thread: Option<i64>,
    /// For a root: its thread's replies so far, and their summary.
    pub replies: i64,
    pub summary: Option<ThreadSummary>,
}

impl TargetState {
    /// How a reply quotes this message, its `seq`.
    pub fn quote(&self, seq: i64) -> ReplyRef {
        super::event_rows::quote(seq, self.sender.clone(), &self.text, self.deleted)
    }

    pub fn of(row: &EventRow) -> Self {
        Self {
            kind: row.kind,
            sender_id: row.sender_id,
            sender: row.sender_username(),
            text: row.text.clone(),
            deleted: row.deleted,
            previewed: row.preview.is_some(),
            thread: row.thread,
            replies: row.reply_count,
            summary: row.summary(),
        }
    }
}

/// A reaction: (room id, target, user id, emoji).
pub type ReactionKey = (i64, i64, i64, String);

/// What the batch's rules read, and change as events are accepted.
pub struct Loaded {
    /// The messages named, by (room id, seq).
    pub targets: HashMap<(i64, i64), TargetState>,
    /// The reactions now on them that the batch's reactions are about.
    pub reactions: Vec<ReactionKey>,
    /// The attachments the batch's messages carry, by id.
    pub files: HashMap<String, attachment::Model>,
}

impl Loaded {
    /// Reads what the batch's events are about (in the batch's rooms that exist).
    pub async fn load(
        db: &impl ConnectionTrait,
        batch: &[&NewEvent],
        rooms: &HashMap<String, room::Model>,
    ) -> Result<Self, DbErr> {
        Ok(Self {
            targets: load_targets(db, batch, rooms).await?,
            reactions: load_reactions(db, batch, rooms).await?,
            files: attachments::named(db, batch.iter().filter_map(|e| e.body.attachment()).collect()).await?,
        })
    }

    /// Who wrote the message `event` is about, when it is known: whether it
    /// is the event's sender's own.
    pub fn is_own(&self, event: &NewEvent, room_id: Option<i64>) -> Option<bool> {
        let target = self.targets.get(&(room_id?, event.body.target()?))?;
        Some(target.sender_id == Some(event.sender.id))
    }

    /// The message at `seq` (not an edit or reaction row).
    pub fn message(&mut self, room_id: i64, seq: i64) -> Result<&mut TargetState, Refusal> {
        match self.targets.get_mut(&(room_id, seq)) {
            Some(state) if state.kind == EventKind::Message => Ok(state),
            _ => Err(Refusal::NotFound),
        }
    }

    /// The message at `seq`, if it may still change: it exists and is not deleted.
    pub fn live_message(&mut self, room_id: i64, seq: i64) -> Result<&mut TargetState, Refusal> {
        let state = self.message(room_id, seq)?;
        if state.deleted {
            return Err(Refusal::Deleted);
        }
        Ok(state)
    }
}

/// The messages the batch's edits, deletions, reactions and replies are about,
/// by (room id, seq).
async fn load_targets(
    db: &impl ConnectionTrait,
    batch: &[&NewEvent],
    rooms: &HashMap<String, room::Model>,
) -> Result<HashMap<(i64, i64), TargetState>, DbErr> {
    let mut wanted: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for event in batch {
        let Some(room) = rooms.get(&event.room) else { continue };
        let named = [event.body.target(), event.body.reply_to(), event.body.thread().map(|thread| thread.root)];
        wanted.entry(room.id).or_default().extend(named.into_iter().flatten());
    }
    wanted.retain(|_, seqs| !seqs.is_empty());
    if wanted.is_empty() {
        return Ok(HashMap::new());
    }
    let any = wanted.into_iter().fold(Condition::any(), |any, (room_id, seqs)| {
        any.add(message::Column::RoomId.eq(room_id).and(message::Column::Seq.is_in(seqs)))
    });
    let rows = EventRow::select().filter(any).into_model::<EventRow>().all(db).await?;
    Ok(rows.iter().map(|row| ((row.room_id, row.seq), TargetState::of(row))).collect())
}

/// The reactions now on the messages the batch's reactions are about.
async fn load_reactions(
    db: &impl ConnectionTrait,
    batch: &[&NewEvent],
    rooms: &HashMap<String, room::Model>,
) -> Result<Vec<ReactionKey>, DbErr> {
    let any = batch.iter().fold(Condition::any(), |any, event| match (&event.body, rooms.get(&event.room)) {
        (EventBody::Reaction(body), Some(room)) => any.add(
            reaction::Column::RoomId
                .eq(room.id)
                .and(reaction::Column::Target.eq(body.target))
                .and(reaction::Column::UserId.eq(event.sender.id))
                .and(reaction::Column::Emoji.eq(body.emoji.as_str())),
        ),
        _ => any,
    });
    if any.is_empty() {
        return Ok(Vec::new());
    }
    let rows = reaction::Entity::find().filter(any).all(db).await?;
    Ok(rows.into_iter().map(|r| (r.room_id, r.target, r.user_id, r.emoji)).collect())
}
