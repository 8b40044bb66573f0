//! How one batch of room events is stored, and how stored events are read
//! back. Every event — a message, an edit, a deletion, a reaction added or
//! taken back — is a row of `message` with its room's next `seq`, taken in the
//! transaction that stores it. Only the writer task ([`super::appender`])
//! writes here.
//!
//! In one transaction per batch: resends (same sender, room and `client_id`)
//! are answered with the copy stored first; edits, deletions and reactions are
//! checked against their message (it exists, is not deleted, is the sender's
//! to change) in batch order, and a refused one takes no `seq`; the accepted
//! events get their seqs (and messages their `n`); a message's row keeps its
//! current state (text, `edited_at`, `deleted`), reactions their own table;
//! `@mentions` are resolved against the accounts (in a private room, its
//! members only); memberships follow (the sender has read up to their message;
//! a mentioned user's list gets the room). Who may write at all is judged first
//! ([`super::admission`]): members of private rooms, accounts not deactivated;
//! membership changes of private rooms are events too, so a removal takes its
//! place in the room's order.

use std::collections::{BTreeMap, HashMap, HashSet};

use strum::IntoEnumIterator;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, EntityTrait,
    FromQueryResult, QueryFilter, QueryOrder, QuerySelect, SqliteTransactionMode, TransactionOptions, TransactionTrait,
    sea_query::{Alias, Expr, ExprTrait, OnConflict},
};

use super::{
    admission::Admission,
    attachments,
    store::{EventBody, NewEvent, Stored, format_timestamp},
};
use crate::{
    entity::{attachment, membership, mention, message, reaction, room, user},
    mentions,
    protocol::{Attachment, ChatMessage, MemberChange, NotifyLevel, REPLY_QUOTE_CHARS, ReplyRef, RoomKind, ServerFrame},
};

/// What kind of event a row is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "snake_case")]
pub(super) enum Kind {
    Message,
    Edit,
    Delete,
    React,
    Unreact,
    MemberAdded,
    MemberJoined,
    MemberRemoved,
    MemberLeft,
}

impl Kind {
    /// The membership change a `member_*` row records.
    fn member_change(self) -> Option<MemberChange> {
        MemberChange::iter().find(|change| Kind::from(*change) == self)
    }
}

impl From<MemberChange> for Kind {
    fn from(change: MemberChange) -> Self {
        match change {
            MemberChange::Added => Self::MemberAdded,
            MemberChange::Joined => Self::MemberJoined,
            MemberChange::Removed => Self::MemberRemoved,
            MemberChange::Left => Self::MemberLeft,
        }
    }
}

impl Kind {
    fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Why an event was refused by the rules (nothing was stored for it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("there is no such message in this room")]
    NotFound,
    #[error("only its author can change a message")]
    NotYours,
    #[error("that message is deleted")]
    Deleted,
    #[error("you are not a member of this room")]
    NoAccess,
    #[error("only the room's owner or an administrator can do that")]
    NotAllowed,
    #[error("they are a member already")]
    AlreadyMember,
    #[error("they are not a member")]
    NotMember,
    #[error("no such attachment: upload the file to this room first")]
    BadAttachment,
}

/// What the batch decided for one event.
enum Slot {
    /// Stored before this batch: answered with that copy's `seq`.
    Earlier(i64),
    /// The same send as an earlier event of this batch.
    SameAs(usize),
    /// Refused by the rules.
    Refused(Refusal),
    /// New: stored in this room with this `seq` (and `n`, for a message; `on`
    /// says whether a reaction was added or taken back).
    New { room_id: i64, seq: i64, n: Option<i64>, on: bool },
}

/// The key that makes a send idempotent: sender id, room and `client_id`.
type SendKey<'a> = (i64, &'a str, &'a str);

/// A [`SendKey`] that owns its strings, for maps of stored copies.
type StoredKey = (i64, String, String);

fn send_key(new: &NewEvent) -> Option<SendKey<'_>> {
    Some((new.sender.id, new.room.as_str(), new.client_id.as_deref()?))
}

/// A message an event of the batch is about, as the batch changes it.
#[derive(Clone)]
struct TargetState {
    kind: String,
    sender_id: Option<i64>,
    sender: String,
    text: String,
    deleted: bool,
}

/// Stores a batch of events in one transaction (group commit), each accepted
/// one with its room's next `seq`, in order. If anything fails the whole batch
/// is rolled back and the error returned: nothing is half-stored.
pub(super) async fn append_batch(db: &DatabaseConnection, batch: &[&NewEvent]) -> Result<Vec<Result<Stored, Refusal>>, DbErr> {
    let now = Utc::now();
    let txn = begin_writing(db).await?;
    let earlier = stored_copies(&txn, batch).await?;
    let rooms_by_name = rooms_named(&txn, batch.iter().map(|e| e.room.as_str()), Lock::ForUpdate).await?;
    let mut admission = Admission::load(&txn, batch, &rooms_by_name).await?;
    let mut targets = load_targets(&txn, batch, &rooms_by_name).await?;
    let mut reactions = load_reactions(&txn, batch, &rooms_by_name).await?;
    let mut files = attachments::named(&txn, batch.iter().filter_map(|e| e.body.attachment()).collect()).await?;
    let mut slots = sort_out(
        batch,
        earlier,
        &rooms_by_name,
        &mut admission,
        &mut Loaded { targets: &mut targets, reactions: &mut reactions, files: &mut files },
    );

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
            let messages = members.iter().filter(|&&i| matches!(batch[i].body, EventBody::Message { .. })).count();
            (*room, members.len() as i64, messages as i64)
        })
        .collect();
    let rooms = reserve_seqs(&txn, &counts, now).await?;
    let mut mentioned = resolve_mentions(&txn, batch, &slots).await?;
    keep_members_mentioned(&txn, batch, &rooms, &mut mentioned).await?;
    let mut rows = Vec::new();
    for (room_name, members) in &per_room {
        let room =
            rooms.get(*room_name).ok_or_else(|| DbErr::RecordNotFound(format!("room {room_name} after reserving seqs")))?;
        let messages = counts.iter().find(|(name, ..)| name == room_name).map_or(0, |(_, _, m)| *m);
        let mut seq = room.last_seq - members.len() as i64;
        let mut n = room.message_count - messages;
        for &i in members {
            seq += 1;
            let n_here = matches!(batch[i].body, EventBody::Message { .. }).then(|| {
                n += 1;
                n
            });
            let on = matches!(slots[i], Slot::New { on: true, .. });
            slots[i] = Slot::New { room_id: room.id, seq, n: n_here, on };
            rows.push(row(batch[i], room.id, seq, n_here, on, &mentioned[i], now));
        }
    }
    if !rows.is_empty() {
        message::Entity::insert_many(rows).exec_without_returning(&txn).await?;
        apply_changes(&txn, batch, &slots, &mentioned, now).await?;
        record_memberships(&txn, batch, &slots, &mentioned, now).await?;
    }
    txn.commit().await?;
    Ok(answers(batch, &slots, &mentioned, &targets, &files, now))
}

