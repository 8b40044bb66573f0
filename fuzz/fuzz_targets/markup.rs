//! Fuzzes the message renderer: any text (and any mentions) renders to
//! well-formed HTML that uses only the allowed tags and attributes, and links
//! only to http(s).
#![no_main]

use libfuzzer_sys::fuzz_target;
use parlor::components::message_text::{check_allowed_html, render_html};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mentions: Vec<String> = parlor::mentions::candidates(text);
    let html = render_html(text, &mentions);
    if let Err(why) = check_allowed_html(&html) {
        panic!("{text:?} rendered {html:?}: {why}");
    }
});
