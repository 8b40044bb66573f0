//! The user's rooms as the browser shows them (lobby, sidebar, tab title): the
//! statuses the server rendered, kept live by the inbox socket's `room` and
//! `left` frames. Unread rooms come first.

use leptos::prelude::*;

use crate::protocol::{Latest, NotifyLevel, RoomKind, RoomStatus, ThreadStatus};

/// What changed in a room, as the inbox reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomChange {
    pub room: String,
    pub kind: RoomKind,
    pub title: Option<String>,
    pub with: Option<String>,
    pub last_seq: i64,
    pub unread: i64,
    pub mentions: i64,
    /// A new message of someone else: the room's preview line.
    pub latest: Option<Latest>,
    /// A message reported before was deleted: no longer a preview.
    pub retract: Option<i64>,
}

/// The user's rooms, live.
#[derive(Clone, Copy)]
pub struct MyRooms {
    pub rooms: RwSignal<Vec<RoomStatus>>,
    /// The threads the user follows, by (room, root), with their counts (from
    /// the inbox's `thread` frames).
    pub threads: RwSignal<std::collections::BTreeMap<(String, i64), ThreadStatus>>,
}

impl MyRooms {
    pub fn new(rooms: Vec<RoomStatus>) -> Self {
        let mut rooms = rooms;
        sort(&mut rooms);
        Self { rooms: RwSignal::new(rooms), threads: RwSignal::new(Default::default()) }
    }

    /// Applies a `thread` frame: a followed thread's counts, or its end.
    pub fn apply_thread(&self, status: ThreadStatus) {
        self.threads.update(|threads| {
            let key = (status.room.clone(), status.thread);
            if status.following {
                threads.insert(key, status);
            } else {
                threads.remove(&key);
            }
        });
    }

    /// Unread replies over all followed threads.
    pub fn thread_unread(&self) -> i64 {
        self.threads.with(|threads| threads.values().map(|t| t.unread).sum())
    }

    /// Whether the user follows the thread of `root` in `room`.
    pub fn follows(&self, room: &str, root: i64) -> bool {
        self.threads.with(|threads| threads.contains_key(&(room.to_owned(), root)))
    }

    /// Applies a `room` frame; returns the room's status before, if it was known.
    pub fn apply(&self, change: RoomChange) -> Option<RoomStatus> {
        let mut before = None;
        self.rooms.update(|rooms| {
            match rooms.iter_mut().find(|r| r.room == change.room) {
                Some(status) => {
                    before = Some(status.clone());
                    status.last_seq = change.last_seq;
                    status.unread = change.unread;
                    status.mentions = change.mentions;
                    status.last_read_seq = change.last_seq - change.unread;
                    if change.retract.is_some() && status.latest.as_ref().map(|latest| latest.seq) == change.retract {
                        status.latest = None;
                    }
                    if let Some(latest) = change.latest {
                        status.latest = Some(latest);
                    }
                }
                None => rooms.push(RoomStatus {
                    room: change.room,
                    kind: change.kind,
                    title: change.title,
                    with: change.with,
                    last_seq: change.last_seq,
                    last_read_seq: change.last_seq - change.unread,
                    unread: change.unread,
                    mentions: change.mentions,
                    notify: NotifyLevel::default(),
                    last_activity: String::new(),
                    latest: change.latest,
                }),
            }
            sort(rooms);
        });
        before
    }

    /// The room left the user's list.
    pub fn remove(&self, room: &str) {
        self.rooms.update(|rooms| rooms.retain(|r| r.room != room));
    }

    /// The notification level of `room` (the default when it is not listed).
    pub fn notify_level(&self, room: &str) -> NotifyLevel {
        self.rooms.with_untracked(|rooms| rooms.iter().find(|r| r.room == room).map(|r| r.notify).unwrap_or_default())
    }

    /// Unread messages over all rooms (for the tab title).
    pub fn total_unread(&self) -> i64 {
        self.rooms.with(|rooms| rooms.iter().map(|r| r.unread).sum())
    }
}

/// Whether a `room` frame deserves a notification at `level`: a new message of
/// someone else, and for `mentions` one that mentions the reader.
pub fn should_notify(level: NotifyLevel, before: Option<&RoomStatus>, after: &RoomChange, latest: &Latest, me: &str) -> bool {
    if latest.sender == me {
        return false;
    }
    let (unread_before, mentions_before) = before.map_or((0, 0), |b| (b.unread, b.mentions));
    match level {
        NotifyLevel::All => after.unread > unread_before,
        NotifyLevel::Mentions => after.mentions > mentions_before,
        NotifyLevel::None => false,
    }
}

/// Unread rooms first; then the most recently active (as the server ordered them).
fn sort(rooms: &mut [RoomStatus]) {
    rooms.sort_by_key(|r| r.unread == 0);
}

/// The title of a page, with the total unread count first when there is one.
pub fn titled(unread: i64, title: &str) -> String {
    if unread > 0 { format!("({unread}) {title}") } else { title.to_owned() }
}

/// The rooms in the order the sidebar lists them: rooms, then direct messages.
pub fn sidebar_order(rooms: &[RoomStatus]) -> Vec<&RoomStatus> {
    let (direct, others): (Vec<&RoomStatus>, Vec<&RoomStatus>) = rooms.iter().partition(|r| r.kind == RoomKind::Direct);
    others.into_iter().chain(direct).collect()
}