/// Starts a writing transaction. On SQLite it takes the write lock at BEGIN
/// (waiting for it in the busy handler), not at its first write: a deferred
/// transaction that read first could not upgrade once another connection
/// wrote, and would fail at once instead of waiting.
pub(super) async fn begin_writing(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let immediate = TransactionOptions {
        sqlite_transaction_mode: (db.get_database_backend() == DbBackend::Sqlite).then_some(SqliteTransactionMode::Immediate),
        ..Default::default()
    };
    db.begin_with_options(immediate).await
}

/// Whether reading rooms locks them.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Lock {
    None,
    /// On PostgreSQL, `FOR UPDATE` in name order: the writer's batch holds its
    /// rooms (and so their memberships) until it commits. (SQLite's writer
    /// holds the whole database already.)
    ForUpdate,
}

/// The rooms of these names that exist, by name.
async fn rooms_named<'a>(
    db: &impl ConnectionTrait,
    names: impl Iterator<Item = &'a str>,
    lock: Lock,
) -> Result<HashMap<String, room::Model>, DbErr> {
    let mut names: Vec<&str> = names.collect();
    names.sort_unstable();
    names.dedup();
    let mut query = room::Entity::find().filter(room::Column::Name.is_in(names)).order_by_asc(room::Column::Name);
    if lock == Lock::ForUpdate && db.get_database_backend() == DbBackend::Postgres {
        query = query.lock_exclusive();
    }
    Ok(query.all(db).await?.into_iter().map(|room| (room.name.clone(), room)).collect())
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
        if let Some(target) = event.body.target().or(event.body.reply_to()) {
            wanted.entry(room.id).or_default().push(target);
        }
    }
    if wanted.is_empty() {
        return Ok(HashMap::new());
    }
    let any = wanted.into_iter().fold(Condition::any(), |any, (room_id, seqs)| {
        any.add(message::Column::RoomId.eq(room_id).and(message::Column::Seq.is_in(seqs)))
    });
    let rows = EventRow::select().filter(any).into_model::<EventRow>().all(db).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let state = TargetState {
                kind: row.kind.clone(),
                sender_id: row.sender_id,
                sender: row.sender_username(),
                text: row.text.clone(),
                deleted: row.deleted,
            };
            ((row.room_id, row.seq), state)
        })
        .collect())
}

/// The reactions now on the messages the batch's reactions are about: (room
/// id, target, user id, emoji).
async fn load_reactions(
    db: &impl ConnectionTrait,
    batch: &[&NewEvent],
    rooms: &HashMap<String, room::Model>,
) -> Result<Vec<(i64, i64, i64, String)>, DbErr> {
    let any = batch.iter().fold(Condition::any(), |any, event| match (&event.body, rooms.get(&event.room)) {
        (EventBody::React { target, emoji }, Some(room)) => any.add(
            reaction::Column::RoomId
                .eq(room.id)
                .and(reaction::Column::Target.eq(*target))
                .and(reaction::Column::UserId.eq(event.sender.id))
                .and(reaction::Column::Emoji.eq(emoji.as_str())),
        ),
        _ => any,
    });
    if any.is_empty() {
        return Ok(Vec::new());
    }
    let rows = reaction::Entity::find().filter(any).all(db).await?;
    Ok(rows.into_iter().map(|r| (r.room_id, r.target, r.user_id, r.emoji)).collect())
}

/// What the batch's rules read, and change as events are accepted: the
/// messages its events are about, their reactions (room id, target, user id,
/// emoji), and the attachments its messages carry, by id.
struct Loaded<'a> {
    targets: &'a mut HashMap<(i64, i64), TargetState>,
    reactions: &'a mut Vec<(i64, i64, i64, String)>,
    files: &'a mut HashMap<String, attachment::Model>,
}

/// Decides for each event of the batch, in order: stored before, a repeat of
/// an earlier event of the batch, refused by the rules, or new. Edits,
/// deletions and reactions change `targets` and `reactions` as they are
/// accepted, so that later events of the batch see them.
fn sort_out(
    batch: &[&NewEvent],
    mut earlier: HashMap<StoredKey, i64>,
    rooms: &HashMap<String, room::Model>,
    admission: &mut Admission,
    loaded: &mut Loaded<'_>,
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
        if let Err(refusal) = admission.admit(event, room) {
            slots.push(Slot::Refused(refusal));
            continue;
        }
        let moderator = room.is_some_and(|room| admission.manages(event.sender.id, room));
        slots.push(match judge(event, room.map(|room| room.id), moderator, loaded) {
            // Its room, seq and n are filled in once reserved.
            Ok(on) => Slot::New { room_id: 0, seq: 0, n: None, on },
            Err(refusal) => Slot::Refused(refusal),
        });
    }
    slots
}

