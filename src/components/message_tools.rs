//! The actions on a message, one toolbar for the whole list that moves into
//! the row under the pointer or the focus ([`ToolsAt`]): reply, react (common
//! emoji or any short text), and for one's own messages edit (in
//! place: Enter saves, Esc cancels) and delete — which a moderator may do to
//! any message. Rows stay free of their reader's buttons, so every reader gets
//! the same cached row.

use leptos::{ev, html, prelude::*};

use crate::i18n::{t, t_args};
use crate::{chat::RoomState, message_view::quote_of, protocol::MAX_REACTION_CHARS};

/// The reactions offered with one click.
pub const QUICK_REACTIONS: [&str; 6] = ["👍", "❤️", "😂", "🎉", "👀", "✅"];

/// What the reader can do to a message; the room page sends them.
#[derive(Clone, Copy)]
pub struct MessageActions {
    /// Toggle a reaction: (target, emoji).
    pub react: Callback<(i64, String)>,
    /// Replace one's own text: (target, text).
    pub edit: Callback<(i64, String)>,
    pub delete: Callback<i64>,
    /// Remove the link preview under a message (one's own, or as a moderator).
    pub remove_preview: Callback<i64>,
    /// Open the thread of a root message beside the room.
    pub open_thread: Callback<i64>,
}

/// Where the toolbar is: the row it serves, and its own element.
#[derive(Clone, Copy)]
pub struct ToolsAt {
    /// The `seq` of the row it is in (`None`: parked, out of sight).
    pub seq: RwSignal<Option<i64>>,
    /// The reaction picker is open.
    pub picking: RwSignal<bool>,
    pub element: NodeRef<html::Div>,
}

impl ToolsAt {
    pub fn new() -> Self {
        Self { seq: RwSignal::new(None), picking: RwSignal::new(false), element: NodeRef::new() }
    }
}

impl Default for ToolsAt {
    fn default() -> Self {
        Self::new()
    }
}

#[component]
pub fn MessageTools(state: RoomState, actions: MessageActions, at: ToolsAt) -> impl IntoView {
    let me = state.me.get_value();
    let target = move || at.seq.get().and_then(|seq| state.messages.with(|m| m.iter().find(|m| m.seq == seq).cloned()));
    let mine = move || target().is_some_and(|m| m.sender == me);
    let may_delete = {
        let mine = mine.clone();
        move || mine() || (at.seq.get().is_some() && state.moderates.get_value())
    };
    let reply = move |_| {
        if let Some(message) = target() {
            state.replying.set(Some(quote_of(&message)));
        }
    };
    view! {
        <div class="message-tools" node_ref=at.element>
            <div class="actions" role="toolbar" aria-label=t("message-actions")>
                <button type="button" class="reply-btn" on:click=reply>{t("message-reply")}</button>
                <Show when=move || target().is_some_and(|m| m.thread.is_none())>
                    <button type="button" class="thread-btn" on:click=move |_| {
                        if let Some(seq) = at.seq.get_untracked() {
                            actions.open_thread.run(seq);
                        }
                    }>{t("message-thread")}</button>
                </Show>
                <button
                    type="button"
                    class="react-btn"
                    aria-expanded=move || at.picking.get().to_string()
                    on:click=move |_| at.picking.update(|p| *p = !*p)
                >
                    {t("message-react")}
                </button>
                <Show when=mine.clone()>
                    <button type="button" class="edit-btn" on:click=move |_| state.editing.set(at.seq.get_untracked())>{t("message-edit")}</button>
                </Show>
                <Show when=may_delete.clone()>
                    <button type="button" class="delete-btn" on:click=move |_| {
                        if let Some(seq) = at.seq.get_untracked() {
                            actions.delete.run(seq);
                        }
                    }>{t("message-delete")}</button>
                </Show>
            </div>
            <Show when=move || at.picking.get()>
                <ReactionPicker at actions />
            </Show>
        </div>
    }
}

/// Common reactions, and any short text.
#[component]
fn ReactionPicker(at: ToolsAt, actions: MessageActions) -> impl IntoView {
    let own = RwSignal::new(String::new());
    let choose = move |emoji: String| {
        if let Some(seq) = at.seq.get_untracked() {
            actions.react.run((seq, emoji));
        }
        at.picking.set(false);
    };
    view! {
        <div class="reaction-picker" role="group" aria-label=t("reaction-add")>
            {QUICK_REACTIONS.iter().map(|emoji| {
                let emoji = (*emoji).to_owned();
                let label = t_args("reaction-with", &[("emoji", emoji.as_str().into())]);
                view! { <button type="button" class="quick-reaction" aria-label=label on:click={
                    let emoji = emoji.clone();
                    move |_| choose(emoji.clone())
                }>{emoji.clone()}</button> }
            }).collect_view()}
            <form on:submit=move |ev: ev::SubmitEvent| {
                ev.prevent_default();
                let text = own.get_untracked().trim().to_owned();
                if !text.is_empty() {
                    choose(text);
                }
            }>
                <input
                    class="own-reaction"
                    aria-label=t("reaction-own")
                    maxlength=MAX_REACTION_CHARS.to_string()
                    placeholder="+1"
                    prop:value=move || own.get()
                    on:input=move |ev| own.set(event_target_value(&ev))
                />
            </form>
        </div>
    }
}

/// Editing one's own message where it stands: a box of as many lines as the
/// text, Enter saves, Shift+Enter starts a new line, Esc cancels. Put in its
/// row by the list while `state.editing` names it.
#[component]
pub fn EditInPlace(seq: i64, text: String, state: RoomState, actions: MessageActions) -> impl IntoView {
    let lines = text.lines().count().clamp(1, 12).to_string();
    let draft = RwSignal::new(text);
    let input = NodeRef::<leptos::html::Textarea>::new();
    Effect::new(move |_| {
        if let Some(input) = input.get() {
            let _ = input.focus();
        }
    });
    let on_keydown = move |ev: ev::KeyboardEvent| match ev.key().as_str() {
        _ if ev.is_composing() || ev.key_code() == 229 => {}
        "Enter" if !ev.shift_key() => {
            ev.prevent_default();
            let text = draft.get_untracked();
            if !text.trim().is_empty() {
                actions.edit.run((seq, text.trim().to_owned()));
            }
            state.editing.set(None);
        }
        "Escape" => {
            ev.prevent_default();
            state.editing.set(None);
        }
        _ => {}
    };
    view! {
        <textarea
            class="edit-input"
            rows=lines
            aria-label=t("message-edit-label")
            node_ref=input
            prop:value=move || draft.get()
            on:input=move |ev| draft.set(event_target_value(&ev))
            on:keydown=on_keydown
        ></textarea>
    }
}
