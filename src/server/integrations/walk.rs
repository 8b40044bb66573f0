//! A cursor's walk through a room's events (no I/O): for each event after the
//! cursor, whether the subscription's bot is sent it or it is passed over,
//! and the bot's membership there after it. The bot's membership of a
//! private room changes only by membership events about it, in the room's
//! order, so it is followed event by event: a bot removed at `seq` is sent
//! that event (as a socket sends its last frame) and nothing after it until it
//! is added again — however late the delivery runs. Whether the bot may be
//! sent an event is the one policy's (`Action::Deliver`).

use super::filter::EventFilter;
use crate::{
    entity::message::EventKind,
    server::policy::{self, Action, Place, Role, RoomFacts, Standing},
};

/// What to do with the next event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Send it; once it is delivered, the bot's membership is `member`.
    Deliver { seq: i64, member: bool },
    /// Pass over it; the bot's membership after it is `member`.
    Pass { seq: i64, member: bool },
}

/// One cursor's walk.
#[derive(Clone, Debug)]
pub struct Walk {
    pub bot_id: i64,
    /// The bot's role now (a deactivated bot is sent nothing).
    pub role: Role,
    pub place: Place,
    pub owner_id: Option<i64>,
    pub filter: EventFilter,
    /// The bot is a member of the room at the point the walk has reached.
    pub member: bool,
}

impl Walk {
    /// Decides event `seq` of `kind` (about `target`) and moves past it.
    pub fn step(&mut self, seq: i64, kind: EventKind, target: Option<i64>) -> Step {
        let about_bot = target == Some(self.bot_id);
        let before = self.member;
        let membership = match kind {
            EventKind::MemberAdded | EventKind::MemberJoined => Some(true),
            EventKind::MemberRemoved | EventKind::MemberLeft => Some(false),
            _ => None,
        };
        if let (Some(now_member), true) = (membership, about_bot) {
            self.member = now_member;
        }
        // A bot is told of its own arrival and of its own removal.
        let member_here = if membership.is_some() && about_bot { before || self.member } else { self.member };
        let wanted = match kind {
            EventKind::Command => about_bot,
            other => self.filter.wants(other),
        };
        let facts = RoomFacts { place: self.place, standing: Standing::of(self.bot_id, member_here, self.owner_id) };
        let allowed = policy::decide(self.role, facts, Action::Deliver).is_ok();
        if wanted && allowed { Step::Deliver { seq, member: self.member } } else { Step::Pass { seq, member: self.member } }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOT: i64 = 7;

    fn walk(place: Place, member: bool, events: &[&str]) -> Walk {
        Walk { bot_id: BOT, role: Role::Bot, place, owner_id: Some(1), filter: EventFilter::parse(events).unwrap(), member }
    }

    /// The seqs delivered of `events` (kind, target), in order.
    fn delivered(walk: &mut Walk, events: &[(EventKind, Option<i64>)]) -> Vec<i64> {
        (1..)
            .zip(events)
            .filter_map(|(seq, (kind, target))| match walk.step(seq, *kind, *target) {
                Step::Deliver { seq, .. } => Some(seq),
                Step::Pass { .. } => None,
            })
            .collect()
    }

    use EventKind::{Command, Edit, MemberAdded, MemberRemoved, Message, Preview};

    #[test]
    fn a_removed_bot_gets_its_removal_and_nothing_more_until_it_is_added_again() {
        let mut private = walk(Place::Private, true, &["message", "member"]);
        let events = [
            (Message, None),
            (MemberRemoved, Some(BOT)),
            (Message, None),
            (MemberAdded, Some(BOT)),
            (Message, None),
            (MemberRemoved, Some(9)),
        ];
        assert_eq!(delivered(&mut private, &events), [1, 2, 4, 5, 6]);
        assert!(private.member);
    }

    #[test]
    fn a_cursor_that_starts_before_the_bot_was_added_begins_at_its_arrival() {
        let mut private = walk(Place::Private, false, &["message", "member"]);
        assert_eq!(delivered(&mut private, &[(Message, None), (MemberAdded, Some(BOT)), (Message, None)]), [2, 3]);
        let mut only_messages = walk(Place::Private, false, &["message"]);
        assert_eq!(
            delivered(&mut only_messages, &[(MemberAdded, Some(BOT)), (Message, None)]),
            [2],
            "membership is followed unsent"
        );
    }

    #[test]
    fn a_public_room_is_sent_whatever_the_membership_and_only_the_kinds_named() {
        let mut public = walk(Place::Public, false, &["edit"]);
        assert_eq!(delivered(&mut public, &[(Message, None), (Edit, None), (Preview, None)]), [2]);
    }

    #[test]
    fn commands_go_to_their_bot_only() {
        let mut public = walk(Place::Public, false, &["message"]);
        assert_eq!(delivered(&mut public, &[(Command, Some(BOT)), (Command, Some(9))]), [1]);
    }

    #[test]
    fn a_deactivated_bot_is_sent_nothing() {
        let mut gone = Walk { role: Role::Deactivated, ..walk(Place::Public, true, &["message"]) };
        assert_eq!(delivered(&mut gone, &[(Message, None)]), Vec::<i64>::new());
    }
}
