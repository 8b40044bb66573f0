//! Who is typing: each typist until a moment after their last `typing`
//! frame, and the line that says so.

use crate::i18n::{t, t_args};

/// How long a "typing" lasts without a new frame from the same person.
pub const TYPING_SHOWN_MS: f64 = 5_000.0;

/// Someone composing a message, until `until_ms` (browser clock).
#[derive(Clone, Debug, PartialEq)]
pub struct Typist {
    pub user: String,
    pub until_ms: f64,
}

/// "alice is typing…", "alice and bob are typing…", "several people are typing…"
/// (in the reader's language).
pub fn typing_line(users: &[String]) -> Option<String> {
    match users {
        [] => None,
        [one] => Some(t_args("typing-one", &[("name", one.into())])),
        [one, two] => Some(t_args("typing-two", &[("first", one.into()), ("second", two.into())])),
        _ => Some(t("typing-many")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_is_worded_by_how_many_type() {
        let names = |n: &[&str]| n.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(typing_line(&[]), None);
        assert_eq!(typing_line(&names(&["alice"])).unwrap(), "alice is typing…");
        assert_eq!(typing_line(&names(&["alice", "bob"])).unwrap(), "alice and bob are typing…");
        assert_eq!(typing_line(&names(&["a", "b", "c"])).unwrap(), "several people are typing…");
    }
}