/// The room after (`forward`) or before `current` in the sidebar's order —
/// among the unread ones only, if `unread_only` — wrapping around; `None`
/// when there is no other.
pub fn neighbour(rooms: &[RoomStatus], current: &str, forward: bool, unread_only: bool) -> Option<String> {
    let order = sidebar_order(rooms);
    let count = order.len();
    let at = order.iter().position(|r| r.room == current);
    (1..=count)
        .map(|step| match (at, forward) {
            (Some(at), true) => (at + step) % count,
            (Some(at), false) => (at + count - step % count) % count,
            (None, true) => step - 1,
            (None, false) => count - step,
        })
        .map(|i| order[i])
        .find(|r| r.room != current && (!unread_only || r.unread > 0))
        .map(|r| r.room.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(rooms: &[(&str, RoomKind, i64)]) -> Vec<RoomStatus> {
        rooms
            .iter()
            .map(|(room, kind, unread)| RoomStatus {
                room: (*room).to_owned(),
                kind: *kind,
                title: None,
                with: None,
                last_seq: 0,
                last_read_seq: 0,
                unread: *unread,
                mentions: 0,
                notify: NotifyLevel::Mentions,
                last_activity: String::new(),
                latest: None,
            })
            .collect()
    }

    #[test]
    fn alt_arrows_walk_the_sidebar_and_wrap() {
        let rooms = listed(&[
            ("_dm", RoomKind::Direct, 0),
            ("a", RoomKind::Public, 0),
            ("b", RoomKind::Public, 2),
            ("c", RoomKind::Private, 0),
        ]);
        assert_eq!(neighbour(&rooms, "a", true, false).as_deref(), Some("b"));
        assert_eq!(neighbour(&rooms, "c", true, false).as_deref(), Some("_dm"), "direct messages come last");
        assert_eq!(neighbour(&rooms, "_dm", true, false).as_deref(), Some("a"), "and wrap");
        assert_eq!(neighbour(&rooms, "a", false, false).as_deref(), Some("_dm"));
        assert_eq!(neighbour(&rooms, "c", true, true).as_deref(), Some("b"), "the next unread room");
        assert_eq!(neighbour(&rooms, "b", true, true), None, "no other unread room");
        assert_eq!(neighbour(&rooms, "elsewhere", true, false).as_deref(), Some("a"));
    }

    fn status(room: &str, unread: i64) -> RoomStatus {
        RoomStatus {
            room: room.into(),
            kind: RoomKind::Public,
            title: None,
            with: None,
            last_seq: 10,
            last_read_seq: 10 - unread,
            unread,
            mentions: 0,
            notify: NotifyLevel::default(),
            last_activity: String::new(),
            latest: None,
        }
    }

    #[test]
    fn unread_rooms_come_first_and_counts_follow_the_inbox() {
        let owner = Owner::new();
        owner.with(|| {
            let mine = MyRooms::new(vec![status("quiet", 0), status("busy", 2)]);
            assert_eq!(mine.rooms.get_untracked()[0].room, "busy");
            mine.apply(RoomChange {
                room: "quiet".into(),
                kind: RoomKind::Public,
                title: None,
                with: None,
                last_seq: 12,
                unread: 2,
                mentions: 1,
                latest: Some(Latest { seq: 12, sender: "ann".into(), text: "news".into(), bot: false }),
                retract: None,
            });
            mine.apply(RoomChange {
                room: "busy".into(),
                kind: RoomKind::Public,
                title: None,
                with: None,
                last_seq: 10,
                unread: 0,
                mentions: 0,
                latest: None,
                retract: None,
            });
            let rooms = mine.rooms.get_untracked();
            assert_eq!((rooms[0].room.as_str(), rooms[0].unread, rooms[0].mentions), ("quiet", 2, 1));
            assert_eq!(rooms[0].latest.as_ref().map(|l| l.text.as_str()), Some("news"), "the preview follows");
            // Its deletion takes the preview away; another room's retract does not.
            let retract = |room: &str, seq| RoomChange {
                room: room.into(),
                kind: RoomKind::Public,
                title: None,
                with: None,
                last_seq: 13,
                unread: 2,
                mentions: 1,
                latest: None,
                retract: Some(seq),
            };
            mine.apply(retract("quiet", 11));
            assert!(mine.rooms.get_untracked()[0].latest.is_some(), "not the previewed message");
            mine.apply(retract("quiet", 12));
            assert!(mine.rooms.get_untracked()[0].latest.is_none());
            assert_eq!(mine.total_unread(), 2);
            mine.remove("quiet");
            assert_eq!(mine.total_unread(), 0);
        });
    }

    #[test]
    fn notifications_follow_the_rooms_level() {
        let before = status("r", 1);
        let change = |unread, mentions| RoomChange {
            room: "r".into(),
            kind: RoomKind::Public,
            title: None,
            with: None,
            last_seq: 11,
            unread,
            mentions,
            latest: None,
            retract: None,
        };
        let latest = |sender: &str| Latest { seq: 11, sender: sender.into(), text: "hi".into(), bot: false };
        assert!(should_notify(NotifyLevel::All, Some(&before), &change(2, 0), &latest("bob"), "me"));
        assert!(!should_notify(NotifyLevel::Mentions, Some(&before), &change(2, 0), &latest("bob"), "me"));
        assert!(should_notify(NotifyLevel::Mentions, Some(&before), &change(2, 1), &latest("bob"), "me"));
        assert!(!should_notify(NotifyLevel::None, Some(&before), &change(2, 1), &latest("bob"), "me"));
        assert!(!should_notify(NotifyLevel::All, Some(&before), &change(2, 1), &latest("me"), "me"), "never one's own");
    }

    #[test]
    fn titles_carry_the_unread_count() {
        assert_eq!(titled(3, "Parlor"), "(3) Parlor");
        assert_eq!(titled(0, "#general · Parlor"), "#general · Parlor");
    }
}
