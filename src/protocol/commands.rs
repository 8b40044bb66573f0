//! Client frames parsed and validated into what the server acts on: a room
//! event to store (parsed straight into its [`EventBody`], which the writer
//! stores as it is), a read marker, or typing. A refused frame becomes a
//! [`FrameRejection`] with whatever `client_id` could be recovered.

use serde::Deserialize;

use super::{
    ClientFrame, FrameErrorCode, FrameRejection, MAX_CLIENT_ID_CHARS, MAX_REACTION_CHARS, MAX_TEXT_CHARS, MemberChange,
    PreviewRecord,
};

/// A client frame that passed validation, ready for its consumer handler.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// A room event to store; `client_id` makes it idempotent.
    Event { body: EventBody, client_id: Option<String> },
    /// The reader has seen the room up to `seq` (or with `thread`, that thread).
    Read { seq: i64, thread: Option<i64> },
    /// The user is composing.
    Typing,
    /// Run the bot command `/name args` (the consumer finds its bot).
    BotCommand { name: String, args: String, client_id: Option<String> },
}

/// What a room event is: what a client asks to store, validated (trimmed text,
/// well-formed ids), or a membership change the server makes. The writer
/// stores it as it is, each kind by its own rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventBody {
    /// A new message. `attachment`: the id of a file the sender uploaded to the
    /// room (well formed; the writer checks it is the sender's).
    Message { text: String, reply_to: Option<i64>, attachment: Option<String>, thread: Option<InThread> },
    /// New text for one's own message `target`.
    Edit { target: i64, text: String },
    /// Deletes message `target` (one's own, or as a moderator).
    Delete { target: i64 },
    /// Toggles the sender's reaction `emoji` on message `target`.
    React { target: i64, emoji: String },
    /// The preview of message `target`'s first link, as the server read it
    /// (made by the server for the message's author, never parsed).
    Preview { target: i64, record: Box<PreviewRecord> },
    /// Removes the preview under message `target` (one's own, or as a moderator).
    Unpreview { target: i64 },
    /// Someone's membership of a private room changes (`user_id` is theirs;
    /// the sender is who changed it). Made by the server, never parsed.
    Member { user_id: i64, username: String, change: MemberChange },
    /// The bot command `/name args` for bot `bot_id` named `bot` (found by
    /// the server from the name the client sent).
    BotCommand { bot_id: i64, bot: String, name: String, args: String },
}

/// Where a thread reply goes: under the root `seq`, and also in the room's
/// timeline when `also_in_room`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InThread {
    pub root: i64,
    pub also_in_room: bool,
}

impl EventBody {
    /// The message an edit, deletion or reaction is about.
    pub fn target(&self) -> Option<i64> {
        match self {
            Self::Message { .. } | Self::Member { .. } | Self::BotCommand { .. } => None,
            Self::Edit { target, .. }
            | Self::Delete { target }
            | Self::React { target, .. }
            | Self::Preview { target, .. }
            | Self::Unpreview { target } => Some(*target),
        }
    }

    /// The attachment a message carries.
    pub fn attachment(&self) -> Option<&str> {
        match self {
            Self::Message { attachment, .. } => attachment.as_deref(),
            _ => None,
        }
    }

    /// The message a message answers.
    pub fn reply_to(&self) -> Option<i64> {
        match self {
            Self::Message { reply_to, .. } => *reply_to,
            _ => None,
        }
    }

    /// Whether it is a new message.
    pub fn is_message(&self) -> bool {
        matches!(self, Self::Message { .. })
    }

    /// The thread a new message replies in.
    pub fn thread(&self) -> Option<InThread> {
        match self {
            Self::Message { thread, .. } => *thread,
            _ => None,
        }
    }

    /// Whether it is a new message of the room's timeline (numbered `n`,
    /// counted as the room's unread): every message but a reply kept in its thread.
    pub fn in_timeline(&self) -> bool {
        self.is_message() && self.thread().is_none_or(|thread| thread.also_in_room)
    }
}

/// Parses and validates a client text frame.
pub fn parse_client_frame(raw: &str) -> Result<Command, FrameRejection> {
    let frame = serde_json::from_str::<ClientFrame>(raw).map_err(|_| classify_unparsable(raw))?;
    check_client_frame(frame)
}

