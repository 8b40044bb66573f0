//! Fuzzes the client-frame parser: any bytes must give a valid send or an error
//! code, never a panic, and a valid send must respect the protocol's limits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use parlor::protocol::{Command, MAX_CLIENT_ID_CHARS, MAX_TEXT_CHARS, parse_client_frame};

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else { return };
    if let Ok(Command::Send(send)) = parse_client_frame(raw) {
        assert!(!send.text.is_empty());
        assert_eq!(send.text.trim(), send.text);
        assert!(send.text.chars().count() <= MAX_TEXT_CHARS);
        if let Some(id) = send.client_id {
            assert!(!id.is_empty() && id.chars().count() <= MAX_CLIENT_ID_CHARS);
        }
    }
});