/// Whether the rules accept `event` (in room `room_id`, if it exists; sent
/// by a `moderator` of the room, who may delete any message), and for a
/// reaction whether it is added (`true`) or taken back. An accepted change is
/// applied to what is `loaded`. (Who may write at all is judged before.)
fn judge(event: &NewEvent, room_id: Option<i64>, moderator: bool, loaded: &mut Loaded<'_>) -> Result<bool, Refusal> {
    let Loaded { targets, reactions, files } = loaded;
    match (&event.body, room_id) {
        (EventBody::Member { .. }, _) => Ok(false),
        (EventBody::Message { reply_to, attachment, .. }, room_id) => {
            if let Some(parent) = reply_to {
                message_of(targets, room_id.ok_or(Refusal::NotFound)?, *parent)?;
            }
            if let Some(id) = attachment {
                claim_file(files, id, event)?;
            }
            Ok(false)
        }
        (_, None) => Err(Refusal::NotFound),
        (EventBody::Edit { target, text }, Some(room_id)) => {
            changeable(targets, room_id, *target, event.sender.id, false)?.text.clone_from(text);
            Ok(false)
        }
        (EventBody::Delete { target }, Some(room_id)) => {
            let state = changeable(targets, room_id, *target, event.sender.id, moderator)?;
            state.deleted = true;
            state.text.clear();
            Ok(false)
        }
        (EventBody::React { target, emoji }, Some(room_id)) => {
            if message_of(targets, room_id, *target)?.deleted {
                return Err(Refusal::Deleted);
            }
            let key = (room_id, *target, event.sender.id, emoji.clone());
            match reactions.iter().position(|r| *r == key) {
                Some(at) => {
                    reactions.remove(at);
                    Ok(false)
                }
                None => {
                    reactions.push(key);
                    Ok(true)
                }
            }
        }
    }
}

/// Takes attachment `id` for `event`'s message: a file its sender uploaded to
/// its room that no message carries yet (nor an earlier one of this batch).
fn claim_file(files: &mut HashMap<String, attachment::Model>, id: &str, event: &NewEvent) -> Result<(), Refusal> {
    match files.get_mut(id) {
        Some(file) if file.uploader_id == Some(event.sender.id) && file.room == event.room && file.seq.is_none() => {
            // Claimed; its real seq is written once reserved.
            file.seq = Some(0);
            Ok(())
        }
        _ => Err(Refusal::BadAttachment),
    }
}

/// The message at `seq` (not an edit or reaction row).
fn message_of(targets: &mut HashMap<(i64, i64), TargetState>, room_id: i64, seq: i64) -> Result<&mut TargetState, Refusal> {
    match targets.get_mut(&(room_id, seq)) {
        Some(state) if state.kind == Kind::Message.as_str() => Ok(state),
        _ => Err(Refusal::NotFound),
    }
}

/// The message at `seq` if `sender_id` may edit or delete it: its author, or
/// (for a deletion) a moderator of the room.
fn changeable(
    targets: &mut HashMap<(i64, i64), TargetState>,
    room_id: i64,
    seq: i64,
    sender_id: i64,
    moderator: bool,
) -> Result<&mut TargetState, Refusal> {
    let state = message_of(targets, room_id, seq)?;
    if state.sender_id != Some(sender_id) && !moderator {
        return Err(Refusal::NotYours);
    }
    if state.deleted {
        return Err(Refusal::Deleted);
    }
    Ok(state)
}

/// The row that records one accepted event.
fn row(
    event: &NewEvent,
    room_id: i64,
    seq: i64,
    n: Option<i64>,
    on: bool,
    mentioned: &[(i64, String)],
    now: DateTime<Utc>,
) -> message::ActiveModel {
    let (kind, text, target, reply_to) = match &event.body {
        EventBody::Message { text, reply_to, .. } => (Kind::Message, text.clone(), None, *reply_to),
        EventBody::Edit { target, text } => (Kind::Edit, text.clone(), Some(*target), None),
        EventBody::Delete { target } => (Kind::Delete, String::new(), Some(*target), None),
        EventBody::React { target, emoji } => (if on { Kind::React } else { Kind::Unreact }, emoji.clone(), Some(*target), None),
        EventBody::Member { user_id, username, change } => (Kind::from(*change), username.clone(), Some(*user_id), None),
    };
    message::ActiveModel {
        id: NotSet,
        room_id: Set(room_id),
        seq: Set(seq),
        sender_id: Set(Some(event.sender.id)),
        text: Set(text),
        timestamp: Set(now),
        client_id: Set(event.client_id.clone()),
        mentions: Set(joined(mentioned)),
        kind: Set(kind.as_str().to_owned()),
        target: Set(target),
        n: Set(n),
        edited_at: Set(None),
        deleted: Set(false),
        reply_to: Set(reply_to),
        attachment_id: Set(event.body.attachment().map(str::to_owned)),
    }
}

/// Brings the batch's messages to their new state: an edit's text (and its
/// mentions, resolved again), a deletion, a reaction added or taken back.
async fn apply_changes(
    txn: &impl ConnectionTrait,
    batch: &[&NewEvent],
    slots: &[Slot],
    mentioned: &[Vec<(i64, String)>],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    for ((event, slot), mentioned) in batch.iter().zip(slots).zip(mentioned) {
        let Slot::New { room_id, seq, on, .. } = *slot else { continue };
        let message_at = |target: i64| {
            message::Entity::update_many().filter(message::Column::RoomId.eq(room_id)).filter(message::Column::Seq.eq(target))
        };
        match &event.body {
            EventBody::Message { attachment: Some(id), .. } => attachments::mark_sent(txn, id, seq).await?,
            EventBody::Message { attachment: None, .. } => {}
            EventBody::Member { user_id, change, .. } if change.ends_access() => {
                membership::Entity::delete_many()
                    .filter(membership::Column::UserId.eq(*user_id))
                    .filter(membership::Column::RoomId.eq(room_id))
                    .exec(txn)
                    .await?;
            }
            EventBody::Member { user_id, .. } => {
                // A new member sees the history; nothing from before they joined is new.
                let joined = membership::ActiveModel {
                    user_id: Set(*user_id),
                    room_id: Set(room_id),
                    last_read_seq: Set(seq),
                    last_read_n: Set(last_message_n(txn, room_id, seq).await?),
                    notify: Set(NotifyLevel::default().as_str().to_owned()),
                    joined_at: Set(now),
                };
                let keep = OnConflict::columns([membership::Column::UserId, membership::Column::RoomId]).do_nothing().to_owned();
                membership::Entity::insert(joined).on_conflict(keep).exec_without_returning(txn).await?;
            }
            EventBody::Edit { target, text } => {
                message_at(*target)
                    .col_expr(message::Column::Text, Expr::value(text.as_str()))
                    .col_expr(message::Column::EditedAt, Expr::value(now))
                    .col_expr(message::Column::Mentions, Expr::value(joined(mentioned)))
                    .exec(txn)
                    .await?;
                replace_mentions(txn, room_id, *target, event.sender.id, mentioned).await?;
            }
            EventBody::Delete { target } => {
                // Its file goes with it (and the bytes, unless another message has the same file).
                attachments::release_of_message(txn, room_id, *target).await?;
                message_at(*target)
                    .col_expr(message::Column::AttachmentId, Expr::value(Option::<String>::None))
                    .col_expr(message::Column::Text, Expr::value(""))
                    .col_expr(message::Column::Deleted, Expr::value(true))
                    .col_expr(message::Column::Mentions, Expr::value(Option::<String>::None))
                    .exec(txn)
                    .await?;
                replace_mentions(txn, room_id, *target, event.sender.id, &[]).await?;
                // A deleted message keeps no reactions (clients drop them with it).
                reaction::Entity::delete_many()
                    .filter(reaction::Column::RoomId.eq(room_id))
                    .filter(reaction::Column::Target.eq(*target))
                    .exec(txn)
                    .await?;
            }
            EventBody::React { target, emoji } if !on => {
                reaction::Entity::delete_many()
                    .filter(reaction::Column::RoomId.eq(room_id))
                    .filter(reaction::Column::Target.eq(*target))
                    .filter(reaction::Column::UserId.eq(event.sender.id))
                    .filter(reaction::Column::Emoji.eq(emoji.as_str()))
                    .exec(txn)
                    .await?;
            }
            EventBody::React { target, emoji } => {
                let added = reaction::ActiveModel {
                    room_id: Set(room_id),
                    target: Set(*target),
                    user_id: Set(event.sender.id),
                    emoji: Set(emoji.clone()),
                    created_at: Set(now),
                };
                reaction::Entity::insert(added).exec_without_returning(txn).await?;
            }
        }
    }
    Ok(())
}

