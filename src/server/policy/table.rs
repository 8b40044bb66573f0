//! The rule as a table: one row per (role × place × standing), one column per
//! action, every cell written out by hand. The test fails on a missing or
//! repeated row as well as on a cell `decide` answers differently.
//!
//! Cells: `+` allowed, `H` hidden (answered as "no such room"), `N` not
//! allowed, `Y` not yours, `D` deactivated. Columns, in [`Action::ALL`] order:
//! read, post, react, edit own, edit other's, delete own, delete other's,
//! manage, add member, remove member, join, leave, follow a thread, be pushed
//! its messages (Web Push).

use std::collections::HashSet;

use strum::IntoEnumIterator;

use super::{Action, Denied, Place, Role, RoomFacts, Standing, decide};

use Place::{Direct, Free, FreeReserved, Private, Public};
use Role::{Admin, Deactivated, User};
use Standing::{Member, Outsider, Owner};

#[rustfmt::skip]
const TABLE: &[(Role, Place, Standing, &str)] = &[
    (User, Free,         Outsider, "++++Y+YNNNNN++"),
    (User, Free,         Member,   "++++Y+YNNNNN++"),
    (User, Free,         Owner,    "++++Y+YNNNNN++"),
    (User, FreeReserved, Outsider, "HHHHHHHHHHHHHH"),
    (User, FreeReserved, Member,   "HHHHHHHHHHHHHH"),
    (User, FreeReserved, Owner,    "HHHHHHHHHHHHHH"),
    (User, Public,       Outsider, "++++Y+YNNNNN++"),
    (User, Public,       Member,   "++++Y+YNNNNN++"),
    (User, Public,       Owner,    "++++Y+YNNNNN++"),
    (User, Private,      Outsider, "HHHHHHHHHH+HHH"),
    (User, Private,      Member,   "++++Y+YNNN++++"),
    (User, Private,      Owner,    "++++Y+++++++++"),
    (User, Direct,       Outsider, "HHHHHHHHHHHHHH"),
    (User, Direct,       Member,   "++++Y+YNNNNN++"),
    (User, Direct,       Owner,    "++++Y+YNNNNN++"),

    (Admin, Free,         Outsider, "++++Y+++NNNN++"),
    (Admin, Free,         Member,   "++++Y+++NNNN++"),
    (Admin, Free,         Owner,    "++++Y+++NNNN++"),
    (Admin, FreeReserved, Outsider, "HHHHHHHHHHHHHH"),
    (Admin, FreeReserved, Member,   "HHHHHHHHHHHHHH"),
    (Admin, FreeReserved, Owner,    "HHHHHHHHHHHHHH"),
    (Admin, Public,       Outsider, "++++Y+++NNNN++"),
    (Admin, Public,       Member,   "++++Y+++NNNN++"),
    (Admin, Public,       Owner,    "++++Y+++NNNN++"),
    (Admin, Private,      Outsider, "HHHHH++HHH+HHH"),
    (Admin, Private,      Member,   "++++Y+++++++++"),
    (Admin, Private,      Owner,    "++++Y+++++++++"),
    (Admin, Direct,       Outsider, "HHHHH++HHHHHHH"),
    (Admin, Direct,       Member,   "++++Y+++NNNN++"),
    (Admin, Direct,       Owner,    "++++Y+++NNNN++"),

    (Deactivated, Free,         Outsider, "DDDDDDDDDDDDDD"),
    (Deactivated, Free,         Member,   "DDDDDDDDDDDDDD"),
    (Deactivated, Free,         Owner,    "DDDDDDDDDDDDDD"),
    (Deactivated, FreeReserved, Outsider, "DDDDDDDDDDDDDD"),
    (Deactivated, FreeReserved, Member,   "DDDDDDDDDDDDDD"),
    (Deactivated, FreeReserved, Owner,    "DDDDDDDDDDDDDD"),
    (Deactivated, Public,       Outsider, "DDDDDDDDDDDDDD"),
    (Deactivated, Public,       Member,   "DDDDDDDDDDDDDD"),
    (Deactivated, Public,       Owner,    "DDDDDDDDDDDDDD"),
    (Deactivated, Private,      Outsider, "DDDDDDDDDDDDDD"),
    (Deactivated, Private,      Member,   "DDDDDDDDDDDDDD"),
    (Deactivated, Private,      Owner,    "DDDDDDDDDDDDDD"),
    (Deactivated, Direct,       Outsider, "DDDDDDDDDDDDDD"),
    (Deactivated, Direct,       Member,   "DDDDDDDDDDDDDD"),
    (Deactivated, Direct,       Owner,    "DDDDDDDDDDDDDD"),
];

fn cell(outcome: Result<(), Denied>) -> char {
    match outcome {
        Ok(()) => '+',
        Err(Denied::Hidden) => 'H',
        Err(Denied::NotAllowed) => 'N',
        Err(Denied::NotYours) => 'Y',
        Err(Denied::Deactivated) => 'D',
    }
}

#[test]
fn the_table_has_one_row_for_every_role_place_and_standing() {
    let rows: Vec<(Role, Place, Standing)> = TABLE.iter().map(|&(role, place, standing, _)| (role, place, standing)).collect();
    let distinct: HashSet<_> = rows.iter().copied().collect();
    assert_eq!(distinct.len(), rows.len(), "a row is repeated");
    for role in Role::iter() {
        for place in Place::iter() {
            for standing in Standing::iter() {
                assert!(distinct.contains(&(role, place, standing)), "no row for {role:?} {place:?} {standing:?}");
            }
        }
    }
    for &(role, place, standing, cells) in TABLE {
        assert_eq!(cells.chars().count(), Action::ALL.len(), "{role:?} {place:?} {standing:?}: one cell per action");
    }
}

#[test]
fn decide_answers_every_cell_as_the_table_says() {
    let mut wrong = Vec::new();
    for &(role, place, standing, cells) in TABLE {
        for (action, expected) in Action::ALL.iter().zip(cells.chars()) {
            let got = cell(decide(role, RoomFacts { place, standing }, *action));
            if got != expected {
                wrong.push(format!("{role:?} {place:?} {standing:?} {action:?}: table says {expected}, decide says {got}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{} cells differ:\n{}", wrong.len(), wrong.join("\n"));
}

#[test]
fn facts_are_read_the_same_way_everywhere() {
    assert_eq!(Role::of(false, false), User);
    assert_eq!(Role::of(true, false), Admin);
    assert_eq!(Role::of(true, true), Deactivated, "deactivation wins over the admin flag");
    assert_eq!(Place::free("lobby"), Free);
    assert_eq!(Place::free("_a1b2"), FreeReserved);
    assert_eq!(Standing::of(7, false, Some(7)), Outsider, "an owner who left is an outsider");
    assert_eq!(Standing::of(7, true, Some(7)), Owner);
    assert_eq!(Standing::of(7, true, Some(8)), Member);
    assert_eq!(Standing::of(7, true, None), Member);
}
