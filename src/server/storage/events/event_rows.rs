//! A stored event as every read returns it (its row joined with its sender),
//! and what message rows need from elsewhere (reactions, quoted parents,
//! files). The one function that makes a row's frame, for the live delivery
//! of an event just written and for a replay alike, is `kinds::frame`.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, Func},
};

use crate::{
    entity::{message, message::EventKind, reaction, user},
    protocol::{
        AccountKind, Attachment, ChatMessage, PreviewRecord, REPLY_QUOTE_CHARS, ReplyRef, ThreadSummary, format_timestamp,
    },
    server::storage::attachments,
};

/// One stored event with its sender's name: what every read of events returns,
/// and the one place frames and [`ChatMessage`]s are built from the database.
#[derive(Clone, Debug, FromQueryResult)]
pub struct EventRow {
    pub seq: i64,
    pub kind: EventKind,
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
    /// For a message: its link preview's record (JSON).
    pub preview: Option<String>,
    /// For a thread reply: its root's `seq`.
    pub thread: Option<i64>,
    /// For a root: its thread's summary (see `entity::message`).
    pub reply_count: i64,
    pub last_reply_seq: Option<i64>,
    pub last_reply_at: Option<DateTime<Utc>>,
    pub participants: Option<String>,
    /// For an incoming webhook's message: the name it is shown under.
    pub display_as: Option<String>,
    /// What the sender's account is (`None` once it is deleted).
    pub sender_kind: Option<AccountKind>,
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
                message::Column::Preview,
                message::Column::Thread,
                message::Column::ReplyCount,
                message::Column::LastReplySeq,
                message::Column::LastReplyAt,
                message::Column::Participants,
                message::Column::DisplayAs,
            ])
            .column_as(user::Column::Username, "sender")
            .column_as(user::Column::Deactivated, "sender_deactivated")
            // A webhook's message is shown under the name its payload gave.
            .column_as(
                Expr::expr(Func::coalesce([
                    Expr::col((message::Entity, message::Column::DisplayAs)),
                    Expr::col((user::Entity, user::Column::DisplayName)),
                ])),
                "sender_name",
            )
            .column_as(user::Column::Kind, "sender_kind")
            .left_join(user::Entity)
    }

    pub fn sender_username(&self) -> String {
        self.sender.clone().unwrap_or_else(|| "[deleted]".to_owned())
    }

    pub fn mention_names(&self) -> Vec<String> {
        self.mentions.as_deref().map(|names| names.split(',').map(str::to_owned).collect()).unwrap_or_default()
    }

    /// A root's thread summary, when it has replies.
    pub fn summary(&self) -> Option<ThreadSummary> {
        let (Some(last_seq), Some(last_at)) = (self.last_reply_seq, self.last_reply_at) else { return None };
        Some(ThreadSummary {
            count: self.reply_count,
            last_seq,
            last_at: format_timestamp(last_at),
            participants: self
                .participants
                .as_deref()
                .map(|names| names.split(',').map(str::to_owned).collect())
                .unwrap_or_default(),
        })
    }

    /// A message row as clients see it, with what `extras` knows of its
    /// reactions and the message it answers.
    pub fn into_message(self, extras: &Extras) -> ChatMessage {
        let replies = self.summary();
        ChatMessage {
            seq: self.seq,
            sender: self.sender_username(),
            sender_name: self.sender_name.clone(),
            mentions: self.mention_names(),
            reactions: extras.reactions.get(&self.seq).cloned().unwrap_or_default(),
            reply_to: self.reply_to.and_then(|parent| extras.parents.get(&parent).cloned()),
            attachment: self.attachment_id.and_then(|id| extras.files.get(&id).cloned()),
            preview: self.preview.as_deref().and_then(PreviewRecord::decode).map(|record| record.shown),
            text: self.text,
            timestamp: format_timestamp(self.timestamp),
            client_id: self.client_id,
            edited_at: self.edited_at.map(format_timestamp),
            deleted: self.deleted,
            sender_deactivated: self.sender_deactivated.unwrap_or(false),
            html: None,
            replies,
            also_in_room: self.thread.is_some() && self.n.is_some(),
            thread: self.thread,
            bot: self.sender_kind.is_some_and(AccountKind::is_bot),
        }
    }
}

/// What message rows need from elsewhere: their reactions, and the messages
/// they answer.
#[derive(Default)]
pub struct Extras {
    pub reactions: HashMap<i64, BTreeMap<String, Vec<String>>>,
    pub parents: HashMap<i64, ReplyRef>,
    /// Attachments by id.
    pub files: HashMap<String, Attachment>,
}

impl Extras {
    /// Loads the reactions of the message rows among `rows`, the messages they
    /// answer and the files they carry.
    pub async fn load(db: &impl ConnectionTrait, room_id: i64, rows: &[EventRow]) -> Result<Self, DbErr> {
        let messages: Vec<i64> = rows.iter().filter(|r| r.kind == EventKind::Message).map(|r| r.seq).collect();
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
                let quoted = quote(parent.seq, parent.sender_username(), &parent.text, parent.deleted);
                extras.parents.insert(parent.seq, quoted);
            }
        }
        Ok(extras)
    }
}

impl EventRow {
    /// The row to insert for it.
    pub fn to_active(&self) -> message::ActiveModel {
        message::ActiveModel {
            id: NotSet,
            room_id: Set(self.room_id),
            seq: Set(self.seq),
            sender_id: Set(self.sender_id),
            text: Set(self.text.clone()),
            timestamp: Set(self.timestamp),
            client_id: Set(self.client_id.clone()),
            mentions: Set(self.mentions.clone()),
            kind: Set(self.kind),
            target: Set(self.target),
            n: Set(self.n),
            edited_at: Set(self.edited_at),
            deleted: Set(self.deleted),
            reply_to: Set(self.reply_to),
            attachment_id: Set(self.attachment_id.clone()),
            preview: Set(self.preview.clone()),
            thread: Set(self.thread),
            reply_count: Set(self.reply_count),
            last_reply_seq: Set(self.last_reply_seq),
            last_reply_at: Set(self.last_reply_at),
            participants: Set(self.participants.clone()),
            display_as: Set(self.display_as.clone()),
        }
    }
}

/// How a reply quotes its parent `seq` (by `sender`, saying `text`, or deleted).
pub fn quote(seq: i64, sender: String, text: &str, deleted: bool) -> ReplyRef {
    ReplyRef { seq, sender, text: text.chars().take(REPLY_QUOTE_CHARS).collect(), deleted }
}

/// The usernames of `mentioned`, comma-separated, as a row keeps them.
pub fn joined(mentioned: &[(i64, String)]) -> Option<String> {
    (!mentioned.is_empty()).then(|| mentioned.iter().map(|(_, name)| name.as_str()).collect::<Vec<_>>().join(","))
}
