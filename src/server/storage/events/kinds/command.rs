//! A bot command typed in a room (`/name args`), as a room event: it takes
//! its place in the room's order so that the bot's subscriptions are
//! delivered it once, in order, like every other event. Its row names the
//! bot (`target` its id) and keeps the command as JSON (the text); it is not
//! a message, so it counts for nothing and browsers show nothing of it.

use serde::{Deserialize, Serialize};

use super::Fields;
use crate::{
    entity::message::EventKind,
    protocol::{ServerFrame, events::command, format_timestamp},
    server::{policy::Action, storage::events::event_rows::EventRow},
};

/// What sending a command needs of the policy.
pub const ACTION: Action = Action::Command;

/// What a command row's text holds.
#[derive(Serialize, Deserialize)]
struct Record {
    command: String,
    text: String,
    bot: String,
}

pub fn fields(body: &command::Body) -> Fields {
    let record = Record { command: body.name.clone(), text: body.args.clone(), bot: body.bot.clone() };
    let text = serde_json::to_string(&record).unwrap_or_default();
    Fields { kind: EventKind::Command, text, target: Some(body.bot_id), reply_to: None }
}

pub fn frame(row: EventRow, room: &str) -> ServerFrame {
    // Written by `fields` only: a row that does not read back is one nobody
    // may be sent a wrong command from, so it carries nothing.
    let Record { command, text, bot } =
        serde_json::from_str(&row.text).unwrap_or(Record { command: String::new(), text: String::new(), bot: String::new() });
    ServerFrame::Command(command::Frame {
        room: room.to_owned(),
        seq: row.seq,
        sender: row.sender_username(),
        command,
        text,
        bot,
        timestamp: format_timestamp(row.timestamp),
        client_id: row.client_id,
    })
}
