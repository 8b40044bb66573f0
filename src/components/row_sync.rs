//! The message rows in the browser's DOM (the list's other half: `message_list`). The server rendered the page's rows;
//! [`sync`] keeps `#rows` equal to the room's state: a new message adds one row
//! (built with the same `MessageRow` component, from its frame's HTML text), a
//! change rebuilds only its row, a reset drops the rows it no longer shows. It
//! then applies what is the reader's own (the row classes of `ReaderClasses`,
//! their reactions, the dividers in their zone) and puts the editor of the
//! message being edited in its row. [`clicked`] and [`pointed`] serve every row
//! at once: reactions, preview removal, reply quotes, and the toolbar that
//! moves to the row under the pointer or the focus.

use std::{cell::RefCell, collections::HashSet};

use leptos::{
    ev,
    prelude::*,
    tachys::view::Mountable,
    web_sys::{Element, Event, HtmlDivElement},
};
use wasm_bindgen::JsCast;

use crate::{
    chat::RoomState,
    components::message_tools::{EditInPlace, MessageActions, ToolsAt},
    local_time,
    message_view::{MessageRow, Reader, day_divider_html, empty_html, placements, unread_divider_html},
    protocol::ChatMessage,
};

/// The open editor: its message, the element it sits in, and what owns it.
struct Editor {
    seq: i64,
    slot: Element,
    owner: Owner,
    view: Box<dyn Mountable>,
}

thread_local! {
    static EDITOR: RefCell<Option<Editor>> = const { RefCell::new(None) };
}

fn row(seq: i64) -> Option<Element> {
    document().get_element_by_id(&format!("m{seq}"))
}

/// Brings the rows under `list` to the room's messages; `shown` is what they
/// were built from, and becomes what they are built from now.
pub fn sync(
    list: &HtmlDivElement,
    state: RoomState,
    room: &str,
    shown: &mut Vec<ChatMessage>,
    tools: ToolsAt,
    actions: MessageActions,
    local: bool,
) {
    let Some(rows) = list.query_selector("#rows").ok().flatten() else { return };
    let messages = state.messages.get_untracked();
    let now: HashSet<i64> = messages.iter().map(|m| m.seq).collect();
    for gone in shown.iter().filter(|m| !now.contains(&m.seq)) {
        if let Some(el) = row(gone.seq) {
            park(tools, &el);
            el.remove();
        }
    }
    let mut previous: Option<Element> = None;
    for message in &messages {
        let unchanged = shown.iter().find(|m| m.seq == message.seq).is_some_and(|old| old == message);
        let el = match row(message.seq) {
            Some(el) if unchanged => el,
            Some(el) => {
                let new = build(room, message, Some(&el), local);
                park(tools, &el);
                keep_editor(&el, &new);
                let _ = el.replace_with_with_node_1(&new);
                new
            }
            None => {
                let new = build(room, message, None, local);
                let _ = match &previous {
                    Some(before) => before.after_with_node_1(&new),
                    None => rows.prepend_with_node_1(&new),
                };
                new
            }
        };
        previous = Some(el);
    }
    shown.clone_from(&messages);
    decorate(&rows, state, &messages, local);
    place_editor(state, actions, &messages);
}

/// The row of `message`, its text taken from the message's HTML or, for a row
/// the server rendered, from the row it replaces.
fn build(room: &str, message: &ChatMessage, old: Option<&Element>, local: bool) -> Element {
    let mut message = message.clone();
    if message.html.is_none() && !message.deleted {
        message.html = old.and_then(|el| el.query_selector(":scope > .text").ok().flatten()).map(|text| text.outer_html());
    }
    let holder = document().create_element("div").expect("a div");
    let owner = Owner::new_root(None);
    owner.with(|| {
        let room = room.to_owned();
        let mut view = view! { <MessageRow message room /> }.into_view().build();
        view.mount(&holder, None);
    });
    let el = holder.first_element_child().expect("a row");
    if local {
        local_time::localize(&el);
    }
    el
}

/// Moves the open editor from `old` (a row being rebuilt) into `new`, with
/// what was typed in it.
fn keep_editor(old: &Element, new: &Element) {
    EDITOR.with_borrow(|editor| {
        let Some(open) = editor.as_ref().filter(|open| old.contains(Some(&open.slot))) else { return };
        if let Some(text) = new.query_selector(":scope > .text").ok().flatten() {
            let _ = text.after_with_node_1(&open.slot);
            let _ = new.class_list().add_1("editing");
        }
    });
}

/// Sends the toolbar back out of sight if it is in `el` (a row about to go).
fn park(tools: ToolsAt, el: &Element) {
    let Some(toolbar) = tools.element.get_untracked() else { return };
    if el.contains(Some(&toolbar)) {
        if let Some(home) = document().query_selector(".tools-home").ok().flatten() {
            let _ = home.append_child(&toolbar);
        }
        tools.picking.set(false);
        tools.seq.set(None);
    }
}

/// The reader's view of the rows: dividers where days start (in their zone)
/// and above the first unread message, the reader's classes on each row and
/// their own reactions marked; "No messages yet" when there are none.
fn decorate(rows: &Element, state: RoomState, messages: &[ChatMessage], local: bool) {
    if let Ok(dividers) = rows.query_selector_all(":scope > .day-divider, :scope > .unread-divider, :scope > .empty") {
        for index in 0..dividers.length() {
            if let Some(node) = dividers.item(index).and_then(|node| node.dyn_into::<Element>().ok()) {
                node.remove();
            }
        }
    }
    if messages.is_empty() && state.outbox.with_untracked(Vec::is_empty) {
        let _ = rows.insert_adjacent_html("beforeend", &empty_html());
    }
    let reader = Reader {
        me: state.me.get_value(),
        moderates: state.moderates.get_value(),
        first_unread: state.first_unread.get_untracked(),
        highlighted: state.highlighted.get_untracked(),
    };
    for (message, placement) in messages.iter().zip(placements(messages, &reader, local)) {
        let Some(el) = row(message.seq) else { continue };
        if let Some(label) = &placement.day {
            let _ = el.insert_adjacent_html("beforebegin", &day_divider_html(label));
        }
        if placement.unread {
            let _ = el.insert_adjacent_html("beforebegin", &unread_divider_html());
        }
        let list = el.class_list();
        for (class, on) in placement.classes.toggles() {
            let _ = list.toggle_with_force(class, on);
        }
        mark_own_reactions(&el, &reader.me);
    }
}

