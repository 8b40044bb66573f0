//! `@username` mentions: which names a text mentions (the server resolves them
//! against existing accounts; a client never says who is mentioned), and how a
//! text splits around its resolved mentions for highlighting. Shared by both
//! sides, so the page rendered on the server and in the browser agree.

use crate::names::MAX_USERNAME_CHARS;

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// Each `@name` of `text` as (byte offset of the `@`, the name as typed): an
/// `@` at the start or after a character that cannot be part of a name or an
/// address (so `mail@example.org` mentions nobody), then 1-32 name characters.
fn scan(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.char_indices().filter_map(move |(at, c)| {
        if c != '@' {
            return None;
        }
        let preceded_by_word = text[..at].chars().next_back().is_some_and(|p| is_name_char(p) || p == '@' || p == '.');
        if preceded_by_word {
            return None;
        }
        let rest = &text[at + 1..];
        let len = rest.find(|c: char| !is_name_char(c)).unwrap_or(rest.len());
        (len > 0 && len <= MAX_USERNAME_CHARS).then(|| (at, &rest[..len]))
    })
}

/// The usernames `text` mentions, lowercased, each once, in order of appearance.
pub fn candidates(text: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for (_, name) in scan(text) {
        let name = name.to_ascii_lowercase();
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// A piece of a text: plain, or a mention of one of `mentions`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece<'a> {
    Text(&'a str),
    /// The mention as typed, `@` included.
    Mention(&'a str),
}

/// Splits `text` around the mentions of the (resolved) usernames `mentions`;
/// an `@name` of anybody else stays plain text.
pub fn pieces<'a>(text: &'a str, mentions: &[String]) -> Vec<Piece<'a>> {
    let mut out = Vec::new();
    let mut plain_from = 0;
    for (at, name) in scan(text) {
        if !mentions.iter().any(|m| m.eq_ignore_ascii_case(name)) {
            continue;
        }
        if at > plain_from {
            out.push(Piece::Text(&text[plain_from..at]));
        }
        let end = at + 1 + name.len();
        out.push(Piece::Mention(&text[at..end]));
        plain_from = end;
    }
    if plain_from < text.len() {
        out.push(Piece::Text(&text[plain_from..]));
    }
    out
}

/// The `@name` being typed at the end of `before_caret` (the text up to the
/// caret): the byte offset of its `@` and the part of the name typed so far.
pub fn being_typed(before_caret: &str) -> Option<(usize, &str)> {
    let at = before_caret.rfind('@')?;
    let typed = &before_caret[at + 1..];
    let starts_word = before_caret[..at].chars().next_back().is_none_or(|p| !is_name_char(p) && p != '.' && p != '@');
    (starts_word && typed.len() <= MAX_USERNAME_CHARS && typed.chars().all(is_name_char)).then_some((at, typed))
}

/// The names among `members` that complete `typed` (case-insensitively), at most `max`.
pub fn completions<'a>(members: &'a [String], typed: &str, me: &str, max: usize) -> Vec<&'a String> {
    let typed = typed.to_ascii_lowercase();
    members.iter().filter(|m| m.starts_with(&typed) && m.as_str() != me).take(max).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_after_an_at_sign_are_candidates_once() {
        assert_eq!(candidates("hi @Bob and @carol-2, @bob again"), ["bob", "carol-2"]);
        assert_eq!(candidates("@alice: look"), ["alice"]);
        assert!(candidates("mail me at bob@example.org or @ alone").is_empty());
        assert!(candidates(&format!("@{}", "x".repeat(33))).is_empty(), "longer than a username");
    }

    #[test]
    fn the_mention_being_typed_is_found_at_the_caret() {
        assert_eq!(being_typed("hello @bo"), Some((6, "bo")));
        assert_eq!(being_typed("@"), Some((0, "")));
        assert_eq!(being_typed("mail bob@exa"), None, "an address, not a mention");
        assert_eq!(being_typed("@bob done"), None, "a finished word");
        let members = vec!["bob".to_owned(), "bobby".to_owned(), "carol".to_owned(), "me".to_owned()];
        assert_eq!(completions(&members, "BO", "me", 8), [&members[0], &members[1]]);
        assert_eq!(completions(&members, "", "me", 2), [&members[0], &members[1]]);
        assert!(completions(&members, "m", "me", 8).is_empty(), "never oneself");
    }

    #[test]
    fn only_resolved_mentions_are_pieces_of_their_own() {
        let mentions = vec!["bob".to_owned()];
        assert_eq!(
            pieces("hey @Bob, ask @nobody", &mentions),
            [Piece::Text("hey "), Piece::Mention("@Bob"), Piece::Text(", ask @nobody")]
        );
        assert_eq!(pieces("@bob", &mentions), [Piece::Mention("@bob")]);
        assert_eq!(pieces("plain", &[]), [Piece::Text("plain")]);
    }
}
