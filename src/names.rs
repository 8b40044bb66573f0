//! Validation of the names people type: room names and usernames. Shared so the
//! browser can explain a bad name before the server has to refuse it.

/// Longest room name, in characters.
pub const MAX_ROOM_CHARS: usize = 64;
/// Longest username, in characters.
pub const MAX_USERNAME_CHARS: usize = 32;
/// Shortest password accepted at registration.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// Returns the canonical room name for `input`: itself when valid, lowercased
/// and trimmed when that makes it valid, otherwise an explanation.
pub fn canonical_room(input: &str) -> Result<String, &'static str> {
    canonical_name(input, MAX_ROOM_CHARS)
        .map_err(|_| "room names are 1-64 characters of a-z, 0-9, '-' and '_'")
}

/// Returns the canonical username for `input`, by the same rule as rooms but at
/// most 32 characters.
pub fn canonical_username(input: &str) -> Result<String, &'static str> {
    canonical_name(input, MAX_USERNAME_CHARS)
        .map_err(|_| "usernames are 1-32 characters of a-z, 0-9, '_' and '-'")
}

fn canonical_name(input: &str, max_chars: usize) -> Result<String, ()> {
    let name = input.trim().to_lowercase();
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_';
    if name.is_empty() || name.len() > max_chars || !name.chars().all(allowed) {
        return Err(());
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_names_are_lowercased_when_that_makes_them_valid() {
        assert_eq!(canonical_room("General").as_deref(), Ok("general"));
        assert_eq!(canonical_room("dev_ops-2").as_deref(), Ok("dev_ops-2"));
    }

    #[test]
    fn bad_room_names_are_refused() {
        for bad in ["", "   ", "../etc", "a b", "é", "x".repeat(65).as_str(), "<script>"] {
            assert!(canonical_room(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(canonical_room(&"x".repeat(64)).is_ok());
    }

    #[test]
    fn usernames_are_at_most_32_characters() {
        assert!(canonical_username(&"u".repeat(32)).is_ok());
        assert!(canonical_username(&"u".repeat(33)).is_err());
        assert_eq!(canonical_username("Alice").as_deref(), Ok("alice"));
    }
}