/// Validates a client frame that parsed (from a socket, or the body of an API call).
pub fn check_client_frame(frame: ClientFrame) -> Result<Command, FrameRejection> {
    let (body, client_id) = match frame {
        ClientFrame::Send { text, client_id, reply_to, attachment, thread, also_in_room } => {
            let client_id = check_client_id(client_id)?;
            let refuse = |code| FrameRejection::new(code, client_id.clone());
            let attachment = attachment.map(|id| check_attachment_id(id).map_err(refuse)).transpose()?;
            let text = match check_text(&text) {
                // A file may go without words.
                Err(FrameErrorCode::EmptyText) if attachment.is_some() => String::new(),
                checked => checked.map_err(refuse)?,
            };
            let reply_to = reply_to.map(|seq| check_target(seq).map_err(refuse)).transpose()?;
            let thread = match (thread, also_in_room) {
                (Some(root), also_in_room) => Some(InThread { root: check_target(root).map_err(refuse)?, also_in_room }),
                // Shown in the room "too" needs a thread to be in.
                (None, true) => return Err(refuse(FrameErrorCode::BadFrame)),
                (None, false) => None,
            };
            (EventBody::Message { text, reply_to, attachment, thread }, client_id)
        }
        ClientFrame::Edit { target, text, client_id } => {
            let client_id = check_client_id(client_id)?;
            let refuse = |code| FrameRejection::new(code, client_id.clone());
            let target = check_target(target).map_err(refuse)?;
            let text = check_text(&text).map_err(refuse)?;
            (EventBody::Edit { target, text }, client_id)
        }
        ClientFrame::Delete { target, client_id } => {
            let client_id = check_client_id(client_id)?;
            let target = check_target(target).map_err(|code| FrameRejection::new(code, client_id.clone()))?;
            (EventBody::Delete { target }, client_id)
        }
        ClientFrame::React { target, emoji, client_id } => {
            let client_id = check_client_id(client_id)?;
            let refuse = |code| FrameRejection::new(code, client_id.clone());
            let target = check_target(target).map_err(refuse)?;
            let emoji = check_reaction(&emoji).map_err(refuse)?;
            (EventBody::React { target, emoji }, client_id)
        }
        ClientFrame::RemovePreview { target, client_id } => {
            let client_id = check_client_id(client_id)?;
            let target = check_target(target).map_err(|code| FrameRejection::new(code, client_id.clone()))?;
            (EventBody::Unpreview { target }, client_id)
        }
        ClientFrame::Read { seq, thread } if seq >= 0 && thread.is_none_or(|root| root >= 1) => {
            return Ok(Command::Read { seq, thread });
        }
        ClientFrame::Read { .. } => return Err(FrameRejection::new(FrameErrorCode::BadFrame, None)),
        ClientFrame::Typing => return Ok(Command::Typing),
        ClientFrame::Command { command, text, client_id } => {
            let client_id = check_client_id(client_id)?;
            let refuse = |code| FrameRejection::new(code, client_id.clone());
            let name = check_command_name(&command).map_err(refuse)?;
            let args = match check_text(&text) {
                Err(FrameErrorCode::EmptyText) => String::new(),
                checked => checked.map_err(refuse)?,
            };
            return Ok(Command::BotCommand { name, args, client_id });
        }
    };
    Ok(Command::Event { body, client_id })
}

/// The part of any frame that tells why it did not parse: its `type` and `client_id`.
#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "type")]
    kind: String,
    client_id: Option<serde_json::Value>,
}

/// The error for a frame that is not a known frame: `unknown_type` when its
/// `type` is a string nobody knows, `bad_frame` otherwise.
fn classify_unparsable(raw: &str) -> FrameRejection {
    let Ok(envelope) = serde_json::from_str::<Envelope>(raw) else {
        return FrameRejection::new(FrameErrorCode::BadFrame, None);
    };
    let client_id =
        envelope.client_id.as_ref().and_then(serde_json::Value::as_str).map(|id| id.chars().take(MAX_CLIENT_ID_CHARS).collect());
    let known = <ClientFrame as strum::VariantNames>::VARIANTS.contains(&envelope.kind.as_str());
    let code = if known { FrameErrorCode::BadFrame } else { FrameErrorCode::UnknownType };
    FrameRejection::new(code, client_id)
}

fn check_client_id(client_id: Option<String>) -> Result<Option<String>, FrameRejection> {
    match client_id {
        Some(id) if id.is_empty() || id.chars().count() > MAX_CLIENT_ID_CHARS => {
            Err(FrameRejection::new(FrameErrorCode::BadClientId, None))
        }
        other => Ok(other),
    }
}

/// Longest bot command name, in characters (without the slash).
pub const MAX_COMMAND_CHARS: usize = 32;

