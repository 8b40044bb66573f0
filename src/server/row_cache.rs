//! Message rows as HTML, rendered once: a message's formatted text (what
//! `message` and `edit` frames and the room page's history reads carry, so that
//! browsers never parse Markdown) and its whole row for the room page, kept in a
//! [`RowCache`] and reused by every page view until the message changes. A page
//! view only splices: the rows in order, its reader's classes on each, the day
//! dividers and the "New messages" divider ([`page_rows`]).

use std::sync::Arc;

use leptos::prelude::*;
use quick_cache::sync::Cache;

use crate::{
    i18n::{Locale, Texts},
    message_view::{
        MessageRow, Reader, ReaderClasses, day_divider_html, empty_html, placements, text::render_html, unread_divider_html,
    },
    protocol::ChatMessage,
};

/// Rows kept (the least used go first): about a page each for a thousand rooms.
const ROWS: usize = 60_000;

/// A message's `text` (mentioning `mentions`) as HTML.
pub fn render_text(text: &str, mentions: &[String]) -> String {
    without_markers(render_html(text, mentions))
}

/// `html` without Leptos' hydration markers (`<!>`): a row is never hydrated,
/// and a message's own text is escaped, so no `<` of it is left to match.
fn without_markers(html: String) -> String {
    if html.contains("<!>") { html.replace("<!>", "") } else { html }
}

/// `message`'s text as HTML, or `None` for a deleted message.
pub fn text_html(message: &ChatMessage) -> Option<String> {
    (!message.deleted).then(|| render_text(&message.text, &message.mentions))
}

/// `message` with its text formatted ([`ChatMessage::html`]).
pub fn formatted(mut message: ChatMessage) -> ChatMessage {
    message.html = text_html(&message);
    message
}

/// One message's row as every reader sees it.
pub struct RenderedRow {
    /// The message it was rendered from (a cached row is reused while it is equal).
    message: ChatMessage,
    html: String,
    /// Where the row's `class` attribute ends: a reader's classes go there.
    class_end: usize,
}

impl RenderedRow {
    /// Renders `message` of `room` with `texts` (the row's words are in its readers' language).
    pub fn render(room: &str, message: &ChatMessage, texts: &Texts) -> Self {
        let shown = formatted(message.clone());
        let html = without_markers(in_language(texts, || view! { <MessageRow message=shown room=room.to_owned() /> }.to_html()));
        let class_end = html.find("class=\"message").and_then(|at| html[at + 7..].find('"').map(|end| at + 7 + end)).unwrap_or(0);
        Self { message: message.clone(), html, class_end }
    }

    /// Appends the row to `page` with `classes` added to its own.
    fn push_to(&self, page: &mut String, classes: ReaderClasses) {
        page.push_str(&self.html[..self.class_end]);
        page.push_str(&classes.for_class_attribute());
        page.push_str(&self.html[self.class_end..]);
    }
}

/// Rendered rows by room, `seq` and language.
pub struct RowCache {
    rows: Cache<(String, i64, Locale), Arc<RenderedRow>>,
}

impl Default for RowCache {
    fn default() -> Self {
        Self { rows: Cache::new(ROWS) }
    }
}

impl RowCache {
    /// The row of `message` in `room` in the language of `texts`: the cached
    /// one while the message is unchanged, else rendered now (and kept).
    pub fn row(&self, room: &str, message: &ChatMessage, texts: &Texts) -> Arc<RenderedRow> {
        let key = (room.to_owned(), message.seq, texts.locale);
        if let Some(row) = self.rows.get(&key).filter(|row| row.message == *message) {
            return row;
        }
        let row = Arc::new(RenderedRow::render(room, message, texts));
        self.rows.insert(key, row.clone());
        row
    }
}

/// `make`'s result with `texts` as the reader's messages (rows are made
/// outside the page's own rendering, for every reader of a language).
fn in_language<T>(texts: &Texts, make: impl FnOnce() -> T) -> T {
    Owner::new().with(|| {
        provide_context(texts.clone());
        make()
    })
}

