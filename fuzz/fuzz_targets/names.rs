//! Fuzzes the room and username validators: an accepted name is canonical
//! (validating it again gives itself) and only uses the allowed characters.
#![no_main]

use libfuzzer_sys::fuzz_target;
use parlor::names::{MAX_ROOM_CHARS, MAX_USERNAME_CHARS, canonical_room, canonical_username};

fn allowed(name: &str) -> bool {
    name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else { return };
    if let Ok(room) = canonical_room(input) {
        assert!(!room.is_empty() && room.len() <= MAX_ROOM_CHARS && allowed(&room));
        assert_eq!(canonical_room(&room).as_deref(), Ok(room.as_str()));
    }
    if let Ok(user) = canonical_username(input) {
        assert!(!user.is_empty() && user.len() <= MAX_USERNAME_CHARS && allowed(&user));
        assert_eq!(canonical_username(&user).as_deref(), Ok(user.as_str()));
    }
});
