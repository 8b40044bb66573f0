//! One batch of room events in one transaction (group commit), step by step:
//! resends are answered with the copy stored first; who may write is judged
//! by the policy ([`Admission`]); each kind's rules judge its event against
//! what the batch loaded, in batch order, and a refused event takes no `seq`;
//! the accepted events get their rooms' next seqs (and messages their `n`);
//! their rows are written, their changes applied, mentions and memberships
//! recorded, their Web Pushes queued (`pushes`); and each sender is answered with the frame of the row written.
//! If anything fails the whole batch is rolled back: nothing is half-stored.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DbErr};

use super::{
    Refusal,
    event_rows::{EventRow, Extras},
    kinds, mails, mentions, pushes, read_state,
    resends::{SendKey, StoredKey, send_key, stored_copies},
    seqs::{Lock, begin_writing, reserve_seqs, rooms_named},
    slot::Slot,
    targets::Loaded,
    thread_replies,
};
use crate::protocol::events::membership;
use crate::{
    entity::room,
    protocol::EventBody,
    server::storage::{
        admission::Admission,
        attachments,
        db::insert_chunked,
        writes::{NewEvent, Stored},
    },
};

/// Stores a batch of events in one transaction, each accepted one with its
/// room's next `seq`, in order.
pub async fn append_batch(db: &DatabaseConnection, batch: &[&NewEvent]) -> Result<Vec<Result<Stored, Refusal>>, DbErr> {
    let now = Utc::now();
    let txn = begin_writing(db).await?;
    let rooms_by_name = rooms_named(&txn, batch.iter().map(|e| e.room.as_str()), Lock::ForUpdate).await?;
    let earlier = stored_copies(&txn, batch, &rooms_by_name).await?;
    let mut admission = Admission::load(&txn, batch, &rooms_by_name).await?;
    let mut loaded = Loaded::load(&txn, batch, &rooms_by_name).await?;
    let mut slots = sort_out(batch, earlier, &rooms_by_name, &mut admission, &mut loaded);

    // Rooms in name order (a BTreeMap), so concurrent batches (other instances)
    // lock room rows in one order and cannot deadlock.
    let mut per_room: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, slot) in slots.iter().enumerate() {
        if matches!(slot, Slot::New { .. }) {
            per_room.entry(batch[i].room.as_str()).or_default().push(i);
        }
    }
    let counts: Vec<(&str, i64, i64)> = per_room
        .iter()
        .map(|(room, members)| {
            let messages = members.iter().filter(|&&i| batch[i].body.in_timeline()).count();
            (*room, members.len() as i64, messages as i64)
        })
        .collect();
    let rooms = reserve_seqs(&txn, &counts, now).await?;
    let mut mentioned = mentions::resolve(&txn, batch, &slots).await?;
    mentions::keep_members(&txn, batch, &rooms, &mut mentioned).await?;
    let mut written: Vec<Option<EventRow>> = vec![None; batch.len()];
    let mut followers: Vec<Vec<i64>> = vec![Vec::new(); batch.len()];
    for (room_name, members) in &per_room {
        let room =
            rooms.get(*room_name).ok_or_else(|| DbErr::RecordNotFound(format!("room {room_name} after reserving seqs")))?;
        place_in_room(batch, room, members, &counts, &mentioned, now, &mut slots, &mut written);
    }
    if written.iter().any(Option::is_some) {
        insert_chunked(&txn, written.iter().flatten().map(EventRow::to_active), None).await?;
        for (i, slot) in slots.iter().enumerate() {
            if let Some(placed) = placed(batch[i], slot, &mentioned[i], now) {
                kinds::apply(&txn, &placed).await?;
            }
        }
        read_state::record(&txn, batch, &slots, &mentioned, now).await?;
        if thread_replies::any_reply(batch) {
            thread_replies::count_replies(&txn, batch, &slots, &loaded, now).await?;
            followers = thread_replies::record(&txn, batch, &slots, &mentioned, &rooms, &loaded, now).await?;
        }
        pushes::enqueue(&txn, batch, &slots, &mentioned, &rooms, now).await?;
        mails::enqueue(&txn, batch, &slots, &mentioned, &rooms, now).await?;
    }
    txn.commit().await?;
    Ok(answers(batch, &slots, written, &mentioned, followers, &loaded))
}

/// Gives the room's accepted events of the batch their seqs (and messages
/// their `n`), from the range the batch reserved, and writes their rows.
#[allow(clippy::too_many_arguments)]
fn place_in_room(
    batch: &[&NewEvent],
    room: &room::Model,
    members: &[usize],
    counts: &[(&str, i64, i64)],
    mentioned: &[Vec<(i64, String)>],
    now: DateTime<Utc>,
    slots: &mut [Slot],
    written: &mut [Option<EventRow>],
) {
    let messages = counts.iter().find(|(name, ..)| *name == room.name).map_or(0, |(_, _, m)| *m);
    let first_seq = room.last_seq - members.len() as i64 + 1;
    let mut n = room.message_count - messages;
    for (seq, &i) in (first_seq..).zip(members) {
        let n_here = batch[i].body.in_timeline().then(|| {
            n += 1;
            n
        });
        let on = matches!(slots[i], Slot::New { on: true, .. });
        slots[i] = Slot::New { room_id: room.id, seq, n: n_here, on, timeline_n: n };
        if let Some(placed) = placed(batch[i], &slots[i], &mentioned[i], now) {
            written[i] = Some(kinds::row(&placed));
        }
    }
}