/// A bot command's name: 1-[`MAX_COMMAND_CHARS`] of `a-z 0-9 _ -` (any
/// case, lowercased; a leading slash is dropped).
pub fn check_command_name(name: &str) -> Result<String, FrameErrorCode> {
    let name = name.trim().trim_start_matches('/').to_lowercase();
    let valid = !name.is_empty()
        && name.chars().count() <= MAX_COMMAND_CHARS
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if valid { Ok(name) } else { Err(FrameErrorCode::UnknownCommand) }
}

/// A `seq` that names a message: 1 or more.
fn check_target(seq: i64) -> Result<i64, FrameErrorCode> {
    if seq >= 1 { Ok(seq) } else { Err(FrameErrorCode::BadFrame) }
}

/// An attachment id as the server makes them: 32 lowercase hex digits.
fn check_attachment_id(id: String) -> Result<String, FrameErrorCode> {
    if is_attachment_id(&id) { Ok(id) } else { Err(FrameErrorCode::BadAttachment) }
}

/// Whether `id` has the shape of an attachment id (32 lowercase hex digits).
pub fn is_attachment_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A trimmed reaction of 1-16 characters without control characters.
fn check_reaction(emoji: &str) -> Result<String, FrameErrorCode> {
    let emoji = emoji.trim();
    let length = emoji.chars().count();
    if length == 0 || length > MAX_REACTION_CHARS || emoji.chars().any(char::is_control) {
        return Err(FrameErrorCode::BadReaction);
    }
    Ok(emoji.to_owned())
}

