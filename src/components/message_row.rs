//! One message of the list: sender and time (with "(edited)"), the message it
//! answers (a quote that jumps to it), its formatted text or a "deleted"
//! placeholder, its file, its link preview, its reaction chips (who reacted, click to toggle), and its
//! actions, shown on hover or focus: reply, react (common emoji or any short
//! text), copy link, and for one's own messages edit (in place: Enter saves, Esc
//! cancels) and delete.

use leptos::{ev, prelude::*};

use crate::{
    chat::RoomState,
    components::{attachment_view::AttachmentView, avatar::Avatar, link_preview::LinkPreviewCard, message_text::MessageText},
    local_time, paths,
    protocol::{ChatMessage, MAX_REACTION_CHARS, REPLY_QUOTE_CHARS, ReplyRef},
};

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
}

#[component]
pub fn MessageRow(
    message: ChatMessage,
    state: RoomState,
    room: String,
    actions: MessageActions,
    /// It continues the group of the message above (same sender, soon after):
    /// its name and avatar are not shown again.
    #[prop(optional)]
    continued: bool,
) -> impl IntoView {
    let me = state.me.get_value();
    let seq = message.seq;
    let mine = message.sender == me;
    let mentions_me = message.mentions.contains(&me);
    let deleted = message.deleted;
    let picking = RwSignal::new(false);
    let permalink = paths::message(&room, seq);
    let quote =
        ReplyRef { seq, sender: message.sender.clone(), text: message.text.chars().take(REPLY_QUOTE_CHARS).collect(), deleted };
    let editing = move || state.editing.get() == Some(seq);
    let text_for_edit = message.text.clone();
    let reactions: Vec<(String, Vec<String>)> = message.reactions.clone().into_iter().collect();
    let has_reactions = !reactions.is_empty() && !deleted;
    view! {
        <article
            class="message"
            class:mentions-me=mentions_me
            class:deleted=deleted
            class:continued=continued
            class:highlighted=move || state.highlighted.get() == Some(seq)
            id=format!("m{seq}")
            data-seq=seq
            tabindex="0"
        >
            <Avatar username=message.sender.clone() display_name=message.sender_name.clone() />
            <header class="message-meta">
                <span class="sender">{message.sender_name.clone().unwrap_or_else(|| message.sender.clone())}</span>
                {message.sender_name.is_some().then(|| view! { <span class="username">"@"{message.sender.clone()}</span> })}
                <time
                    datetime=message.timestamp.clone()
                    title={
                        let at = message.timestamp.clone();
                        move || local_time::full(&at, local_time::showing_local())
                    }
                >
                    {
                        let at = message.timestamp.clone();
                        move || local_time::clock(&at, local_time::showing_local())
                    }
                </time>
                {message.edited_at.clone().map(|at| view! { <span class="edited" title=at>"(edited)"</span> })}
            </header>
            {message.reply_to.clone().map(|parent| view! { <ReplyQuote parent room=room.clone() state /> })}
            {if deleted {
                view! { <p class="text placeholder">"This message was deleted."</p> }.into_any()
            } else {
                view! {
                    <Show when=editing fallback={
                        let (text, mentions) = (message.text.clone(), message.mentions.clone());
                        move || view! { <MessageText text=text.clone() mentions=mentions.clone() /> }
                    }>
                        <EditInPlace seq text=text_for_edit.clone() state actions />
                    </Show>
                }
                .into_any()
            }}
            {message.attachment.clone().filter(|_| !deleted).map(|attachment| view! { <AttachmentView attachment /> })}
            {message.preview.clone().filter(|_| !deleted).map(|preview| {
                let remove = (mine || state.moderates.get_value()).then(|| Callback::new(move |()| actions.remove_preview.run(seq)));
                view! { <LinkPreviewCard preview remove /> }
            })}
            {has_reactions.then(|| view! {
                <div class="reactions" aria-label="Reactions">
                    {reactions.into_iter().map(|(emoji, users)| {
                        let reacted = users.iter().any(|u| *u == state.me.get_value());
                        let chosen = emoji.clone();
                        view! {
                            <button
                                type="button"
                                class="reaction"
                                class:mine=reacted
                                aria-pressed=reacted.to_string()
                                title=users.join(", ")
                                on:click=move |_| actions.react.run((seq, chosen.clone()))
                            >
                                {emoji}" "{users.len()}
                            </button>
                        }
                    }).collect_view()}
                </div>
            })}
            <Show when=move || !deleted>
                <div class="actions" role="toolbar" aria-label="Message actions">
                    <button type="button" class="reply-btn" on:click={
                        let quote = quote.clone();
                        move |_| state.replying.set(Some(quote.clone()))
                    }>"Reply"</button>
                    <button type="button" class="react-btn" aria-expanded=move || picking.get().to_string() on:click=move |_| picking.update(|p| *p = !*p)>
                        "React"
                    </button>
                    <a class="permalink" href=permalink.clone()>"Link"</a>
                    <Show when=move || mine>
                        <button type="button" class="edit-btn" on:click=move |_| state.editing.set(Some(seq))>"Edit"</button>
                    </Show>
                    // A moderator (the room's owner, an administrator) may delete any message.
                    <Show when=move || mine || state.moderates.get_value()>
                        <button type="button" class="delete-btn" on:click=move |_| actions.delete.run(seq)>"Delete"</button>
                    </Show>
                </div>
                <Show when=move || picking.get()>
                    <ReactionPicker seq actions picking />
                </Show>
            </Show>
        </article>
    }
}

/// The message a reply answers; a link to it (to its place, when shown here).
#[component]
fn ReplyQuote(parent: ReplyRef, room: String, state: RoomState) -> impl IntoView {
    let seq = parent.seq;
    let on_click = move |ev: ev::MouseEvent| {
        if let Some(target) = document().get_element_by_id(&format!("m{seq}")) {
            ev.prevent_default();
            target.scroll_into_view();
            state.highlighted.set(Some(seq));
        }
    };
    view! {
        <a class="reply-quote" href=paths::message(&room, seq) on:click=on_click>
            "↪ "<strong>{parent.sender}</strong>" "
            {if parent.deleted { "deleted message".to_owned() } else { parent.text }}
        </a>
    }
}

/// Editing one's own message where it stands: a box of as many lines as the
/// text, Enter saves, Shift+Enter starts a new line, Esc cancels.
#[component]
fn EditInPlace(seq: i64, text: String, state: RoomState, actions: MessageActions) -> impl IntoView {
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
            aria-label="Edit message (Enter saves, Shift+Enter starts a new line, Esc cancels)"
            node_ref=input
            prop:value=move || draft.get()
            on:input=move |ev| draft.set(event_target_value(&ev))
            on:keydown=on_keydown
        ></textarea>
    }
}

/// Common reactions, and any short text.
#[component]
fn ReactionPicker(seq: i64, actions: MessageActions, picking: RwSignal<bool>) -> impl IntoView {
    let own = RwSignal::new(String::new());
    let choose = move |emoji: String| {
        actions.react.run((seq, emoji));
        picking.set(false);
    };
    view! {
        <div class="reaction-picker" role="group" aria-label="Add a reaction">
            {QUICK_REACTIONS.iter().map(|emoji| {
                let emoji = (*emoji).to_owned();
                let label = format!("React with {emoji}");
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
                    aria-label="Your own reaction"
                    maxlength=MAX_REACTION_CHARS.to_string()
                    placeholder="+1"
                    prop:value=move || own.get()
                    on:input=move |ev| own.set(event_target_value(&ev))
                />
            </form>
        </div>
    }
}
