//! The read rule of [`decide`](super::decide) as an SQL condition, for
//! queries that must return only what a user may read (full-text search):
//! generated from `decide` itself, so the two cannot disagree. The integration
//! tests run it against a real database for every room kind and standing.

use strum::IntoEnumIterator;

use super::{Action, Place, Role, RoomFacts, Standing, decide};
use crate::protocol::RoomKind;

/// An SQL condition, true for the rows of rooms (`room` is the alias of the
/// `room` table) that the user whose id is bound to the one `?` may read.
/// Assumes an active account (a deactivated one is refused before querying).
pub fn readable_rooms(room: &str) -> String {
    let readable_by = |standing: Standing| -> Vec<&'static str> {
        RoomKind::iter()
            .filter(|kind| decide(Role::User, RoomFacts { place: Place::of(*kind), standing }, Action::Read).is_ok())
            .map(RoomKind::as_str)
            .collect()
    };
    let open = readable_by(Standing::Outsider);
    let members: Vec<&str> = readable_by(Standing::Member).into_iter().filter(|kind| !open.contains(kind)).collect();
    // An owner is a member: their membership row is what the query finds.
    debug_assert_eq!(readable_by(Standing::Owner), readable_by(Standing::Member));
    let kinds = |kinds: &[&str]| kinds.iter().map(|kind| format!("'{kind}'")).collect::<Vec<_>>().join(", ");
    let mut terms = Vec::new();
    if !open.is_empty() {
        terms.push(format!("{room}.kind IN ({})", kinds(&open)));
    }
    if !members.is_empty() {
        terms.push(format!(
            "({room}.kind IN ({}) AND EXISTS (SELECT 1 FROM membership ms WHERE ms.room_id = {room}.id AND ms.user_id = ?))",
            kinds(&members)
        ));
    }
    format!("({})", terms.join(" OR "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_rooms_are_open_and_the_others_need_a_membership() {
        assert_eq!(
            readable_rooms("r"),
            "(r.kind IN ('public') OR (r.kind IN ('private', 'direct') AND EXISTS \
             (SELECT 1 FROM membership ms WHERE ms.room_id = r.id AND ms.user_id = ?)))"
        );
    }
}