/// Trimmed message text, or why it cannot be stored. Control characters (which
/// PostgreSQL refuses outright, in the case of NUL) are refused here, except
/// newline and tab.
pub fn check_text(text: &str) -> Result<String, FrameErrorCode> {
    let text = text.trim();
    if text.is_empty() {
        return Err(FrameErrorCode::EmptyText);
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(FrameErrorCode::TextTooLong);
    }
    if text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(FrameErrorCode::ControlCharacters);
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_frame_is_trimmed_and_keeps_client_id() {
        let parsed = parse_client_frame(r#"{"type":"send","text":"  hi  ","client_id":"c1"}"#);
        assert_eq!(
            parsed,
            Ok(Command::Event {
                body: EventBody::Message { text: "hi".into(), reply_to: None, attachment: None, thread: None },
                client_id: Some("c1".into())
            })
        );
    }

    #[test]
    fn each_bad_frame_has_its_code() {
        let code = |raw: &str| parse_client_frame(raw).unwrap_err().code;
        assert_eq!(code("not json"), FrameErrorCode::BadFrame);
        assert_eq!(code(r#"{"text":"x"}"#), FrameErrorCode::BadFrame);
        assert_eq!(code(r#"{"type":7,"text":"x"}"#), FrameErrorCode::BadFrame);
        assert_eq!(code(r#"{"type":"dance"}"#), FrameErrorCode::UnknownType);
        assert_eq!(code(r#"{"type":"send","text":42}"#), FrameErrorCode::BadFrame);
        assert_eq!(code(r#"{"type":"send","text":"   "}"#), FrameErrorCode::EmptyText);
        let long = format!(r#"{{"type":"send","text":"{}"}}"#, "a".repeat(4001));
        assert_eq!(code(&long), FrameErrorCode::TextTooLong);
        let long_id = format!(r#"{{"type":"send","text":"x","client_id":"{}"}}"#, "c".repeat(65));
        assert_eq!(code(&long_id), FrameErrorCode::BadClientId);
        for control in ["\\u0000", "\\u0007", "\\r", "\\u009b"] {
            let raw = format!(r#"{{"type":"send","text":"a{control}b"}}"#);
            assert_eq!(code(&raw), FrameErrorCode::ControlCharacters, "{raw}");
        }
        let multi_line = parse_client_frame(r#"{"type":"send","text":"line one\n\tline two"}"#);
        assert!(multi_line.is_ok(), "newline and tab are text");
    }

    #[test]
    fn a_send_with_an_attachment_may_have_no_text() {
        let id = "0123456789abcdef0123456789abcdef";
        let raw = format!(r#"{{"type":"send","text":"  ","attachment":"{id}"}}"#);
        let Ok(Command::Event { body: EventBody::Message { text, attachment, .. }, .. }) = parse_client_frame(&raw) else {
            panic!("{raw} should parse")
        };
        assert_eq!((text.as_str(), attachment.as_deref()), ("", Some(id)));
        let code = |raw: &str| parse_client_frame(raw).unwrap_err().code;
        assert_eq!(code(r#"{"type":"send","text":"x","attachment":"../../etc"}"#), FrameErrorCode::BadAttachment);
        assert_eq!(
            code(r#"{"type":"send","text":"x","attachment":"0123456789ABCDEF0123456789ABCDEF"}"#),
            FrameErrorCode::BadAttachment
        );
        let too_long = format!(r#"{{"type":"send","text":"{}","attachment":"{id}"}}"#, "a".repeat(4001));
        assert_eq!(code(&too_long), FrameErrorCode::TextTooLong);
    }

    #[test]
    fn changes_to_messages_parse_and_are_checked() {
        assert_eq!(
            parse_client_frame(r#"{"type":"edit","target":3,"text":" fixed ","client_id":"e1"}"#),
            Ok(Command::Event { body: EventBody::Edit { target: 3, text: "fixed".into() }, client_id: Some("e1".into()) })
        );
        assert_eq!(
            parse_client_frame(r#"{"type":"delete","target":3}"#),
            Ok(Command::Event { body: EventBody::Delete { target: 3 }, client_id: None })
        );
        assert_eq!(
            parse_client_frame(r#"{"type":"react","target":3,"emoji":"👍"}"#),
            Ok(Command::Event { body: EventBody::React { target: 3, emoji: "👍".into() }, client_id: None })
        );
        let code = |raw: &str| parse_client_frame(raw).unwrap_err().code;
        assert_eq!(code(r#"{"type":"react","target":3,"emoji":"   "}"#), FrameErrorCode::BadReaction);
        assert_eq!(code(r#"{"type":"react","target":3,"emoji":"seventeen chars!!"}"#), FrameErrorCode::BadReaction);
        assert_eq!(code(r#"{"type":"edit","target":0,"text":"x"}"#), FrameErrorCode::BadFrame);
        assert_eq!(code(r#"{"type":"edit","target":2,"text":" "}"#), FrameErrorCode::EmptyText);
        let reply = parse_client_frame(r#"{"type":"send","text":"yes","reply_to":7}"#).unwrap();
        assert!(matches!(reply, Command::Event { body: EventBody::Message { reply_to: Some(7), .. }, .. }));
    }

    #[test]
    fn read_and_typing_frames_parse() {
        assert_eq!(parse_client_frame(r#"{"type":"read","seq":12}"#), Ok(Command::Read { seq: 12, thread: None }));
        assert_eq!(parse_client_frame(r#"{"type":"typing"}"#), Ok(Command::Typing));
        assert_eq!(parse_client_frame(r#"{"type":"read","seq":-1}"#).unwrap_err().code, FrameErrorCode::BadFrame);
        assert_eq!(parse_client_frame(r#"{"type":"read"}"#).unwrap_err().code, FrameErrorCode::BadFrame);
    }

    #[test]
    fn thread_replies_and_thread_reads_parse() {
        let reply = parse_client_frame(r#"{"type":"send","text":"yes","thread":3,"also_in_room":true}"#).unwrap();
        let thread = Some(InThread { root: 3, also_in_room: true });
        assert!(matches!(reply, Command::Event { body: EventBody::Message { thread: t, .. }, .. } if t == thread));
        let code = |raw: &str| parse_client_frame(raw).unwrap_err().code;
        assert_eq!(code(r#"{"type":"send","text":"x","thread":0}"#), FrameErrorCode::BadFrame);
        assert_eq!(
            code(r#"{"type":"send","text":"x","also_in_room":true}"#),
            FrameErrorCode::BadFrame,
            "in the room too needs a thread"
        );
        assert_eq!(parse_client_frame(r#"{"type":"read","seq":9,"thread":3}"#), Ok(Command::Read { seq: 9, thread: Some(3) }));
        assert_eq!(code(r#"{"type":"read","seq":9,"thread":0}"#), FrameErrorCode::BadFrame);
        let kept = EventBody::Message {
            text: "x".into(),
            reply_to: None,
            attachment: None,
            thread: Some(InThread { root: 3, also_in_room: false }),
        };
        assert!(kept.is_message() && !kept.in_timeline(), "a reply kept in its thread is not in the timeline");
    }

    #[test]
    fn a_refusal_carries_the_client_id_it_could_recover() {
        let refused = parse_client_frame(r#"{"type":"send","text":"  ","client_id":"c9"}"#).unwrap_err();
        assert_eq!(refused.client_id.as_deref(), Some("c9"));
        let refused = parse_client_frame(r#"{"type":"dance","client_id":"c8"}"#).unwrap_err();
        assert_eq!(refused.client_id.as_deref(), Some("c8"));
    }
}