/// The room page's rows (inside `<div id="messages">`): each message's cached
/// row with `reader`'s classes, a divider where a day starts (UTC: the browser
/// shows them in its zone) and before the first unread message, in the
/// language of `texts`.
pub fn page_rows(cache: &RowCache, room: &str, messages: &[ChatMessage], reader: &Reader, texts: &Texts) -> String {
    let mut page = String::with_capacity(messages.len() * 1024);
    if messages.is_empty() {
        page.push_str(&in_language(texts, empty_html));
    }
    for (message, placement) in messages.iter().zip(placements(messages, reader, false)) {
        if let Some(label) = &placement.day {
            page.push_str(&day_divider_html(label));
        }
        if placement.unread {
            page.push_str(&in_language(texts, unread_divider_html));
        }
        cache.row(room, message, texts).push_to(&mut page, placement.classes);
    }
    page
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(seq: i64, sender: &str, text: &str, at: &str) -> ChatMessage {
        ChatMessage { seq, sender: sender.into(), text: text.into(), timestamp: at.into(), ..Default::default() }
    }

    #[test]
    fn a_page_splices_cached_rows_with_the_readers_classes_and_dividers() {
        let cache = RowCache::default();
        let mut messages = vec![
            message(1, "alice", "hi **bob**", "2026-11-23T09:00:00Z"),
            message(2, "alice", "again", "2026-11-23T09:01:00Z"),
            message(3, "bob", "next day", "2026-11-24T08:00:00Z"),
        ];
        messages[1].mentions = vec!["bob".into()];
        let reader = Reader { me: "bob".into(), moderates: false, first_unread: Some(2), highlighted: None };
        let english = crate::i18n::catalog::Catalog::global().texts(Locale::En);
        let page = page_rows(&cache, "lobby", &messages, &reader, &english);
        assert_eq!(page.matches("class=\"day-divider\"").count(), 2, "{page}");
        assert!(page.contains("<strong>bob</strong>"), "the text is formatted: {page}");
        let unread = page.find("id=\"newMessages\"").expect("an unread divider");
        assert!(unread < page.find("id=\"m2\"").unwrap() && unread > page.find("id=\"m1\"").unwrap());
        assert!(page.contains("class=\"message mentions-me continued\""), "{page}");
        assert!(page.contains("class=\"message mine may-remove\""), "{page}");

        assert!(page.contains(">New messages<"), "{page}");

        let first = cache.row("lobby", &messages[0], &english);
        assert!(Arc::ptr_eq(&first, &cache.row("lobby", &messages[0], &english)), "an unchanged message reuses its row");
        let spanish = crate::i18n::catalog::Catalog::global().texts(Locale::Es);
        let in_spanish = cache.row("lobby", &messages[0], &spanish);
        assert!(!Arc::ptr_eq(&first, &in_spanish), "each language has its own row");
        messages[0].text = "edited".into();
        assert!(!Arc::ptr_eq(&first, &cache.row("lobby", &messages[0], &english)), "a changed message is rendered again");
        let deleted = ChatMessage { deleted: true, ..messages[2].clone() };
        assert!(page_rows(&cache, "lobby", &[deleted], &reader, &spanish).contains("Este mensaje se borró."));
    }

    #[test]
    fn a_room_without_messages_says_so_in_its_readers_language() {
        let catalog = crate::i18n::catalog::Catalog::global();
        let english = page_rows(&RowCache::default(), "lobby", &[], &Reader::default(), &catalog.texts(Locale::En));
        assert_eq!(english, r#"<p class="empty">No messages yet. Say hello!</p>"#);
        let spanish = page_rows(&RowCache::default(), "lobby", &[], &Reader::default(), &catalog.texts(Locale::Es));
        assert_eq!(spanish, r#"<p class="empty">Todavía no hay mensajes. ¡Saluda!</p>"#);
    }
}
