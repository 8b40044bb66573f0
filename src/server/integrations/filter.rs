//! Which events a subscription is sent: the kinds it names (`message`,
//! `edit`, `delete`, `reaction`, `member`), read from the room's event kinds.
//! A bot's own commands are sent whatever it names; link previews and topics
//! are not events a subscription can name.

use std::fmt;

use crate::entity::message::EventKind;

/// The kinds of events a subscription may name, in the order they are listed.
pub const EVENT_NAMES: [&str; 5] = ["message", "edit", "delete", "reaction", "member"];

/// A set of the kinds in [`EVENT_NAMES`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventFilter(u8);

impl EventFilter {
    /// The set `names` says (each a name of [`EVENT_NAMES`], at least one).
    pub fn parse(names: &[impl AsRef<str>]) -> Result<Self, String> {
        let mut bits = 0u8;
        for name in names {
            let name = name.as_ref().trim();
            let Some(at) = EVENT_NAMES.iter().position(|known| *known == name) else {
                return Err(format!("`{name}` is not an event; events are {}", EVENT_NAMES.join(", ")));
            };
            bits |= 1 << at;
        }
        if bits == 0 {
            return Err(format!("name at least one event: {}", EVENT_NAMES.join(", ")));
        }
        Ok(Self(bits))
    }

    /// The set a stored subscription's `events` column says (nothing, if it is unreadable).
    pub fn stored(events: &str) -> Self {
        let names: Vec<&str> = events.split(',').collect();
        Self::parse(&names).unwrap_or(Self(0))
    }

    /// Its names, in [`EVENT_NAMES`] order.
    pub fn names(self) -> Vec<&'static str> {
        EVENT_NAMES.iter().enumerate().filter(|(at, _)| self.0 & (1 << at) != 0).map(|(_, name)| *name).collect()
    }

    /// Whether an event of `kind` is one of these (commands are decided apart).
    pub fn wants(self, kind: EventKind) -> bool {
        let name = match kind {
            EventKind::Message => "message",
            EventKind::Edit => "edit",
            EventKind::Delete => "delete",
            EventKind::React | EventKind::Unreact => "reaction",
            EventKind::MemberAdded | EventKind::MemberJoined | EventKind::MemberRemoved | EventKind::MemberLeft => "member",
            EventKind::Preview | EventKind::PreviewRemoved | EventKind::Command | EventKind::Topic => return false,
        };
        self.names().contains(&name)
    }
}

impl fmt::Display for EventFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.names().join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_is_the_kinds_it_names() {
        let filter = EventFilter::parse(&["member", "message"]).unwrap();
        assert_eq!(filter.to_string(), "message,member");
        assert_eq!(EventFilter::stored("message,member"), filter);
        assert!(filter.wants(EventKind::Message) && filter.wants(EventKind::MemberRemoved));
        assert!(!filter.wants(EventKind::Edit) && !filter.wants(EventKind::React));
        assert!(!filter.wants(EventKind::Preview) && !filter.wants(EventKind::Command));
        let reactions = EventFilter::parse(&["reaction"]).unwrap();
        assert!(reactions.wants(EventKind::React) && reactions.wants(EventKind::Unreact));
        assert!(EventFilter::parse(&["message", "typing"]).unwrap_err().contains("typing"));
        let none: [&str; 0] = [];
        assert!(EventFilter::parse(&none).is_err());
    }
}