/// The mentions of message `seq` become `mentioned` (its author excepted).
async fn replace_mentions(
    txn: &impl ConnectionTrait,
    room_id: i64,
    seq: i64,
    author_id: i64,
    mentioned: &[(i64, String)],
) -> Result<(), DbErr> {
    mention::Entity::delete_many()
        .filter(mention::Column::RoomId.eq(room_id))
        .filter(mention::Column::Seq.eq(seq))
        .exec(txn)
        .await?;
    let rows: Vec<mention::ActiveModel> = mentioned
        .iter()
        .filter(|(user_id, _)| *user_id != author_id)
        .map(|&(user_id, _)| mention::ActiveModel { user_id: Set(user_id), room_id: Set(room_id), seq: Set(seq) })
        .collect();
    if !rows.is_empty() {
        mention::Entity::insert_many(rows).exec_without_returning(txn).await?;
    }
    Ok(())
}

/// The accounts each new message or edit of the batch mentions (by index;
/// empty for the others): one lookup of every `@name` of the batch.
async fn resolve_mentions(
    txn: &impl ConnectionTrait,
    batch: &[&NewEvent],
    slots: &[Slot],
) -> Result<Vec<Vec<(i64, String)>>, DbErr> {
    let candidates: Vec<Vec<String>> = batch
        .iter()
        .zip(slots)
        .map(|(event, slot)| match (slot, &event.body) {
            (Slot::New { .. }, EventBody::Message { text, .. } | EventBody::Edit { text, .. }) => mentions::candidates(text),
            _ => Vec::new(),
        })
        .collect();
    let mut wanted: Vec<&str> = candidates.iter().flatten().map(String::as_str).collect();
    wanted.sort_unstable();
    wanted.dedup();
    if wanted.is_empty() {
        return Ok(vec![Vec::new(); batch.len()]);
    }
    let accounts: HashMap<String, i64> = user::Entity::find()
        .filter(user::Column::Username.is_in(wanted))
        .all(txn)
        .await?
        .into_iter()
        .map(|account| (account.username, account.id))
        .collect();
    Ok(candidates
        .into_iter()
        .map(|names| names.into_iter().filter_map(|name| Some((*accounts.get(&name)?, name))).collect())
        .collect())
}

/// In a private or direct room, only its members can be mentioned: a mention
/// never lets anyone in. (Elsewhere `@name` of a non-member stays plain text.)
async fn keep_members_mentioned(
    txn: &impl ConnectionTrait,
    batch: &[&NewEvent],
    rooms: &HashMap<String, room::Model>,
    mentioned: &mut [Vec<(i64, String)>],
) -> Result<(), DbErr> {
    let closed_room =
        |event: &NewEvent| rooms.get(&event.room).filter(|room| room.kind != RoomKind::Public.as_str()).map(|room| room.id);
    let mut wanted: Vec<(i64, i64)> = Vec::new();
    for (event, names) in batch.iter().zip(mentioned.iter()) {
        if let Some(room_id) = closed_room(event) {
            wanted.extend(names.iter().map(|(user_id, _)| (*user_id, room_id)));
        }
    }
    if wanted.is_empty() {
        return Ok(());
    }
    let any = wanted.iter().fold(Condition::any(), |any, &(user_id, room_id)| {
        any.add(membership::Column::UserId.eq(user_id).and(membership::Column::RoomId.eq(room_id)))
    });
    let members: HashSet<(i64, i64)> = membership::Entity::find()
        .select_only()
        .columns([membership::Column::UserId, membership::Column::RoomId])
        .filter(any)
        .into_tuple::<(i64, i64)>()
        .all(txn)
        .await?
        .into_iter()
        .collect();
    for (event, names) in batch.iter().zip(mentioned.iter_mut()) {
        if let Some(room_id) = closed_room(event) {
            names.retain(|(user_id, _)| members.contains(&(*user_id, room_id)));
        }
    }
    Ok(())
}

fn joined(mentioned: &[(i64, String)]) -> Option<String> {
    (!mentioned.is_empty()).then(|| mentioned.iter().map(|(_, name)| name.as_str()).collect::<Vec<_>>().join(","))
}

