//! The rule as a table: one row per (role × place × standing), one column per
//! action, every cell written out by hand. The test fails on a missing or
//! repeated row as well as on a cell `decide` answers differently.
//!
//! Cells: `+` allowed, `H` hidden (answered as "no such room"), `N` not
//! allowed, `Y` not yours, `D` deactivated. Columns, in [`Action::ALL`] order:
//! read, post, react, edit own, edit other's, delete own, delete other's,
//! manage, add member, remove member, join, leave, follow a thread, be pushed
//! its messages (Web Push), manage incoming webhooks, be delivered its events
//! (outgoing webhooks), send a bot's command, set the room's topic.

use std::collections::HashSet;

use strum::IntoEnumIterator;

use super::{Action, Denied, Place, Role, RoomFacts, Standing, decide};

use Place::{Direct, Free, FreeReserved, Private, Public};
use Role::{Admin, Bot, Deactivated, Hook, User};
use Standing::{Member, Outsider, Owner};

#[rustfmt::skip]
const TABLE: &[(Role, Place, Standing, &str)] = &[
    (User,        Free,         Outsider, "++++Y+YNNNNN+++N+N"),
    (User,        Free,         Member,   "++++Y+YNNNNN+++N+N"),
    (User,        Free,         Owner,    "++++Y+YNNNNN+++N+N"),
    (User,        FreeReserved, Outsider, "HHHHHHHHHHHHHHHHHH"),
    (User,        FreeReserved, Member,   "HHHHHHHHHHHHHHHHHH"),
    (User,        FreeReserved, Owner,    "HHHHHHHHHHHHHHHHHH"),
    (User,        Public,       Outsider, "++++Y+YNNNNN+++N+N"),
    (User,        Public,       Member,   "++++Y+YNNNNN+++N+N"),
    (User,        Public,       Owner,    "++++Y+YNNNNN+++N+N"),
    (User,        Private,      Outsider, "HHHHHHHHHH+HHHHHHH"),
    (User,        Private,      Member,   "++++Y+YNNN++++NN+N"),
    (User,        Private,      Owner,    "++++Y++++++++++N++"),
    (User,        Direct,       Outsider, "HHHHHHHHHHHHHHHHHH"),
    (User,        Direct,       Member,   "++++Y+YNNNNN++NN+N"),
    (User,        Direct,       Owner,    "++++Y+YNNNNN++NN+N"),

    (Admin,       Free,         Outsider, "++++Y+++NNNN+++N++"),
    (Admin,       Free,         Member,   "++++Y+++NNNN+++N++"),
    (Admin,       Free,         Owner,    "++++Y+++NNNN+++N++"),
    (Admin,       FreeReserved, Outsider, "HHHHHHHHHHHHHHHHHH"),
    (Admin,       FreeReserved, Member,   "HHHHHHHHHHHHHHHHHH"),
    (Admin,       FreeReserved, Owner,    "HHHHHHHHHHHHHHHHHH"),
    (Admin,       Public,       Outsider, "++++Y+++NNNN+++N++"),
    (Admin,       Public,       Member,   "++++Y+++NNNN+++N++"),
    (Admin,       Public,       Owner,    "++++Y+++NNNN+++N++"),
    (Admin,       Private,      Outsider, "HHHHH++HHH+HHHHHHH"),
    (Admin,       Private,      Member,   "++++Y++++++++++N++"),
    (Admin,       Private,      Owner,    "++++Y++++++++++N++"),
    (Admin,       Direct,       Outsider, "HHHHH++HHHHHHHHHHH"),
    (Admin,       Direct,       Member,   "++++Y+++NNNN++NN+N"),
    (Admin,       Direct,       Owner,    "++++Y+++NNNN++NN+N"),

    (Bot,         Free,         Outsider, "++++Y+YNNNNN+++++N"),
    (Bot,         Free,         Member,   "++++Y+YNNNNN+++++N"),
    (Bot,         Free,         Owner,    "++++Y+YNNNNN+++++N"),
    (Bot,         FreeReserved, Outsider, "HHHHHHHHHHHHHHHHHH"),
    (Bot,         FreeReserved, Member,   "HHHHHHHHHHHHHHHHHH"),
    (Bot,         FreeReserved, Owner,    "HHHHHHHHHHHHHHHHHH"),
    (Bot,         Public,       Outsider, "++++Y+YNNNNN+++++N"),
    (Bot,         Public,       Member,   "++++Y+YNNNNN+++++N"),
    (Bot,         Public,       Owner,    "++++Y+YNNNNN+++++N"),
    (Bot,         Private,      Outsider, "HHHHHHHHHH+HHHHHHH"),
    (Bot,         Private,      Member,   "++++Y+YNNN++++N++N"),
    (Bot,         Private,      Owner,    "++++Y+++++++++++++"),
    (Bot,         Direct,       Outsider, "HHHHHHHHHHHHHHHHHH"),
    (Bot,         Direct,       Member,   "++++Y+YNNNNN++N++N"),
    (Bot,         Direct,       Owner,    "++++Y+YNNNNN++N++N"),

    (Hook,        Free,         Outsider, "N+NNNNNNNNNNNNNNNN"),
    (Hook,        Free,         Member,   "N+NNNNNNNNNNNNNNNN"),
    (Hook,        Free,         Owner,    "N+NNNNNNNNNNNNNNNN"),
    (Hook,        FreeReserved, Outsider, "HHHHHHHHHHHHHHHHHH"),
    (Hook,        FreeReserved, Member,   "HHHHHHHHHHHHHHHHHH"),
    (Hook,        FreeReserved, Owner,    "HHHHHHHHHHHHHHHHHH"),
    (Hook,        Public,       Outsider, "N+NNNNNNNNNNNNNNNN"),
    (Hook,        Public,       Member,   "N+NNNNNNNNNNNNNNNN"),
    (Hook,        Public,       Owner,    "N+NNNNNNNNNNNNNNNN"),
    (Hook,        Private,      Outsider, "HHHHHHHHHHHHHHHHHH"),
    (Hook,        Private,      Member,   "N+NNNNNNNNNNNNNNNN"),
    (Hook,        Private,      Owner,    "N+NNNNNNNNNNNNNNNN"),
    (Hook,        Direct,       Outsider, "HHHHHHHHHHHHHHHHHH"),
    (Hook,        Direct,       Member,   "N+NNNNNNNNNNNNNNNN"),
    (Hook,        Direct,       Owner,    "N+NNNNNNNNNNNNNNNN"),

    (Deactivated, Free,         Outsider, "DDDDDDDDDDDDDDDDDD"),
    (Deactivated, Free,         Member,   "DDDDDDDDDDDDDDDDDD"),
    (Deactivated, Free,         Owner,    "DDDDDDDDDDDDDDDDDD"),
    (Deactivated, FreeReserved, Outsider, "DDDDDDDDDDDDDDDDDD"),
    (Deactivated, FreeReserved, Member,   "DDDDDDDDDDDDDDDDDD"),
    (Deactivated, FreeReserved, Owner,    "DDDDDDDDDDDDDDDDDD"),
    (Deactivated, Public,       Outsider, "DDDDDDDDDDDDDDDDDD"),
    (Deactivated, Public,       Member,   "DDDDDDDDDDDDDDDDDD"),
    (Deactivated, Public,       Owner,    "DDDDDDDDDDDDDDDDDD"),
    (Deactivated, Private,      Outsider, "DDDDDDDDDDDDDDDDDD"),
    (Deactivated, Private,      Member,   "DDDDDDDDDDDDDDDDDD"),
    (Deactivated, Private,      Owner,    "DDDDDDDDDDDDDDDDDD"),
    (Deactivated, Direct,       Outsider, "DDDDDDDDDDDDDDDDDD"),
    (Deactivated, Direct,       Member,   "DDDDDDDDDDDDDDDDDD"),
    (Deactivated, Direct,       Owner,    "DDDDDDDDDDDDDDDDDD"),
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
    use crate::protocol::AccountKind::{Bot as BotAccount, Hook as HookAccount, Person};
    assert_eq!(Role::of(false, false, Person), User);
    assert_eq!(Role::of(true, false, Person), Admin);
    assert_eq!(Role::of(true, true, Person), Deactivated, "deactivation wins over the admin flag");
    assert_eq!(Role::of(false, false, BotAccount), Bot);
    assert_eq!(Role::of(true, false, BotAccount), Bot, "a bot is never an administrator");
    assert_eq!(Role::of(false, true, BotAccount), Deactivated);
    assert_eq!(Role::of(false, false, HookAccount), Hook);
    assert_eq!(Role::of(false, true, HookAccount), Deactivated, "a revoked webhook may do nothing");
    assert_eq!(Place::free("lobby"), Free);
    assert_eq!(Place::free("_a1b2"), FreeReserved);
    assert_eq!(Standing::of(7, false, Some(7)), Outsider, "an owner who left is an outsider");
    assert_eq!(Standing::of(7, true, Some(7)), Owner);
    assert_eq!(Standing::of(7, true, Some(8)), Member);
    assert_eq!(Standing::of(7, true, None), Member);
}