fn mark_own_reactions(el: &Element, me: &str) {
    let Ok(chips) = el.query_selector_all(".reaction") else { return };
    for index in 0..chips.length() {
        let Some(chip) = chips.item(index).and_then(|node| node.dyn_into::<Element>().ok()) else { continue };
        let reacted = chip.get_attribute("data-users").is_some_and(|users| users.split(' ').any(|user| user == me));
        let _ = chip.class_list().toggle_with_force("mine", reacted);
        let _ = chip.set_attribute("aria-pressed", if reacted { "true" } else { "false" });
    }
}

/// Puts the editor in the row of the message being edited (again, when that
/// row was rebuilt), and takes it away when editing ends.
fn place_editor(state: RoomState, actions: MessageActions, messages: &[ChatMessage]) {
    let wanted = state.editing.get_untracked().and_then(|seq| messages.iter().find(|m| m.seq == seq && !m.deleted));
    EDITOR.with_borrow_mut(|editor| {
        if let (Some(open), Some(message)) = (editor.as_ref(), wanted)
            && open.seq == message.seq
            && open.slot.is_connected()
        {
            return;
        }
        if let Some(mut open) = editor.take() {
            open.view.unmount();
            open.owner.cleanup();
            open.slot.remove();
            if let Some(el) = row(open.seq) {
                let _ = el.class_list().remove_1("editing");
            }
        }
        let Some(message) = wanted else { return };
        let Some(el) = row(message.seq) else { return };
        let Some(text) = el.query_selector(":scope > .text").ok().flatten() else { return };
        let Ok(slot) = document().create_element("div") else { return };
        slot.set_class_name("edit-slot");
        let _ = text.after_with_node_1(&slot);
        let _ = el.class_list().add_1("editing");
        let owner = Owner::new_root(None);
        let (seq, source) = (message.seq, message.text.clone());
        let view = owner.with(|| {
            let mut view = view! { <EditInPlace seq text=source state actions /> }.into_view().build();
            view.mount(&slot, None);
            view
        });
        *editor = Some(Editor { seq, slot, owner, view: Box::new(view) });
    });
}

/// The element an event happened on.
fn target_of(ev: &Event) -> Option<Element> {
    ev.target()?.dyn_into::<Element>().ok()
}

fn closest(el: &Element, selector: &str) -> Option<Element> {
    el.closest(selector).ok().flatten()
}

fn seq_of(el: &Element, attribute: &str) -> Option<i64> {
    el.get_attribute(attribute)?.parse().ok()
}

/// A click in the list: on a reaction (toggle it), a preview's remove button,
/// or a reply's quote (scroll to the message it answers, when shown).
pub fn clicked(ev: &ev::MouseEvent, state: RoomState, actions: MessageActions) {
    let Some(target) = target_of(ev) else { return };
    let Some(message) = closest(&target, "#rows .message[data-seq]") else { return };
    let Some(seq) = seq_of(&message, "data-seq") else { return };
    if let Some(chip) = closest(&target, "button.reaction") {
        if let Some(emoji) = chip.get_attribute("data-emoji") {
            actions.react.run((seq, emoji));
        }
    } else if let Some(link) = closest(&target, "a[data-thread]")
        && let Some(root) = seq_of(&link, "data-thread")
    {
        ev.prevent_default();
        actions.open_thread.run(root);
    } else if closest(&target, ".link-preview-remove").is_some() {
        actions.remove_preview.run(seq);
    } else if let Some(quote) = closest(&target, "a.reply-quote")
        && let Some(answered) = seq_of(&quote, "data-target")
        && let Some(shown) = row(answered)
    {
        ev.prevent_default();
        shown.scroll_into_view();
        state.highlighted.set(Some(answered));
    }
}

/// A click in the open thread: on a reaction chip (toggle it).
pub fn clicked_in_thread(ev: &ev::MouseEvent, actions: MessageActions) {
    let Some(target) = target_of(ev) else { return };
    let Some(message) = closest(&target, ".message[data-seq]") else { return };
    if let (Some(seq), Some(chip)) = (seq_of(&message, "data-seq"), closest(&target, "button.reaction"))
        && let Some(emoji) = chip.get_attribute("data-emoji")
    {
        actions.react.run((seq, emoji));
    }
}

/// The pointer or the focus reached a row: the toolbar moves into it (not
/// into a deleted one; and the pointer leaves it where an open picker is).
pub fn pointed(ev: &Event, tools: ToolsAt) {
    let Some(target) = target_of(ev) else { return };
    let Some(message) = closest(&target, "#rows .message[data-seq]") else { return };
    let Some(seq) = seq_of(&message, "data-seq") else { return };
    if tools.seq.get_untracked() == Some(seq) || message.class_list().contains("deleted") {
        return;
    }
    if ev.type_() == "mouseover" && tools.picking.get_untracked() {
        return;
    }
    let Some(toolbar) = tools.element.get_untracked() else { return };
    if message.append_child(&toolbar).is_ok() {
        tools.picking.set(false);
        tools.seq.set(Some(seq));
    }
}
