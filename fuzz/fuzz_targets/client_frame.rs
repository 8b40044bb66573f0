//! Fuzzes the client-frame parser: any bytes must give a valid command or an
//! error code, never a panic, and a valid message must respect the protocol's
//! limits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use parlor::protocol::{Command, EventBody, MAX_CLIENT_ID_CHARS, MAX_TEXT_CHARS, parse_client_frame};

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else { return };
    if let Ok(Command::Event { body, client_id }) = parse_client_frame(raw) {
        if let EventBody::Message { text, attachment, .. } = &body {
            assert!(!text.is_empty() || attachment.is_some(), "only a file may go without words");
            assert_eq!(text.trim(), text);
            assert!(text.chars().count() <= MAX_TEXT_CHARS);
        }
        assert!(!matches!(body, EventBody::Member { .. }), "membership changes are never parsed");
        if let Some(id) = client_id {
            assert!(!id.is_empty() && id.chars().count() <= MAX_CLIENT_ID_CHARS);
        }
    }
});
