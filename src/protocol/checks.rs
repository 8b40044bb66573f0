//! The field rules every client frame's fields follow, shared by the event
//! kinds that take them: trimmed text within its limits, a `client_id`, a
//! `seq` that names a message, an attachment id.

use super::{FrameErrorCode, FrameRejection, MAX_CLIENT_ID_CHARS, MAX_TEXT_CHARS};

/// A `client_id` of 1-[`MAX_CLIENT_ID_CHARS`] characters, if any.
pub fn check_client_id(client_id: Option<String>) -> Result<Option<String>, FrameRejection> {
    match client_id {
        Some(id) if id.is_empty() || id.chars().count() > MAX_CLIENT_ID_CHARS => {
            Err(FrameRejection::new(FrameErrorCode::BadClientId, None))
        }
        other => Ok(other),
    }
}

/// A `seq` that names a message: 1 or more.
pub fn check_target(seq: i64) -> Result<i64, FrameErrorCode> {
    if seq >= 1 { Ok(seq) } else { Err(FrameErrorCode::BadFrame) }
}

/// An attachment id as the server makes them: 32 lowercase hex digits.
pub fn check_attachment_id(id: String) -> Result<String, FrameErrorCode> {
    if is_attachment_id(&id) { Ok(id) } else { Err(FrameErrorCode::BadAttachment) }
}

/// Whether `id` has the shape of an attachment id (32 lowercase hex digits).
pub fn is_attachment_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Trimmed message text, or why it cannot be stored. Control characters (which
/// PostgreSQL refuses outright, in the case of NUL) are refused here, except
/// newline and tab.
pub fn check_text(text: &str) -> Result<String, FrameErrorCode> {
    let text = text.trim();
    if text.is_empty() {
        return Err(FrameErrorCode::EmptyText);
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(FrameErrorCode::TextTooLong);
    }
    if text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(FrameErrorCode::ControlCharacters);
    }
    Ok(text.to_owned())
}
