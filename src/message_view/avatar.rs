//! A generated avatar: the person's initials on a colour derived from their
//! username (the same person has the same colour everywhere). The colours are
//! classes in the stylesheet (`avatar-0` … `avatar-7`), each dark enough for
//! white initials to meet WCAG AA in both themes; a page's CSP allows no inline
//! styles.

use leptos::prelude::*;

/// How many avatar colours the stylesheet defines.
pub const AVATAR_COLOURS: u32 = 8;

/// Up to two initials: the first letters of the display name's first two
/// words, else the username's first two characters, upper-cased.
pub fn initials(username: &str, display_name: Option<&str>) -> String {
    let from_words: String = display_name
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|word| word.chars().find(|c| c.is_alphanumeric()))
        .take(2)
        .collect();
    let chosen =
        if from_words.is_empty() { username.chars().filter(|c| c.is_alphanumeric()).take(2).collect() } else { from_words };
    chosen.to_uppercase()
}

/// The colour class of `username`: FNV-1a of its bytes, modulo the palette.
pub fn colour_class(username: &str) -> String {
    let hash = username.bytes().fold(0x811c_9dc5_u32, |hash, byte| (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193));
    format!("avatar avatar-{}", hash % AVATAR_COLOURS)
}

#[component]
pub fn Avatar(username: String, display_name: Option<String>) -> impl IntoView {
    view! {
        <span class=colour_class(&username) aria-hidden="true">{initials(&username, display_name.as_deref())}</span>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_come_from_the_display_name_or_the_username() {
        assert_eq!(initials("alice", Some("Alice Liddell")), "AL");
        assert_eq!(initials("alice", Some("  cher ")), "C");
        assert_eq!(initials("bob_99", None), "BO");
        assert_eq!(initials("_x", Some("   ")), "X");
    }

    #[test]
    fn a_username_keeps_its_colour_and_names_spread_over_the_palette() {
        assert_eq!(colour_class("alice"), colour_class("alice"));
        let used: std::collections::HashSet<String> =
            ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"].iter().map(|name| colour_class(name)).collect();
        assert!(used.len() >= 4, "{used:?}");
    }
}
