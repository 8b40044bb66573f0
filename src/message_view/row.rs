//! One message's row as every reader sees it: avatar, sender and time
//! (with "(edited)"; the time links to the message), the message it answers (a quote that jumps to it), its
//! formatted text (HTML the server made: see [`ChatMessage::html`]) or a
//! "deleted" placeholder, its file, its link preview and its reaction chips.
//!
//! A row holds nothing of its reader, so the server renders it once per change
//! and every page view reuses it; what differs per reader is a class on the
//! row ([`ReaderClasses`]) and the state of the reaction chips, set by the
//! page (server) and the list (browser). The browser builds rows with this same
//! component from live frames; the actions on a row (see `message_tools`) are
//! one toolbar that moves to the row under the pointer or the focus.

use leptos::{prelude::*, tachys::html::InertElement};

use crate::{
    i18n::{t, t_args},
    local_time::LocalizedTime,
    message_view::{attachment::AttachmentView, avatar::Avatar, link_preview::LinkPreviewCard},
    paths,
    protocol::{ChatMessage, ReplyRef, ThreadSummary},
};

#[component]
pub fn MessageRow(message: ChatMessage, room: String) -> impl IntoView {
    let seq = message.seq;
    let deleted = message.deleted;
    let text = (!deleted).then(|| match message.html.clone() {
        Some(html) => InertElement::new(html).into_any(),
        // Not formatted yet (never from the server): the plain text, escaped.
        None => view! { <div class="text" dir="auto"><p>{message.text.clone()}</p></div> }.into_any(),
    });
    view! {
        <article
            class="message"
            class:deleted=deleted
            id=format!("m{seq}")
            data-seq=seq
            data-sender=message.sender.clone()
            tabindex="0"
        >
            <Avatar username=message.sender.clone() display_name=message.sender_name.clone() />
            <header class="message-meta">
                <span class="sender">{message.sender_name.clone().unwrap_or_else(|| message.sender.clone())}</span>
                {message.sender_name.is_some().then(|| view! { <span class="username">"@"{message.sender.clone()}</span> })}
                {message.bot.then(|| view! { <span class="bot-badge" title=t("bot-badge-title")>{t("bot-badge")}</span> })}
                // The time is the message's permalink (also with JavaScript off).
                <a class="permalink" href=paths::message(&room, seq)>
                    <LocalizedTime at=message.timestamp.clone() clock=true />
                </a>
                {message.edited_at.clone().map(|at| view! { <span class="edited" title=at>{t("row-edited")}</span> })}
            </header>
            {message.reply_to.clone().map(|parent| view! { <ReplyQuote parent room=room.clone() /> })}
            {match text {
                Some(text) => text,
                None => view! { <p class="text placeholder">{t("row-deleted")}</p> }.into_any(),
            }}
            {message.attachment.clone().filter(|_| !deleted).map(|attachment| view! { <AttachmentView attachment /> })}
            {message.thread.filter(|_| message.also_in_room).map(|root| view! {
                <a class="in-thread" href=paths::thread(&room, root) data-thread=root>"↳ "{t("row-in-thread")}</a>
            })}
            {message.preview.clone().filter(|_| !deleted).map(|preview| view! { <LinkPreviewCard preview /> })}
            {(!deleted && !message.reactions.is_empty()).then(|| view! {
                <div class="reactions" aria-label=t("row-reactions")>
                    {message.reactions.iter().map(|(emoji, users)| view! {
                        <button
                            type="button"
                            class="reaction"
                            aria-pressed="false"
                            data-emoji=emoji.clone()
                            data-users=users.join(" ")
                            title=users.join(", ")
                        >
                            {emoji.clone()}" "{users.len()}
                        </button>
                    }).collect_view()}
                </div>
            })}
            {message.replies.clone().map(|replies| view! { <ThreadLink replies root=seq room=room.clone() /> })}
        </article>
    }
}

/// A root's thread under it: how many replies, who, and when the last came;
/// a link that opens the thread beside the room (a plain link with JavaScript off).
#[component]
fn ThreadLink(replies: ThreadSummary, root: i64, room: String) -> impl IntoView {
    let count = t_args("row-replies", &[("count", replies.count.into())]);
    view! {
        <a class="thread-summary" href=paths::thread(&room, root) data-thread=root>
            <span class="thread-count">{count}</span>
            <span class="thread-participants">{replies.participants.join(", ")}</span>
            <span class="thread-last">{t("row-thread-last")}" "<LocalizedTime at=replies.last_at clock=true /></span>
        </a>
    }
}

/// The message a reply answers: a link to it (the list scrolls to it when it
/// is shown).
#[component]
fn ReplyQuote(parent: ReplyRef, room: String) -> impl IntoView {
    view! {
        <a class="reply-quote" href=paths::message(&room, parent.seq) data-target=parent.seq>
            "↪ "<strong>{parent.sender}</strong>" "
            {if parent.deleted { t("row-deleted-quote") } else { parent.text }}
        </a>
    }
}

/// The quote a reply to `message` shows.
pub fn quote_of(message: &ChatMessage) -> ReplyRef {
    ReplyRef {
        seq: message.seq,
        sender: message.sender.clone(),
        text: message.text.chars().take(crate::protocol::REPLY_QUOTE_CHARS).collect(),
        deleted: message.deleted,
    }
}
