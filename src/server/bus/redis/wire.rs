//! What Parlor puts on Redis: the channel of each group (`parlor:group:<key>`,
//! e.g. `parlor:group:room:general`) and each event's payload,
//! `<instance>:<tag>:<body>`, so that an instance can skip its own events.

use std::sync::Arc;

use strum::IntoEnumIterator;

use crate::{
    protocol::CloseReason,
    server::bus::{Event, Forget, RoomEvent, SessionKey},
};

/// Prefix of every Parlor channel in Redis.
pub(super) const CHANNEL_PREFIX: &str = "parlor:group:";

/// Redis channel of a group key.
pub(super) fn channel(group_key: &str) -> String {
    format!("{CHANNEL_PREFIX}{group_key}")
}

/// Payload on the wire: `<instance>:<tag>:<body>`, where the tag and body are
/// `s:<seq>:<meta JSON>\n<frame JSON>` (a sequenced event), `h:<seq>` (a head
/// beacon), `e:<session or ->:<close code>` (end sessions), `r:<from or ->:<frame>`
/// (a relayed frame), `v:<frame>` (a relayed `seen` frame), `p:<users JSON>` (presence), `n:<notice JSON>` (news for
/// a user) or `f:s<session key hex>` / `f:u<user id>` (forget a cached read). A resync is local to each instance and never published.
pub(super) fn encode(instance: u64, event: &Event) -> Option<Vec<u8>> {
    let (head, frame): (String, Option<&str>) = match event {
        Event::Sequenced(room_event) => {
            let meta = serde_json::to_string(&room_event.meta).ok()?;
            (format!("s:{}:{meta}\n", room_event.seq), Some(room_event.frame.as_str()))
        }
        Event::Head { seq } => (format!("h:{seq}"), None),
        Event::EndSessions { session, reason } => {
            let session = session.map_or_else(|| "-".to_owned(), |key| format!("{:x}", key.0));
            (format!("e:{session}:{}", reason.code()), None)
        }
        Event::Relay { frame, from } => {
            let from = from.map_or_else(|| "-".to_owned(), |id| id.to_string());
            (format!("r:{from}:"), Some(frame.as_str()))
        }
        Event::Seen { frame } => ("v:".to_owned(), Some(frame.as_str())),
        Event::Presence { users, .. } => (format!("p:{}", serde_json::to_string(users).ok()?), None),
        Event::Notice(notice) => (format!("n:{}", serde_json::to_string(notice).ok()?), None),
        Event::Forget(Forget::Session(key)) => (format!("f:s{key:x}"), None),
        Event::Forget(Forget::User(id)) => (format!("f:u{id}"), None),
        Event::Resync => return None,
    };
    let mut payload = format!("{instance:x}:{head}").into_bytes();
    if let Some(frame) = frame {
        payload.extend_from_slice(frame.as_bytes());
    }
    Some(payload)
}

/// A probe of one's own subscription (`<instance>:k:`): published by an
/// instance on its own channel, it must come back to it.
pub(super) fn probe(instance: u64) -> Vec<u8> {
    format!("{instance:x}:k:").into_bytes()
}

/// The instance whose probe `payload` is, if it is one.
pub(super) fn probe_from(payload: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(payload).ok()?;
    let (instance, rest) = text.split_once(':')?;
    (rest == "k:").then(|| u64::from_str_radix(instance, 16).ok()).flatten()
}

pub(super) fn decode(payload: &[u8]) -> Option<(u64, Event)> {
    let text = std::str::from_utf8(payload).ok()?;
    let (instance, rest) = text.split_once(':')?;
    let instance = u64::from_str_radix(instance, 16).ok()?;
    let (tag, body) = rest.split_once(':')?;
    let event = match tag {
        "s" => {
            let (seq, rest) = body.split_once(':')?;
            let (meta, frame) = rest.split_once('\n')?;
            let room_event =
                RoomEvent { seq: seq.parse().ok()?, frame: frame.to_owned().into(), meta: serde_json::from_str(meta).ok()? };
            Event::Sequenced(Arc::new(room_event))
        }
        "h" => Event::Head { seq: body.parse().ok()? },
        "e" => {
            let (session, code) = body.split_once(':')?;
            let session = match session {
                "-" => None,
                hex => Some(SessionKey(u64::from_str_radix(hex, 16).ok()?)),
            };
            let code: u16 = code.parse().ok()?;
            Event::EndSessions { session, reason: CloseReason::iter().find(|r| r.code() == code)? }
        }
        "r" => {
            let (from, frame) = body.split_once(':')?;
            let from = match from {
                "-" => None,
                id => Some(id.parse().ok()?),
            };
            Event::Relay { frame: frame.to_owned().into(), from }
        }
        "v" => Event::Seen { frame: body.to_owned().into() },
        "p" => Event::Presence { instance, users: serde_json::from_str(body).ok()? },
        "n" => Event::Notice(serde_json::from_str(body).ok()?),
        "f" => match body.split_at_checked(1)? {
            ("s", key) => Event::Forget(Forget::Session(u64::from_str_radix(key, 16).ok()?)),
            ("u", id) => Event::Forget(Forget::User(id.parse().ok()?)),
            _ => return None,
        },
        _ => return None,
    };
    Some((instance, event))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_round_trip_and_carry_the_instance() {
        let frame = r#"{"type":"message","text":"a:b\nc"}"#;
        let meta = crate::server::bus::EventMeta {
            sender_id: Some(3),
            mentioned: vec![4, 5],
            latest: None,
            revoked: Some(6),
            deleted: Some(2),
            thread: Some(7),
            thread_only: true,
        };
        let events = [
            Event::Sequenced(Arc::new(RoomEvent { seq: 42, frame: frame.into(), meta })),
            Event::Relay { frame: frame.into(), from: Some(9) },
            Event::Relay { frame: frame.into(), from: None },
            Event::Seen { frame: frame.into() },
            Event::Presence { instance: 0xabc, users: vec!["ann".into(), "bob".into()] },
            Event::Notice(crate::server::bus::UserNotice::Read { room: "r".into(), thread: Some(2), seq: 3 }),
            Event::Head { seq: 7 },
            Event::Forget(Forget::Session(0xfeed)),
            Event::Forget(Forget::User(12)),
            Event::EndSessions { session: Some(SessionKey(0xfeed)), reason: CloseReason::SessionEnded },
            Event::EndSessions { session: None, reason: CloseReason::SessionEnded },
        ];
        for event in events {
            let (instance, back) = decode(&encode(0xabc, &event).unwrap()).unwrap();
            assert_eq!((instance, back), (0xabc, event));
        }
        assert!(decode(b"garbage").is_none());
        assert!(decode(b"1:x:whatever").is_none());
        assert!(encode(1, &Event::Resync).is_none(), "a resync stays on its instance");
        assert_eq!(probe_from(&probe(0xabc)), Some(0xabc));
        assert_eq!(probe_from(&encode(0xabc, &Event::Head { seq: 7 }).unwrap()), None);
    }
}
