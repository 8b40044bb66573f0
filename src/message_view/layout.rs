//! The layout of a room's rows, the same for the server that renders a page
//! and the browser that places live rows: what an empty room shows, the day
//! dividers and the "New messages" divider, and each row's [`Placement`] for
//! its reader (the day it starts, the divider above it, the classes that are
//! the reader's own: [`ReaderClasses`]).

use crate::{i18n::t, local_time, protocol::ChatMessage};

/// How far apart two messages of one sender may be and still form one group.
pub const GROUP_SECONDS: i64 = 5 * 60;

/// What an empty room shows in place of rows (in the reader's language).
pub fn empty_html() -> String {
    format!(r#"<p class="empty">{}</p>"#, escaped(&t("room-empty")))
}

/// The divider above the first message that was unread when the room opened.
pub fn unread_divider_html() -> String {
    format!(r#"<div id="newMessages" class="unread-divider" role="separator">{}</div>"#, escaped(&t("room-new-messages")))
}

/// The divider that starts a day ("Today", "Monday 23 November"; a date in UTC).
pub fn day_divider_html(label: &str) -> String {
    format!(r#"<div class="day-divider" role="separator"><span>{}</span></div>"#, escaped(label))
}

fn escaped(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Who reads the rows, and where the page opened.
#[derive(Clone, Debug, Default)]
pub struct Reader {
    pub me: String,
    /// The reader moderates the room: they may delete any message.
    pub moderates: bool,
    /// The first message that was unread when the page opened.
    pub first_unread: Option<i64>,
    /// The message a permalink points at.
    pub highlighted: Option<i64>,
}

/// Where a row stands for its reader: the day it starts (its label), whether
/// the "New messages" divider goes above it, and its classes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement {
    pub day: Option<String>,
    pub unread: bool,
    pub classes: ReaderClasses,
}

/// Each message's [`Placement`] for `reader`, days in the reader's zone when
/// `local` (UTC otherwise: the server's).
pub fn placements(messages: &[ChatMessage], reader: &Reader, local: bool) -> Vec<Placement> {
    let mut previous: Option<(&ChatMessage, String)> = None;
    messages
        .iter()
        .map(|message| {
            let (day, label) = local_time::day(&message.timestamp, local);
            let starts_day = previous.as_ref().is_none_or(|(_, before)| *before != day);
            let mine = message.sender == reader.me;
            let classes = ReaderClasses {
                mine,
                mentions_me: message.mentions.contains(&reader.me),
                may_remove: mine || reader.moderates,
                continued: !starts_day && previous.as_ref().is_some_and(|(before, _)| continues(before, message)),
                highlighted: reader.highlighted == Some(message.seq),
            };
            previous = Some((message, day));
            Placement { day: starts_day.then_some(label), unread: reader.first_unread == Some(message.seq), classes }
        })
        .collect()
}

/// Whether `message` continues the group of `before`: the same sender, soon
/// after, neither deleted, and not a reply (a reply shows whom it answers).
fn continues(before: &ChatMessage, message: &ChatMessage) -> bool {
    before.sender == message.sender
        && !before.deleted
        && !message.deleted
        && message.reply_to.is_none()
        && local_time::seconds_between(&before.timestamp, &message.timestamp)
            .is_some_and(|gap| (0..=GROUP_SECONDS).contains(&gap))
}

/// What a row shows differently to its reader, as classes on the row.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReaderClasses {
    /// The reader wrote it (they may edit it).
    pub mine: bool,
    /// It mentions the reader.
    pub mentions_me: bool,
    /// The reader may delete it and remove its preview (theirs, or they moderate).
    pub may_remove: bool,
    /// It continues the group of the message above (same sender, soon after):
    /// its name and avatar are not shown again.
    pub continued: bool,
    /// A permalink points at it.
    pub highlighted: bool,
}

impl ReaderClasses {
    /// The classes, each with a leading space, to append to `class="message…"`.
    pub fn for_class_attribute(self) -> String {
        [
            (self.mine, " mine"),
            (self.mentions_me, " mentions-me"),
            (self.may_remove, " may-remove"),
            (self.continued, " continued"),
            (self.highlighted, " highlighted"),
        ]
        .into_iter()
        .filter_map(|(on, class)| on.then_some(class))
        .collect()
    }

    /// Each class with whether the row should have it.
    pub fn toggles(self) -> [(&'static str, bool); 5] {
        [
            ("mine", self.mine),
            ("mentions-me", self.mentions_me),
            ("may-remove", self.may_remove),
            ("continued", self.continued),
            ("highlighted", self.highlighted),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_classes_are_appended_in_a_fixed_order() {
        let classes = ReaderClasses { mine: true, continued: true, ..Default::default() };
        assert_eq!(classes.for_class_attribute(), " mine continued");
        assert_eq!(ReaderClasses::default().for_class_attribute(), "");
    }
}
