//! Search as people type it and see it: the query language (words, `prefix*`,
//! `"quoted phrases"`, `from:user`, `in:room`), parsed into terms the database
//! engines are asked for (SQLite FTS5, PostgreSQL `tsquery`), and the result a
//! page shows — a snippet of the message with the matched words marked.
//! Shared by the server (which runs queries) and the browser (which renders
//! results); nothing here touches a database.

use serde::{Deserialize, Serialize};

/// Most terms one query may have (the cost of a query grows with them).
pub const MAX_TERMS: usize = 8;
/// Fewest letters of a prefix (`de*` matches a lot; `d*` would match everything).
pub const MIN_PREFIX_CHARS: usize = 2;
/// Longest query, in characters.
pub const MAX_QUERY_CHARS: usize = 256;
/// Results per page, by default and at most.
pub const PAGE: u64 = 20;
pub const MAX_PAGE: u64 = 50;
/// Characters of text a snippet shows around the first match.
const SNIPPET_CHARS: usize = 160;

/// One thing the text must contain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Term {
    Word(String),
    /// Words starting with these letters.
    Prefix(String),
    /// These words, in this order, next to each other.
    Phrase(Vec<String>),
}

/// A parsed query.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query {
    /// All of them must match (none: every message, with the filters).
    pub terms: Vec<Term>,
    /// `from:alice`
    pub from: Option<String>,
    /// `in:room` (a room name as typed; the server canonicalises it).
    pub room: Option<String>,
}

/// Why a query cannot run.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("type something to search for")]
    Empty,
    #[error("the query is longer than {MAX_QUERY_CHARS} characters")]
    TooLong,
    #[error("a quote is not closed")]
    UnclosedQuote,
    #[error("a prefix needs at least {MIN_PREFIX_CHARS} letters before the *")]
    ShortPrefix,
    #[error("at most {MAX_TERMS} words or phrases")]
    TooManyTerms,
    #[error("{0}: needs a name after the colon")]
    EmptyFilter(&'static str),
}

/// The words of `text` as the engines index them: runs of letters and digits,
/// lowercased.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

impl Query {
    /// Parses what a person typed.
    pub fn parse(input: &str) -> Result<Self, QueryError> {
        if input.chars().count() > MAX_QUERY_CHARS {
            return Err(QueryError::TooLong);
        }
        let mut query = Query::default();
        let mut rest = input.trim();
        while !rest.is_empty() {
            if let Some(quoted) = rest.strip_prefix('"') {
                let (phrase, after) = quoted.split_once('"').ok_or(QueryError::UnclosedQuote)?;
                let phrase = words(phrase);
                match phrase.len() {
                    0 => {}
                    1 => query.terms.extend(phrase.into_iter().map(Term::Word)),
                    _ => query.terms.push(Term::Phrase(phrase)),
                }
                rest = after.trim_start();
                continue;
            }
            let (token, after) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
            rest = after.trim_start();
            if let Some(name) = token.strip_prefix("from:") {
                query.from = Some(non_empty(name, "from")?.to_lowercase());
            } else if let Some(name) = token.strip_prefix("in:") {
                query.room = Some(non_empty(name.trim_start_matches('#'), "in")?.to_owned());
            } else if let Some(stem) = token.strip_suffix('*') {
                let stem = words(stem);
                match stem.split_last() {
                    Some((last, before)) if last.chars().count() >= MIN_PREFIX_CHARS => {
                        query.terms.extend(before.iter().cloned().map(Term::Word));
                        query.terms.push(Term::Prefix(last.clone()));
                    }
                    _ => return Err(QueryError::ShortPrefix),
                }
            } else {
                query.terms.extend(words(token).into_iter().map(Term::Word));
            }
        }
        if query.terms.len() > MAX_TERMS {
            return Err(QueryError::TooManyTerms);
        }
        if query.terms.is_empty() && query.from.is_none() {
            return Err(QueryError::Empty);
        }
        Ok(query)
    }

    /// The query as an FTS5 `MATCH` expression: every term quoted (so nothing
    /// typed is read as FTS5 syntax), all of them required.
    pub fn to_fts5(&self) -> Option<String> {
        let terms: Vec<String> = self
            .terms
            .iter()
            .map(|term| match term {
                Term::Word(word) => format!("\"{word}\""),
                Term::Prefix(stem) => format!("\"{stem}\"*"),
                Term::Phrase(words) => format!("\"{}\"", words.join(" ")),
            })
            .collect();
        (!terms.is_empty()).then(|| terms.join(" "))
    }

    /// The query as a PostgreSQL `tsquery` (for `to_tsquery('simple', ...)`):
    /// words are letters and digits only, so nothing typed is read as syntax.
    pub fn to_tsquery(&self) -> Option<String> {
        let terms: Vec<String> = self
            .terms
            .iter()
            .map(|term| match term {
                Term::Word(word) => word.clone(),
                Term::Prefix(stem) => format!("{stem}:*"),
                Term::Phrase(words) => format!("({})", words.join(" <-> ")),
            })
            .collect();
        (!terms.is_empty()).then(|| terms.join(" & "))
    }

    /// Whether `word` (lowercased) is one the query looks for (for marking).
    fn marks(&self, word: &str) -> bool {
        self.terms.iter().any(|term| match term {
            Term::Word(w) => w == word,
            Term::Prefix(stem) => word.starts_with(stem.as_str()),
            Term::Phrase(words) => words.iter().any(|w| w == word),
        })
    }
}

fn non_empty<'a>(name: &'a str, filter: &'static str) -> Result<&'a str, QueryError> {
    if name.is_empty() { Err(QueryError::EmptyFilter(filter)) } else { Ok(name) }
}