/// Records the batch's new messages in memberships and mentions: each sender's
/// membership of the room moves to its newest message (created if needed); each
/// mentioned user gets a mention and, if the room was not in their list, a
/// membership with the mentioning message unread.
async fn record_memberships(
    txn: &impl ConnectionTrait,
    batch: &[&NewEvent],
    slots: &[Slot],
    mentioned: &[Vec<(i64, String)>],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let mut read_up_to: BTreeMap<(i64, i64), (i64, i64)> = BTreeMap::new();
    let mut mention_rows = Vec::new();
    let mut joined_by_mention: BTreeMap<(i64, i64), (i64, i64)> = BTreeMap::new();
    for ((event, slot), mentioned) in batch.iter().zip(slots).zip(mentioned) {
        let Slot::New { room_id, seq, n: Some(n), .. } = *slot else { continue };
        let newest = read_up_to.entry((event.sender.id, room_id)).or_default();
        *newest = Ord::max(*newest, (seq, n));
        for &(user_id, _) in mentioned.iter().filter(|(user_id, _)| *user_id != event.sender.id) {
            mention_rows.push(mention::ActiveModel { user_id: Set(user_id), room_id: Set(room_id), seq: Set(seq) });
            joined_by_mention.entry((user_id, room_id)).or_insert((seq - 1, n - 1));
        }
    }
    let membership = |(user_id, room_id): (i64, i64), (last_read_seq, last_read_n): (i64, i64)| membership::ActiveModel {
        user_id: Set(user_id),
        room_id: Set(room_id),
        last_read_seq: Set(last_read_seq),
        last_read_n: Set(last_read_n),
        notify: Set(NotifyLevel::default().as_str().to_owned()),
        joined_at: Set(now),
    };
    if !read_up_to.is_empty() {
        let moved_on = OnConflict::columns([membership::Column::UserId, membership::Column::RoomId])
            .update_columns([membership::Column::LastReadSeq, membership::Column::LastReadN])
            .action_and_where(
                Expr::col((Alias::new("excluded"), membership::Column::LastReadSeq))
                    .gt(Expr::col((membership::Entity, membership::Column::LastReadSeq))),
            )
            .to_owned();
        membership::Entity::insert_many(read_up_to.into_iter().map(|(key, read)| membership(key, read)))
            .on_conflict(moved_on)
            .exec_without_returning(txn)
            .await?;
    }
    if !mention_rows.is_empty() {
        mention::Entity::insert_many(mention_rows).exec_without_returning(txn).await?;
        let already_member =
            OnConflict::columns([membership::Column::UserId, membership::Column::RoomId]).do_nothing().to_owned();
        membership::Entity::insert_many(joined_by_mention.into_iter().map(|(key, read)| membership(key, read)))
            .on_conflict(already_member)
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

/// What each sender of the batch is told, once the batch is committed.
fn answers(
    batch: &[&NewEvent],
    slots: &[Slot],
    mentioned: &[Vec<(i64, String)>],
    targets: &HashMap<(i64, i64), TargetState>,
    files: &HashMap<String, attachment::Model>,
    now: DateTime<Utc>,
) -> Vec<Result<Stored, Refusal>> {
    let mut answers: Vec<Result<Stored, Refusal>> = Vec::with_capacity(batch.len());
    for (i, (event, slot)) in batch.iter().zip(slots).enumerate() {
        let answer = match *slot {
            Slot::Earlier(seq) => Ok(Stored::repeat(seq)),
            // The first occurrence comes earlier in the batch, so its answer exists.
            Slot::SameAs(first) => answers[first].clone().map(|first| Stored::repeat(first.seq)),
            Slot::Refused(refusal) => Err(refusal),
            Slot::New { room_id, seq, n, on } => {
                let names: Vec<String> = mentioned[i].iter().map(|(_, name)| name.clone()).collect();
                let ids = mentioned[i].iter().map(|(id, _)| *id).filter(|id| *id != event.sender.id).collect();
                let file = event.body.attachment().and_then(|id| files.get(id)).map(attachments::dto);
                let frame = new_frame(event, seq, on, names, room_id, targets, file, now);
                let revoked = match event.body {
                    EventBody::Member { user_id, change, .. } if change.ends_access() => Some(user_id),
                    _ => None,
                };
                Ok(Stored { seq, frame: Some(frame), duplicate: false, mentioned: ids, is_message: n.is_some(), revoked })
            }
        };
        answers.push(answer);
    }
    answers
}

/// The frame of an event just stored.
fn new_frame(
    event: &NewEvent,
    seq: i64,
    on: bool,
    mentions: Vec<String>,
    room_id: i64,
    targets: &HashMap<(i64, i64), TargetState>,
    attachment: Option<Attachment>,
    now: DateTime<Utc>,
) -> ServerFrame {
    let room = event.room.clone();
    let sender = event.sender.username.clone();
    let client_id = event.client_id.clone();
    let timestamp = format_timestamp(now);
    match &event.body {
        EventBody::Message { text, reply_to, .. } => {
            let reply_to = reply_to.and_then(|parent| Some(quote(parent, targets.get(&(room_id, parent))?)));
            let message = ChatMessage {
                seq,
                sender,
                sender_name: event.sender.display_name.clone(),
                text: text.clone(),
                timestamp,
                client_id,
                mentions,
                reply_to,
                attachment,
                ..Default::default()
            };
            ServerFrame::Message { room, message }
        }
        EventBody::Edit { target, text } => ServerFrame::Edit {
            room,
            seq,
            target: *target,
            text: text.clone(),
            edited_at: timestamp,
            sender,
            mentions,
            client_id,
        },
        EventBody::Delete { target } => ServerFrame::Delete { room, seq, target: *target, sender, client_id },
        EventBody::React { target, emoji } => {
            ServerFrame::Reaction { room, seq, target: *target, emoji: emoji.clone(), user: sender, on, client_id }
        }
        EventBody::Member { username, change, .. } => {
            ServerFrame::Member { room, seq, user: username.clone(), change: *change, by: sender }
        }
    }
}

/// How a reply quotes its parent.
fn quote(seq: i64, parent: &TargetState) -> ReplyRef {
    ReplyRef {
        seq,
        sender: parent.sender.clone(),
        text: parent.text.chars().take(REPLY_QUOTE_CHARS).collect(),
        deleted: parent.deleted,
    }
}

/// Adds each room's event and message counts to its `last_seq` and
/// `message_count` (creating rooms as needed) in one upsert and returns the
/// rows by name: the batch owns each room's seqs up to and including the new
/// `last_seq`. The upsert takes SQLite's write lock, and PostgreSQL's locks on
/// the room rows (in the given order, which callers keep sorted), so concurrent
/// writers to a room get disjoint, consecutive ranges.
async fn reserve_seqs(
    txn: &impl ConnectionTrait,
    counts: &[(&str, i64, i64)],
    now: DateTime<Utc>,
) -> Result<HashMap<String, room::Model>, DbErr> {
    if counts.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = counts.iter().map(|(name, events, messages)| room::ActiveModel {
        id: NotSet,
        name: Set((*name).to_owned()),
        last_seq: Set(*events),
        message_count: Set(*messages),
        created_at: Set(now),
        last_activity: Set(now),
        kind: Set(RoomKind::Public.as_str().to_owned()),
        owner_id: NotSet,
        direct_key: NotSet,
        title: NotSet,
    });
    let add = |column: room::Column| Expr::col((room::Entity, column)).add(Expr::col((Alias::new("excluded"), column)));
    let bump = OnConflict::column(room::Column::Name)
        .value(room::Column::LastSeq, add(room::Column::LastSeq))
        .value(room::Column::MessageCount, add(room::Column::MessageCount))
        .value(room::Column::LastActivity, Expr::value(now))
        .to_owned();
    let rooms = room::Entity::insert_many(rows).on_conflict(bump).exec_with_returning(txn).await?;
    Ok(rooms.into_iter().map(|room| (room.name.clone(), room)).collect())
}

/// The batch's events that were stored before: their seqs, keyed by (sender
/// id, room, `client_id`). One lookup for the batch, one term per (sender,
/// room) pair with that pair's `client_id`s: each walks the unique (sender_id,
/// client_id, room_id) index, and the statement grows with the batch, not with
/// senders × rooms.
pub(super) async fn stored_copies(db: &impl ConnectionTrait, batch: &[&NewEvent]) -> Result<HashMap<StoredKey, i64>, DbErr> {
    let keyed: Vec<SendKey<'_>> = batch.iter().filter_map(|event| send_key(event)).collect();
    if keyed.is_empty() {
        return Ok(HashMap::new());
    }
    // A room that does not exist yet holds no copies.
    let rooms = rooms_named(db, keyed.iter().map(|(_, room, _)| *room), Lock::None).await?;
    let mut per_pair: BTreeMap<(i64, i64), Vec<&str>> = BTreeMap::new();
    for (sender_id, room, client_id) in keyed {
        if let Some(room) = rooms.get(room) {
            per_pair.entry((sender_id, room.id)).or_default().push(client_id);
        }
    }
    if per_pair.is_empty() {
        return Ok(HashMap::new());
    }
    let any_of_them = per_pair.into_iter().fold(Condition::any(), |any, ((sender_id, room_id), ids)| {
        any.add(
            message::Column::SenderId
                .eq(sender_id)
                .and(message::Column::ClientId.is_in(ids))
                .and(message::Column::RoomId.eq(room_id)),
        )
    });
    let names: HashMap<i64, &str> = rooms.values().map(|room| (room.id, room.name.as_str())).collect();
    let found = message::Entity::find().filter(any_of_them).all(db).await?;
    Ok(found
        .into_iter()
        .filter_map(|row| Some(((row.sender_id?, (*names.get(&row.room_id)?).to_owned(), row.client_id?), row.seq)))
        .collect())
}

/// One stored event with its sender's name: what every read of events returns,
/// and the one place frames and [`ChatMessage`]s are built from the database.
#[derive(Clone, Debug, FromQueryResult)]
pub(super) struct EventRow {
    pub seq: i64,
    pub kind: String,
    pub target: Option<i64>,
    pub n: Option<i64>,
    pub text: String,
    pub timestamp: DateTime<Utc>,
    pub client_id: Option<String>,
    pub room_id: i64,
    /// `None` once the sender's account is deleted.
    pub sender_id: Option<i64>,
    /// `None` once the sender's account is deleted.
    pub sender: Option<String>,
    /// Mentioned usernames, comma-separated.
    pub mentions: Option<String>,
    pub edited_at: Option<DateTime<Utc>>,
    pub deleted: bool,
    pub reply_to: Option<i64>,
    /// `None` once the sender's account is deleted.
    pub sender_deactivated: Option<bool>,
    pub sender_name: Option<String>,
    pub attachment_id: Option<String>,
}

impl EventRow {
    /// The select that reads rows of this shape (event joined with its sender).
    pub fn select() -> sea_orm::Select<message::Entity> {
        message::Entity::find()
            .select_only()
            .columns([
                message::Column::Seq,
                message::Column::Kind,
                message::Column::Target,
                message::Column::N,
                message::Column::Text,
                message::Column::Timestamp,
                message::Column::ClientId,
                message::Column::RoomId,
                message::Column::SenderId,
                message::Column::Mentions,
                message::Column::EditedAt,
                message::Column::Deleted,
                message::Column::ReplyTo,
                message::Column::AttachmentId,
            ])
            .column_as(user::Column::Username, "sender")
            .column_as(user::Column::Deactivated, "sender_deactivated")
            .column_as(user::Column::DisplayName, "sender_name")
            .left_join(user::Entity)
    }

    fn sender_username(&self) -> String {
        self.sender.clone().unwrap_or_else(|| "[deleted]".to_owned())
    }

    fn mention_names(&self) -> Vec<String> {
        self.mentions.as_deref().map(|names| names.split(',').map(str::to_owned).collect()).unwrap_or_default()
    }

    /// A message row as clients see it, with what `extras` knows of its
    /// reactions and the message it answers.
    pub fn into_message(self, extras: &Extras) -> ChatMessage {
        ChatMessage {
            seq: self.seq,
            sender: self.sender_username(),
            sender_name: self.sender_name.clone(),
            mentions: self.mention_names(),
            reactions: extras.reactions.get(&self.seq).cloned().unwrap_or_default(),
            reply_to: self.reply_to.and_then(|parent| extras.parents.get(&parent).cloned()),
            attachment: self.attachment_id.and_then(|id| extras.files.get(&id).cloned()),
            text: self.text,
            timestamp: format_timestamp(self.timestamp),
            client_id: self.client_id,
            edited_at: self.edited_at.map(format_timestamp),
            deleted: self.deleted,
            sender_deactivated: self.sender_deactivated.unwrap_or(false),
        }
    }

    /// Any row as the frame a replay sends for it.
    pub fn into_frame(self, room: &str, extras: &Extras) -> ServerFrame {
        let room = room.to_owned();
        let target = self.target.unwrap_or_default();
        match self.kind.parse::<Kind>().unwrap_or(Kind::Message) {
            Kind::Message => ServerFrame::Message { room, message: self.into_message(extras) },
            Kind::Edit => ServerFrame::Edit {
                room,
                seq: self.seq,
                target,
                edited_at: format_timestamp(self.timestamp),
                sender: self.sender_username(),
                mentions: self.mention_names(),
                text: self.text,
                client_id: self.client_id,
            },
            Kind::Delete => {
                ServerFrame::Delete { room, seq: self.seq, target, sender: self.sender_username(), client_id: self.client_id }
            }
            kind @ (Kind::React | Kind::Unreact) => ServerFrame::Reaction {
                room,
                seq: self.seq,
                target,
                user: self.sender_username(),
                emoji: self.text,
                on: kind == Kind::React,
                client_id: self.client_id,
            },
            kind @ (Kind::MemberAdded | Kind::MemberJoined | Kind::MemberRemoved | Kind::MemberLeft) => {
                let change = kind.member_change().unwrap_or(MemberChange::Left);
                ServerFrame::Member { room, seq: self.seq, by: self.sender_username(), user: self.text, change }
            }
        }
    }
}

/// What message rows need from elsewhere: their reactions, and the messages
/// they answer.
#[derive(Default)]
pub(super) struct Extras {
    reactions: HashMap<i64, BTreeMap<String, Vec<String>>>,
    parents: HashMap<i64, ReplyRef>,
    /// Attachments by id.
    files: HashMap<String, Attachment>,
}

impl Extras {
    /// Loads the reactions of the message rows among `rows`, the messages they
    /// answer and the files they carry.
    pub async fn load(db: &impl ConnectionTrait, room_id: i64, rows: &[EventRow]) -> Result<Self, DbErr> {
        let messages: Vec<i64> = rows.iter().filter(|r| r.n.is_some()).map(|r| r.seq).collect();
        let (Some(&first), Some(&last)) = (messages.first(), messages.last()) else { return Ok(Self::default()) };
        let mut extras = Self::default();
        let carried: Vec<&str> = rows.iter().filter_map(|r| r.attachment_id.as_deref()).collect();
        extras.files = attachments::dtos(db, carried).await?;
        let reactions = reaction::Entity::find()
            .select_only()
            .columns([reaction::Column::Target, reaction::Column::Emoji])
            .column_as(user::Column::Username, "user")
            .inner_join(user::Entity)
            .filter(reaction::Column::RoomId.eq(room_id))
            .filter(reaction::Column::Target.gte(first))
            .filter(reaction::Column::Target.lte(last))
            .order_by_asc(reaction::Column::CreatedAt)
            .into_tuple::<(i64, String, String)>()
            .all(db)
            .await?;
        for (target, emoji, user) in reactions {
            extras.reactions.entry(target).or_default().entry(emoji).or_default().push(user);
        }
        let parents: Vec<i64> = rows.iter().filter_map(|r| r.reply_to).collect();
        if !parents.is_empty() {
            let found = EventRow::select()
                .filter(message::Column::RoomId.eq(room_id))
                .filter(message::Column::Seq.is_in(parents))
                .into_model::<EventRow>()
                .all(db)
                .await?;
            for parent in found {
                let state = TargetState {
                    kind: parent.kind.clone(),
                    sender_id: parent.sender_id,
                    sender: parent.sender_username(),
                    text: parent.text.clone(),
                    deleted: parent.deleted,
                };
                extras.parents.insert(parent.seq, quote(parent.seq, &state));
            }
        }
        Ok(extras)
    }
}

/// A user has seen a room up to `seq`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadMarker {
    pub user_id: i64,
    pub room: String,
    pub seq: i64,
}

/// Moves each marker's membership forward (never back, never past the room's
/// newest `seq`) in one transaction, with the `n` of the newest message read;
/// returns the markers that moved, with the `seq` stored.
pub(super) async fn mark_read(db: &DatabaseConnection, markers: &[ReadMarker]) -> Result<Vec<ReadMarker>, DbErr> {
    let mut newest: BTreeMap<(i64, &str), i64> = BTreeMap::new();
    for marker in markers {
        let seq = newest.entry((marker.user_id, marker.room.as_str())).or_default();
        *seq = Ord::max(*seq, marker.seq);
    }
    let txn = begin_writing(db).await?;
    let rooms = rooms_named(&txn, newest.keys().map(|(_, room)| *room), Lock::None).await?;
    let mut moved = Vec::new();
    for ((user_id, room_name), seq) in newest {
        let Some(room) = rooms.get(room_name) else { continue };
        let seq = Ord::min(seq, room.last_seq);
        let n = last_message_n(&txn, room.id, seq).await?;
        let updated = membership::Entity::update_many()
            .col_expr(membership::Column::LastReadSeq, Expr::value(seq))
            .col_expr(membership::Column::LastReadN, Expr::value(n))
            .filter(membership::Column::UserId.eq(user_id))
            .filter(membership::Column::RoomId.eq(room.id))
            .filter(membership::Column::LastReadSeq.lt(seq))
            .exec(&txn)
            .await?;
        if updated.rows_affected > 0 {
            moved.push(ReadMarker { user_id, room: room_name.to_owned(), seq });
        }
    }
    txn.commit().await?;
    Ok(moved)
}

/// The `n` of the newest message at or before `seq` in a room (0 for none).
pub(super) async fn last_message_n(db: &impl ConnectionTrait, room_id: i64, seq: i64) -> Result<i64, DbErr> {
    let n = message::Entity::find()
        .select_only()
        .column(message::Column::N)
        .filter(message::Column::RoomId.eq(room_id))
        .filter(message::Column::Seq.lte(seq))
        .filter(message::Column::N.is_not_null())
        .order_by_desc(message::Column::Seq)
        .limit(1)
        .into_tuple::<Option<i64>>()
        .one(db)
        .await?;
    Ok(n.flatten().unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::server::{
        realtime::layer::MemoryLayer,
        storage::{Store, db, store::HistoryQuery},
        tasks::Background,
    };

    fn event(room: &str, sender: &user::Model, client_id: Option<&str>, body: EventBody) -> NewEvent {
        NewEvent { room: room.into(), sender: sender.clone(), client_id: client_id.map(str::to_owned), body }
    }

    fn say(room: &str, sender: &user::Model, text: &str, client_id: Option<&str>) -> NewEvent {
        event(room, sender, client_id, EventBody::Message { text: text.into(), reply_to: None, attachment: None })
    }

    async fn store() -> (tempfile::TempDir, DatabaseConnection, Store, Background) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("parlor.db").display());
        let background = Background::new();
        let db = db::connect_and_migrate(&url, db::SqliteSync::Full).await.unwrap();
        let store = Store::start(db.clone(), Arc::new(MemoryLayer::new(16)), &background);
        (dir, db, store, background)
    }

    /// Against a real SQLite file: one batch spanning rooms and resends gets
    /// per-room consecutive seqs, resends answered with their first copy, and
    /// history equal to exactly the new messages.
    #[tokio::test]
    async fn one_batch_spans_rooms_and_resends_without_gaps_or_copies() {
        let (_dir, db, store, background) = store().await;
        let ada = store.create_user("ada", "hash".into()).await.unwrap();
        let bob = store.create_user("bob", "hash".into()).await.unwrap();
        store.append(say("lobby", &ada, "before", Some("a-0"))).await.await.unwrap();

        let batch = [
            say("lobby", &ada, "one", Some("a-1")),
            say("garden", &bob, "two", Some("b-1")),
            say("lobby", &bob, "three", None),
            say("lobby", &ada, "one again", Some("a-1")),
            say("lobby", &ada, "before again", Some("a-0")),
            say("garden", &ada, "four", Some("b-1")),
            say("garden", &ada, "one elsewhere", Some("a-1")),
        ];
        let refs: Vec<&NewEvent> = batch.iter().collect();
        let stored = append_batch(&db, &refs).await.unwrap();
        let seen: Vec<(i64, bool)> = stored.iter().map(|s| s.as_ref().map(|s| (s.seq, s.duplicate)).unwrap()).collect();
        // Same client_id as bob's, but another sender, or another room: events of their own.
        assert_eq!(seen, [(2, false), (1, false), (3, false), (2, true), (1, true), (2, false), (3, false)]);

        let texts = |room: &'static str| {
            let store = store.clone();
            async move {
                let page = store.history(room, HistoryQuery { limit: 50, ..Default::default() }).await.unwrap();
                page.into_iter().map(|m| (m.seq, m.sender, m.text)).collect::<Vec<_>>()
            }
        };
        assert_eq!(
            texts("lobby").await,
            [(1, "ada".into(), "before".into()), (2, "ada".into(), "one".into()), (3, "bob".into(), "three".into())]
        );
        assert_eq!(
            texts("garden").await,
            [(1, "bob".into(), "two".into()), (2, "ada".into(), "four".into()), (3, "ada".into(), "one elsewhere".into())]
        );
        assert_eq!(store.last_seq("lobby").await.unwrap(), 3);
        background.stop(std::time::Duration::from_secs(5)).await;
    }

    /// Changes in one batch are judged in order: an edit after the deletion of
    /// its message is refused; a reaction toggled twice ends where it began;
    /// nobody edits another's message; refusals take no seq.
    #[tokio::test]
    async fn changes_in_one_batch_are_judged_in_order() {
        let (_dir, db, store, background) = store().await;
        let ada = store.create_user("ada", "hash".into()).await.unwrap();
        let bob = store.create_user("bob", "hash".into()).await.unwrap();
        store.append(say("den", &ada, "hello", None)).await.await.unwrap();

        let batch = [
            event("den", &bob, None, EventBody::Edit { target: 1, text: "hijacked".into() }),
            event("den", &bob, None, EventBody::React { target: 1, emoji: "👍".into() }),
            event("den", &ada, None, EventBody::Edit { target: 1, text: "hello, world".into() }),
            event("den", &bob, None, EventBody::React { target: 1, emoji: "👍".into() }),
            event("den", &ada, None, EventBody::React { target: 1, emoji: "🎉".into() }),
            event("den", &ada, None, EventBody::Delete { target: 1 }),
            event("den", &ada, None, EventBody::Edit { target: 1, text: "too late".into() }),
            event("den", &ada, None, EventBody::Delete { target: 99 }),
            event("nowhere", &ada, None, EventBody::React { target: 1, emoji: "x".into() }),
            event("den", &bob, None, EventBody::Message { text: "re".into(), reply_to: Some(1), attachment: None }),
        ];
        let refs: Vec<&NewEvent> = batch.iter().collect();
        let outcome: Vec<Result<i64, Refusal>> =
            append_batch(&db, &refs).await.unwrap().into_iter().map(|r| r.map(|s| s.seq)).collect();
        assert_eq!(
            outcome,
            [
                Err(Refusal::NotYours),
                Ok(2),
                Ok(3),
                Ok(4),
                Ok(5),
                Ok(6),
                Err(Refusal::Deleted),
                Err(Refusal::NotFound),
                Err(Refusal::NotFound),
                Ok(7),
            ]
        );
        let page = store.history("den", HistoryQuery { limit: 50, ..Default::default() }).await.unwrap();
        assert_eq!(page.len(), 2, "two messages; edits and reactions are not messages");
        assert!(page[0].deleted && page[0].text.is_empty());
        assert!(page[0].reactions.is_empty(), "a deleted message keeps no reactions");
        assert_eq!(page[1].reply_to.as_ref().map(|r| (r.seq, r.deleted)), Some((1, true)));
        let replay: Vec<i64> = store.events_after("den", 0, 50).await.unwrap().into_iter().map(|(seq, _)| seq).collect();
        assert_eq!(replay, (1..=7).collect::<Vec<_>>(), "every event once, gap-free");
        background.stop(std::time::Duration::from_secs(5)).await;
    }
}
