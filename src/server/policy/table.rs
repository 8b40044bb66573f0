//! The rule as a table: one row per (role × place × standing), one column per
//! action, every cell written out by hand. The test fails on a missing or
//! repeated row as well as on a cell `decide` answers differently.
//!
//! Cells: `+` allowed, `H` hidden (answered as "no such room"), `N` not
//! allowed, `Y` not yours, `D` deactivated. Columns, in [`Action::ALL`] order:
//! read, post, react, edit own, edit other's, delete own, delete other's,
//! manage, add member, remove member, join, leave, follow a thread, be pushed
//! its messages (Web Push), manage incoming webhooks, be delivered its events
//! (outgoing webhooks), send a bot's command.

use std::collections::HashSet;

use strum::IntoEnumIterator;

use super::{Action, Denied, Place, Role, RoomFacts, Standing, decide};

use Place::{Direct, Free, FreeReserved, Private, Public};
use Role::{Admin, Bot, Deactivated, Hook, User};
use Standing::{Member, Outsider, Owner};

#[rustfmt::skip]
const TABLE: &[(Role, Place, Standing, &str)] = &[
    (User,        Free,         Outsider, "++++Y+YNNNNN+++N+"),
    (User,        Free,         Member,   "++++Y+YNNNNN+++N+"),
    (User,        Free,         Owner,    "++++Y+YNNNNN+++N+"),
    (User,        FreeReserved, Outsider, "HHHHHHHHHHHHHHHHH"),
    (User,        FreeReserved, Member,   "HHHHHHHHHHHHHHHHH"),
    (User,        FreeReserved, Owner,    "HHHHHHHHHHHHHHHHH"),
    (User,        Public,       Outsider, "++++Y+YNNNNN+++N+"),
    (User,        Public,       Member,   "++++Y+YNNNNN+++N+"),
    (User,        Public,       Owner,    "++++Y+YNNNNN+++N+"),
    (User,        Private,      Outsider, "HHHHHHHHHH+HHHHHH"),
    (User,        Private,      Member,   "++++Y+YNNN++++NN+"),
    (User,        Private,      Owner,    "++++Y++++++++++N+"),
    (User,        Direct,       Outsider, "HHHHHHHHHHHHHHHHH"),
    (User,        Direct,       Member,   "++++Y+YNNNNN++NN+"),
    (User,        Direct,       Owner,    "++++Y+YNNNNN++NN+"),

    (Admin,       Free,         Outsider, "++++Y+++NNNN+++N+"),
    (Admin,       Free,         Member,   "++++Y+++NNNN+++N+"),
    (Admin,       Free,         Owner,    "++++Y+++NNNN+++N+"),
    (Admin,       FreeReserved, Outsider, "HHHHHHHHHHHHHHHHH"),
    (Admin,       FreeReserved, Member,   "HHHHHHHHHHHHHHHHH"),
    (Admin,       FreeReserved, Owner,    "HHHHHHHHHHHHHHHHH"),
    (Admin,       Public,       Outsider, "++++Y+++NNNN+++N+"),
    (Admin,       Public,       Member,   "++++Y+++NNNN+++N+"),
    (Admin,       Public,       Owner,    "++++Y+++NNNN+++N+"),
    (Admin,       Private,      Outsider, "HHHHH++HHH+HHHHHH"),
    (Admin,       Private,      Member,   "++++Y++++++++++N+"),
    (Admin,       Private,      Owner,    "++++Y++++++++++N+"),
    (Admin,       Direct,       Outsider, "HHHHH++HHHHHHHHHH"),
    (Admin,       Direct,       Member,   "++++Y+++NNNN++NN+"),
    (Admin,       Direct,       Owner,    "++++Y+++NNNN++NN+"),

    (Bot,         Free,         Outsider, "++++Y+YNNNNN+++++"),
    (Bot,         Free,         Member,   "++++Y+YNNNNN+++++"),
    (Bot,         Free,         Owner,    "++++Y+YNNNNN+++++"),
    (Bot,         FreeReserved, Outsider, "HHHHHHHHHHHHHHHHH"),
    (Bot,         FreeReserved, Member,   "HHHHHHHHHHHHHHHHH"),
    (Bot,         FreeReserved, Owner,    "HHHHHHHHHHHHHHHHH"),
    (Bot,         Public,       Outsider, "++++Y+YNNNNN+++++"),
    (Bot,         Public,       Member,   "++++Y+YNNNNN+++++"),
    (Bot,         Public,       Owner,    "++++Y+YNNNNN+++++"),
    (Bot,         Private,      Outsider, "HHHHHHHHHH+HHHHHH"),
    (Bot,         Private,      Member,   "++++Y+YNNN++++N++"),
    (Bot,         Private,      Owner,    "++++Y++++++++++++"),
    (Bot,         Direct,       Outsider, "HHHHHHHHHHHHHHHHH"),
    (Bot,         Direct,       Member,   "++++Y+YNNNNN++N++"),
    (Bot,         Direct,       Owner,    "++++Y+YNNNNN++N++"),

    (Hook,        Free,         Outsider, "N+NNNNNNNNNNNNNNN"),
    (Hook,        Free,         Member,   "N+NNNNNNNNNNNNNNN"),
    (Hook,        Free,         Owner,    "N+NNNNNNNNNNNNNNN"),
    (Hook,        FreeReserved, Outsider, "HHHHHHHHHHHHHHHHH"),
    (Hook,        FreeReserved, Member,   "HHHHHHHHHHHHHHHHH"),
    (Hook,        FreeReserved, Owner,    "HHHHHHHHHHHHHHHHH"),
    (Hook,        Public,       Outsider, "N+NNNNNNNNNNNNNNN"),
    (Hook,        Public,       Member,   "N+NNNNNNNNNNNNNNN"),
    (Hook,        Public,       Owner,    "N+NNNNNNNNNNNNNNN"),
    (Hook,        Private,      Outsider, "HHHHHHHHHHHHHHHHH"),
    (Hook,        Private,      Member,   "N+NNNNNNNNNNNNNNN"),
    (Hook,        Private,      Owner,    "N+NNNNNNNNNNNNNNN"),
    (Hook,        Direct,       Outsider, "HHHHHHHHHHHHHHHHH"),
    (Hook,        Direct,       Member,   "N+NNNNNNNNNNNNNNN"),
    (Hook,        Direct,       Owner,    "N+NNNNNNNNNNNNNNN"),

    (Deactivated, Free,         Outsider, "DDDDDDDDDDDDDDDDD"),
    (Deactivated, Free,         Member,   "DDDDDDDDDDDDDDDDD"),
    (Deactivated, Free,         Owner,    "DDDDDDDDDDDDDDDDD"),
    (Deactivated, FreeReserved, Outsider, "DDDDDDDDDDDDDDDDD"),
    (Deactivated, FreeReserved, Member,   "DDDDDDDDDDDDDDDDD"),
    (Deactivated, FreeReserved, Owner,    "DDDDDDDDDDDDDDDDD"),
    (Deactivated, Public,       Outsider, "DDDDDDDDDDDDDDDDD"),
    (Deactivated, Public,       Member,   "DDDDDDDDDDDDDDDDD"),
    (Deactivated, Public,       Owner,    "DDDDDDDDDDDDDDDDD"),
    (Deactivated, Private,      Outsider, "DDDDDDDDDDDDDDDDD"),
    (Deactivated, Private,      Member,   "DDDDDDDDDDDDDDDDD"),
    (Deactivated, Private,      Owner,    "DDDDDDDDDDDDDDDDD"),
    (Deactivated, Direct,       Outsider, "DDDDDDDDDDDDDDDDD"),
    (Deactivated, Direct,       Member,   "DDDDDDDDDDDDDDDDD"),
    (Deactivated, Direct,       Owner,    "DDDDDDDDDDDDDDDDD"),
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