/// A piece of a snippet: text, marked when it is a matched word.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Piece {
    pub text: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub mark: bool,
}

/// Up to [`SNIPPET_CHARS`] characters of `text` around its first matched word,
/// with `…` where it was cut and every matched word marked.
pub fn snippet(text: &str, query: &Query) -> Vec<Piece> {
    let chars: Vec<char> = text.chars().collect();
    // Words with their character ranges.
    let mut spans = Vec::new();
    let mut start = None;
    for (i, c) in chars.iter().chain(std::iter::once(&' ')).enumerate() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                let word: String = chars[s..i].iter().collect::<String>().to_lowercase();
                spans.push((s, i, query.marks(&word)));
                start = None;
            }
            _ => {}
        }
    }
    let first = spans.iter().find(|(.., marked)| *marked).map_or(0, |(s, ..)| *s);
    // Start a little before it, at the start of a word.
    let mut from = first.saturating_sub(SNIPPET_CHARS / 4);
    if from > 0 {
        from = spans.iter().map(|(s, ..)| *s).find(|s| *s >= from).unwrap_or(from);
    }
    let to = (from + SNIPPET_CHARS).min(chars.len());
    let mut pieces = Vec::new();
    let mut push = |text: String, mark: bool| {
        if text.is_empty() {
            return;
        }
        match pieces.last_mut() {
            Some(Piece { text: last, mark: last_mark }) if *last_mark == mark => last.push_str(&text),
            _ => pieces.push(Piece { text, mark }),
        }
    };
    if from > 0 {
        push("…".to_owned(), false);
    }
    let mut at = from;
    for &(s, e, marked) in spans.iter().filter(|(s, e, _)| *s >= from && *e <= to) {
        push(chars[at..s].iter().collect(), false);
        push(chars[s..e].iter().collect(), marked);
        at = e;
    }
    push(chars[at..to].iter().collect(), false);
    if to < chars.len() {
        push("…".to_owned(), false);
    }
    pieces
}

/// One message found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hit {
    pub room: String,
    /// How people see the room named (`#name`, a private room's title, `@someone`).
    pub room_label: String,
    pub seq: i64,
    pub sender: String,
    /// RFC 3339, UTC.
    pub timestamp: String,
    pub snippet: Vec<Piece>,
    /// Where the next page starts (`before=`).
    pub cursor: i64,
    /// For a reply in a thread: its root's `seq` (its permalink opens the thread).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread: Option<i64>,
}

/// A page of results, newest first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Results {
    pub query: String,
    pub results: Vec<Hit>,
    /// `before=` for the next (older) page, when there may be one.
    pub next_before: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_prefixes_phrases_and_filters_are_parsed() {
        let query = Query::parse(r#"Deplo* "release notes" from:Alice in:#ops friday!"#).unwrap();
        assert_eq!(
            query.terms,
            vec![Term::Prefix("deplo".into()), Term::Phrase(vec!["release".into(), "notes".into()]), Term::Word("friday".into())]
        );
        assert_eq!((query.from.as_deref(), query.room.as_deref()), (Some("alice"), Some("ops")));
        assert_eq!(query.to_fts5().unwrap(), r#""deplo"* "release notes" "friday""#);
        assert_eq!(query.to_tsquery().unwrap(), "deplo:* & (release <-> notes) & friday");
    }

    #[test]
    fn engine_syntax_typed_by_people_stays_words() {
        let query = Query::parse(r#"OR NEAR(c) -d ^e col:x 'f'"#).unwrap();
        assert!(query.to_fts5().unwrap().split(' ').all(|t| t.starts_with('"')));
        assert!(query.to_tsquery().unwrap().chars().all(|c| c.is_alphanumeric() || " &".contains(c)));
    }

    #[test]
    fn bad_queries_say_what_is_wrong() {
        assert_eq!(Query::parse("   "), Err(QueryError::Empty));
        assert_eq!(Query::parse("!!! ???"), Err(QueryError::Empty));
        assert_eq!(Query::parse(r#""open quote"#), Err(QueryError::UnclosedQuote));
        assert_eq!(Query::parse("d*"), Err(QueryError::ShortPrefix));
        assert_eq!(Query::parse("*"), Err(QueryError::ShortPrefix));
        assert_eq!(Query::parse("a b c d e f g h i"), Err(QueryError::TooManyTerms));
        assert_eq!(Query::parse("from:"), Err(QueryError::EmptyFilter("from")));
        assert_eq!(Query::parse(&"x".repeat(300)), Err(QueryError::TooLong));
        assert!(Query::parse("from:bob").unwrap().terms.is_empty(), "a filter alone lists someone's messages");
    }

    #[test]
    fn snippets_mark_the_matched_words_and_cut_long_texts() {
        let query = Query::parse("deplo*").unwrap();
        let pieces = snippet("We deployed it; deploying again Friday.", &query);
        let marked: Vec<&str> = pieces.iter().filter(|p| p.mark).map(|p| p.text.as_str()).collect();
        assert_eq!(marked, ["deployed", "deploying"]);
        assert_eq!(pieces.iter().map(|p| p.text.as_str()).collect::<String>(), "We deployed it; deploying again Friday.");

        let long = format!("{} needle {}", "hay ".repeat(100), "straw ".repeat(100));
        let pieces = snippet(&long, &Query::parse("needle").unwrap());
        let text: String = pieces.iter().map(|p| p.text.as_str()).collect();
        assert!(text.starts_with('…') && text.ends_with('…') && text.chars().count() <= SNIPPET_CHARS + 2, "{text}");
        assert!(pieces.iter().any(|p| p.mark && p.text == "needle"));
    }
}