/// An accepted event in its place, once its seq is known.
fn placed<'a>(event: &'a NewEvent, slot: &Slot, mentioned: &'a [(i64, String)], now: DateTime<Utc>) -> Option<kinds::Placed<'a>> {
    let Slot::New { room_id, seq, n, on, .. } = *slot else { return None };
    (seq > 0).then_some(kinds::Placed { event, room_id, seq, n, on, mentioned, now })
}

/// Decides for each event of the batch, in order: stored before, a repeat of
/// an earlier event of the batch, refused (by the policy or its kind's rules),
/// or new. Accepted changes are applied to what is `loaded`, so that later
/// events of the batch see them.
fn sort_out(
    batch: &[&NewEvent],
    mut earlier: HashMap<StoredKey, i64>,
    rooms: &HashMap<String, room::Model>,
    admission: &mut Admission,
    loaded: &mut Loaded,
) -> Vec<Slot> {
    let mut first_of: HashMap<SendKey<'_>, usize> = HashMap::new();
    let mut slots = Vec::with_capacity(batch.len());
    for (i, event) in batch.iter().enumerate() {
        if let Some(key) = send_key(event) {
            if let Some(seq) = earlier.remove(&(key.0, key.1.to_owned(), key.2.to_owned())) {
                slots.push(Slot::Earlier(seq));
                first_of.insert(key, i);
                continue;
            }
            if let Some(&first) = first_of.get(&key) {
                slots.push(Slot::SameAs(first));
                continue;
            }
            first_of.insert(key, i);
        }
        let room = rooms.get(&event.room);
        let room_id = room.map(|room| room.id);
        // A message that is not there is judged as one's own: whoever may
        // write here is told it is not found.
        let own = loaded.is_own(event, room_id).unwrap_or(true);
        let judged = admission.admit(event, room, own).and_then(|()| kinds::judge(event, room_id, loaded));
        slots.push(match judged {
            // Its room, seq and n are filled in once reserved.
            Ok(on) => Slot::New { room_id: 0, seq: 0, n: None, on, timeline_n: 0 },
            Err(refusal) => Slot::Refused(refusal),
        });
    }
    slots
}

/// What each sender of the batch is told, once the batch is committed: a new
/// event's answer carries the frame of the row written for it.
fn answers(
    batch: &[&NewEvent],
    slots: &[Slot],
    written: Vec<Option<EventRow>>,
    mentioned: &[Vec<(i64, String)>],
    followers: Vec<Vec<i64>>,
    loaded: &Loaded,
) -> Vec<Result<Stored, Refusal>> {
    let mut answers: Vec<Result<Stored, Refusal>> = Vec::with_capacity(batch.len());
    for (i, (((event, slot), row), followers)) in batch.iter().zip(slots).zip(written).zip(followers).enumerate() {
        let answer = match (slot, row) {
            (Slot::Earlier(seq), _) => Ok(Stored::repeat(*seq)),
            // The first occurrence comes earlier in the batch, so its answer exists.
            (Slot::SameAs(first), _) => answers[*first].clone().map(|first| Stored::repeat(first.seq)),
            (Slot::Refused(refusal), _) => Err(*refusal),
            (Slot::New { seq, .. }, Some(row)) => {
                let extras = extras_of_new(event, row.room_id, loaded);
                let ids = mentioned[i].iter().map(|(id, _)| *id).filter(|id| *id != event.sender.id).collect();
                let revoked = match event.body {
                    EventBody::Membership(membership::Body { user_id, change, .. }) if change.ends_access() => Some(user_id),
                    _ => None,
                };
                let frame = kinds::frame(row, &event.room, &extras);
                let is_message = event.body.is_message();
                Ok(Stored { seq: *seq, frame: Some(frame), duplicate: false, mentioned: ids, is_message, revoked, followers })
            }
            (Slot::New { .. }, None) => Err(Refusal::NotFound),
        };
        answers.push(answer);
    }
    answers
}

/// What the frame of a message just written needs from elsewhere: the message
/// it answers (as the batch left it) and the file it carries; a new message
/// has no reactions.
fn extras_of_new(event: &NewEvent, room_id: i64, loaded: &Loaded) -> Extras {
    let mut extras = Extras::default();
    if let Some(parent) = event.body.reply_to()
        && let Some(state) = loaded.targets.get(&(room_id, parent))
    {
        extras.parents.insert(parent, state.quote(parent));
    }
    if let Some(id) = event.body.attachment()
        && let Some(file) = loaded.files.get(id)
    {
        extras.files.insert(id.to_owned(), attachments::dto(file));
    }
    extras
}
