//! Validation of the names people type: room names and usernames, and the
//! password rule. Shared so the browser can explain a bad name before the server
//! has to refuse it. Every rule's wording is built from its constants here.

use const_format::formatcp;

/// Longest room name, in characters.
pub const MAX_ROOM_CHARS: usize = 64;
/// Longest username, in characters.
pub const MAX_USERNAME_CHARS: usize = 32;
/// Shortest password accepted at registration.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// The room-name rule, as people read it.
pub const ROOM_RULE: &str = formatcp!("room names are 1-{MAX_ROOM_CHARS} characters of a-z, 0-9, '-' and '_'");
/// The username rule, as people read it.
pub const USERNAME_RULE: &str = formatcp!("usernames are 1-{MAX_USERNAME_CHARS} characters of a-z, 0-9, '_' and '-'");
/// The password rule, as people read it.
pub const PASSWORD_RULE: &str = formatcp!("passwords need at least {MIN_PASSWORD_CHARS} characters");
/// Longest display name, in characters.
pub const MAX_DISPLAY_NAME_CHARS: usize = 64;
/// The display-name rule, as people read it.
pub const DISPLAY_NAME_RULE: &str = formatcp!(
    "display names are at most {MAX_DISPLAY_NAME_CHARS} characters, without control, direction-override or invisible characters"
);

/// Whether `text` has a character that makes it read other than it is: a
/// control character, a bidirectional override, embedding, isolate or mark
/// (which can reverse what follows), or an invisible one (zero-width space,
/// joiners, word joiner, byte-order mark).
pub fn has_deceptive_characters(text: &str) -> bool {
    text.chars().any(|c| {
        c.is_control()
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
            || matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{180E}' | '\u{00AD}')
    })
}

/// A display name as stored: trimmed, `None` when empty (no display name), or
/// the rule it breaks.
pub fn display_name(input: &str) -> Result<Option<String>, &'static str> {
    let name = input.trim();
    if name.chars().count() > MAX_DISPLAY_NAME_CHARS || has_deceptive_characters(name) {
        return Err(DISPLAY_NAME_RULE);
    }
    Ok((!name.is_empty()).then(|| name.to_owned()))
}

/// Returns the canonical room name for `input`: itself when valid, lowercased
/// and trimmed when that makes it valid, otherwise the rule it breaks.
pub fn canonical_room(input: &str) -> Result<String, &'static str> {
    canonical_name(input, MAX_ROOM_CHARS).ok_or(ROOM_RULE)
}

/// Returns the canonical username for `input`, by the same rule as rooms but at
/// most [`MAX_USERNAME_CHARS`] characters.
pub fn canonical_username(input: &str) -> Result<String, &'static str> {
    canonical_name(input, MAX_USERNAME_CHARS).ok_or(USERNAME_RULE)
}

fn canonical_name(input: &str, max_chars: usize) -> Option<String> {
    let name = input.trim().to_lowercase();
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_';
    (!name.is_empty() && name.len() <= max_chars && name.chars().all(allowed)).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_are_trimmed_bounded_and_optional() {
        assert_eq!(display_name("  Alice Liddell "), Ok(Some("Alice Liddell".to_owned())));
        assert_eq!(display_name("   "), Ok(None));
        assert_eq!(display_name(&"x".repeat(65)), Err(DISPLAY_NAME_RULE));
        assert_eq!(display_name("a\u{7}b"), Err(DISPLAY_NAME_RULE));
    }

    #[test]
    fn names_that_read_other_than_they_are_are_refused() {
        for deceptive in
            ["admin\u{202E}nimda", "bo\u{200B}b", "\u{2066}ceo\u{2069}", "al\u{200D}ice", "\u{FEFF}root", "x\u{200F}"]
        {
            assert!(has_deceptive_characters(deceptive), "{deceptive:?}");
            assert_eq!(display_name(deceptive), Err(DISPLAY_NAME_RULE), "{deceptive:?}");
        }
        for plain in ["Zoë Martín", "李雷", "Ада Лавлейс", "O'Brien-Smith"] {
            assert!(!has_deceptive_characters(plain), "{plain:?}");
        }
    }

    #[test]
    fn room_names_are_lowercased_when_that_makes_them_valid() {
        assert_eq!(canonical_room("General").as_deref(), Ok("general"));
        assert_eq!(canonical_room("dev_ops-2").as_deref(), Ok("dev_ops-2"));
    }

    #[test]
    fn bad_room_names_are_refused_with_the_rule() {
        for bad in ["", "   ", "../etc", "a b", "é", "x".repeat(65).as_str(), "<script>"] {
            assert_eq!(canonical_room(bad), Err(ROOM_RULE), "{bad:?} should be refused");
        }
        assert!(canonical_room(&"x".repeat(64)).is_ok());
        assert!(ROOM_RULE.contains("1-64"), "{ROOM_RULE}");
    }

    #[test]
    fn usernames_are_at_most_32_characters() {
        assert!(canonical_username(&"u".repeat(32)).is_ok());
        assert_eq!(canonical_username(&"u".repeat(33)), Err(USERNAME_RULE));
        assert_eq!(canonical_username("Alice").as_deref(), Ok("alice"));
    }
}
