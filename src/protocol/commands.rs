//! Client frames parsed and checked into what the server acts on: a room
//! event to store (each kind's request checked into its stored body by its
//! own module, `protocol::events`), a read marker, typing, or a bot command
//! to look up. A refused frame becomes a [`FrameRejection`] with whatever
//! `client_id` could be recovered.

use serde::Deserialize;

use super::{
    ClientFrame, FrameErrorCode, FrameRejection, MAX_CLIENT_ID_CHARS,
    events::{EventBody, command},
};

/// A client frame that passed its checks, ready for its consumer handler.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// A room event to store; `client_id` makes it idempotent.
    Event { body: EventBody, client_id: Option<String> },
    /// The reader has seen the room up to `seq` (or with `thread`, that thread).
    Read { seq: i64, thread: Option<i64> },
    /// The user is composing.
    Typing,
    /// Run the bot command `/name args` (the consumer finds its bot).
    BotCommand(command::Checked),
}

/// Parses and checks a client text frame.
pub fn parse_client_frame(raw: &str) -> Result<Command, FrameRejection> {
    let frame = serde_json::from_str::<ClientFrame>(raw).map_err(|_| classify_unparsable(raw))?;
    check_client_frame(frame)
}

/// Checks a client frame that parsed (from a socket, or the body of an API call).
pub fn check_client_frame(frame: ClientFrame) -> Result<Command, FrameRejection> {
    let (body, client_id) = match frame {
        ClientFrame::Message(request) => request.check().map(|(body, id)| (EventBody::Message(body), id))?,
        ClientFrame::Edit(request) => request.check().map(|(body, id)| (EventBody::Edit(body), id))?,
        ClientFrame::Deletion(request) => request.check().map(|(body, id)| (EventBody::Deletion(body), id))?,
        ClientFrame::Reaction(request) => request.check().map(|(body, id)| (EventBody::Reaction(body), id))?,
        ClientFrame::PreviewRemoval(request) => request.check().map(|(body, id)| (EventBody::PreviewRemoval(body), id))?,
        ClientFrame::Topic(request) => request.check().map(|(body, id)| (EventBody::Topic(body), id))?,
        ClientFrame::Read { seq, thread } if seq >= 0 && thread.is_none_or(|root| root >= 1) => {
            return Ok(Command::Read { seq, thread });
        }
        ClientFrame::Read { .. } => return Err(FrameRejection::new(FrameErrorCode::BadFrame, None)),
        ClientFrame::Typing => return Ok(Command::Typing),
        ClientFrame::Command(request) => return request.check().map(Command::BotCommand),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::events::{deletion, edit, message, reaction, topic};

    #[test]
    fn send_frame_is_trimmed_and_keeps_client_id() {
        let parsed = parse_client_frame(r#"{"type":"send","text":"  hi  ","client_id":"c1"}"#);
        assert_eq!(
            parsed,
            Ok(Command::Event { body: EventBody::Message(message::Body::text("hi".into())), client_id: Some("c1".into()) })
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
        let Ok(Command::Event { body: EventBody::Message(message::Body { text, attachment, .. }), .. }) =
            parse_client_frame(&raw)
        else {
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
            Ok(Command::Event {
                body: EventBody::Edit(edit::Body { target: 3, text: "fixed".into() }),
                client_id: Some("e1".into())
            })
        );
        assert_eq!(
            parse_client_frame(r#"{"type":"delete","target":3}"#),
            Ok(Command::Event { body: EventBody::Deletion(deletion::Body { target: 3 }), client_id: None })
        );
        assert_eq!(
            parse_client_frame(r#"{"type":"react","target":3,"emoji":"👍"}"#),
            Ok(Command::Event { body: EventBody::Reaction(reaction::Body { target: 3, emoji: "👍".into() }), client_id: None })
        );
        let code = |raw: &str| parse_client_frame(raw).unwrap_err().code;
        assert_eq!(code(r#"{"type":"react","target":3,"emoji":"   "}"#), FrameErrorCode::BadReaction);
        assert_eq!(code(r#"{"type":"react","target":3,"emoji":"seventeen chars!!"}"#), FrameErrorCode::BadReaction);
        assert_eq!(code(r#"{"type":"edit","target":0,"text":"x"}"#), FrameErrorCode::BadFrame);
        assert_eq!(code(r#"{"type":"edit","target":2,"text":" "}"#), FrameErrorCode::EmptyText);
        let reply = parse_client_frame(r#"{"type":"send","text":"yes","reply_to":7}"#).unwrap();
        assert!(matches!(reply, Command::Event { body: EventBody::Message(message::Body { reply_to: Some(7), .. }), .. }));
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
        let thread = Some(message::InThread { root: 3, also_in_room: true });
        assert!(matches!(reply, Command::Event { body: EventBody::Message(message::Body { thread: t, .. }), .. } if t == thread));
        let code = |raw: &str| parse_client_frame(raw).unwrap_err().code;
        assert_eq!(code(r#"{"type":"send","text":"x","thread":0}"#), FrameErrorCode::BadFrame);
        assert_eq!(
            code(r#"{"type":"send","text":"x","also_in_room":true}"#),
            FrameErrorCode::BadFrame,
            "in the room too needs a thread"
        );
        assert_eq!(parse_client_frame(r#"{"type":"read","seq":9,"thread":3}"#), Ok(Command::Read { seq: 9, thread: Some(3) }));
        assert_eq!(code(r#"{"type":"read","seq":9,"thread":0}"#), FrameErrorCode::BadFrame);
        let kept = EventBody::Message(message::Body {
            thread: Some(message::InThread { root: 3, also_in_room: false }),
            ..message::Body::text("x".into())
        });
        assert!(kept.is_message() && !kept.in_timeline(), "a reply kept in its thread is not in the timeline");
    }

    #[test]
    fn a_topic_is_one_line_within_its_limit_and_empty_clears_it() {
        assert_eq!(
            parse_client_frame(r#"{"type":"set_topic","topic":"  Release 4.2 this week  "}"#),
            Ok(Command::Event { body: EventBody::Topic(topic::Body { topic: "Release 4.2 this week".into() }), client_id: None })
        );
        assert_eq!(
            parse_client_frame(r#"{"type":"set_topic","topic":""}"#),
            Ok(Command::Event { body: EventBody::Topic(topic::Body { topic: String::new() }), client_id: None })
        );
        let code = |raw: &str| parse_client_frame(raw).unwrap_err().code;
        assert_eq!(code(&format!(r#"{{"type":"set_topic","topic":"{}"}}"#, "t".repeat(251))), FrameErrorCode::TextTooLong);
        assert_eq!(code(r#"{"type":"set_topic","topic":"two\nlines"}"#), FrameErrorCode::ControlCharacters);
    }

    #[test]
    fn a_refusal_carries_the_client_id_it_could_recover() {
        let refused = parse_client_frame(r#"{"type":"send","text":"  ","client_id":"c9"}"#).unwrap_err();
        assert_eq!(refused.client_id.as_deref(), Some("c9"));
        let refused = parse_client_frame(r#"{"type":"dance","client_id":"c8"}"#).unwrap_err();
        assert_eq!(refused.client_id.as_deref(), Some("c8"));
    }
}
