//! Files in rooms over HTTP: `POST /api/rooms/{room}/attachments` takes one
//! file (multipart, same-origin, rate-limited, at most `--max-upload-mb`),
//! judges it by its bytes (`server::media`) and stores it; `GET
//! /attachments/{id}` and `/attachments/{id}/thumb` serve it to readers of its
//! room only (asking `accounts::access`, so a private room's files answer
//! "not found" to everyone else, like its name does); `GET
//! /previews/{room}/{seq}/image` serves a link preview's thumbnail the same way.
//!
//! A served file can never act as a page of Parlor's origin: it carries its
//! stored type with `nosniff`, a sandboxing CSP, and `Content-Disposition:
//! attachment` unless it is one of the four image formats Parlor shows.

use std::sync::Arc;

use axum::{
    Json,
    extract::{Multipart, Path, State, multipart::MultipartRejection},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

use crate::{
    error::AppError,
    protocol::{Attachment, is_attachment_id},
    server::{
        accounts::{access, auth::User},
        http::gate::RequireUser,
        http::state::AppState,
        media,
        policy::Action,
        storage::attachments::{self, NewUpload, Variant},
    },
};

/// The multipart field that holds the file.
pub const FILE_FIELD: &str = "file";

/// Longest file name kept, in characters.
const MAX_NAME_CHARS: usize = 200;

/// Room for the multipart envelope around the file, in bytes.
const ENVELOPE_BYTES: u64 = 64 * 1024;

/// What a served file's CSP allows: nothing (an HTML or SVG file opened
/// directly runs no script and is a sandboxed, opaque origin).
const FILE_CSP: &str = "default-src 'none'; sandbox; frame-ancestors 'none'";

/// The whole body an upload may have: the file and its envelope.
pub fn upload_body_limit(max_file_bytes: u64) -> usize {
    usize::try_from(max_file_bytes + ENVELOPE_BYTES).unwrap_or(usize::MAX)
}

/// `POST /api/rooms/{room}/attachments`: answers 201 with the attachment,
/// which a `send` frame then names.
pub async fn upload(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(room): Path<String>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<Attachment>), AppError> {
    let room = access::room(&state.store, &user, &room, Action::Post).await?.name;
    state
        .limits
        .check_upload(user.0.id)
        .map_err(|throttled| AppError::RateLimited { retry_after_secs: throttled.retry_after_secs })?;
    let max = state.config.max_upload_bytes();
    let too_large = AppError::FileTooLarge { max_mb: state.config.max_upload_mb };
    let declared_length = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared_length.is_some_and(|length| length > max + ENVELOPE_BYTES) {
        return Err(too_large);
    }
    let multipart = multipart.map_err(|rejection| {
        AppError::UnsupportedMedia(format!("send the file as multipart/form-data ({})", rejection.body_text()))
    })?;
    let file = read_file(multipart, max, too_large).await?;
    let bytes = Arc::new(file.bytes);
    let inspected =
        media::inspect(bytes.clone(), file.declared_type).await.map_err(|err| AppError::UnsupportedMedia(err.to_string()))?;
    // The decoder's copy of the handle is gone by now: no copy of the bytes is made.
    let bytes = Arc::try_unwrap(bytes).unwrap_or_else(|shared| shared.as_ref().clone());
    let picture = inspected.picture;
    let upload = NewUpload {
        room,
        uploader_id: user.0.id,
        name: file.name,
        content_type: inspected.content_type,
        bytes,
        dimensions: picture.as_ref().map(|p| (p.width, p.height)),
        thumb: picture.and_then(|p| p.thumb).map(|thumb| (thumb.bytes, thumb.content_type)),
    };
    let stored = state.store.attachments().save_upload(upload).await?;
    Ok((StatusCode::CREATED, Json(attachments::dto(&stored))))
}

/// The file part of an upload.
struct UploadedFile {
    name: String,
    declared_type: Option<String>,
    bytes: Vec<u8>,
}

/// Reads the `file` field (other fields are skipped), refusing it as soon as
/// it passes `max` bytes.
async fn read_file(mut multipart: Multipart, max: u64, too_large: AppError) -> Result<UploadedFile, AppError> {
    let broken = |err: axum::extract::multipart::MultipartError| match err.status() {
        StatusCode::PAYLOAD_TOO_LARGE => too_large.clone(),
        _ => AppError::BadRequest(format!("the upload was cut short or malformed ({})", err.body_text())),
    };
    while let Some(mut field) = multipart.next_field().await.map_err(broken)? {
        if field.name() != Some(FILE_FIELD) {
            continue;
        }
        let name = clean_file_name(field.file_name().unwrap_or_default());
        let declared_type = field.content_type().map(str::to_owned);
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(broken)? {
            if (bytes.len() + chunk.len()) as u64 > max {
                return Err(too_large);
            }
            bytes.extend_from_slice(&chunk);
        }
        if bytes.is_empty() {
            return Err(AppError::BadRequest("the file is empty".into()));
        }
        return Ok(UploadedFile { name, declared_type, bytes });
    }
    Err(AppError::BadRequest(format!("no file: send it in a multipart field named `{FILE_FIELD}`")))
}

/// The last path component of a browser-given name, without control
/// characters, at most [`MAX_NAME_CHARS`]; "file" when nothing is left.
fn clean_file_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(MAX_NAME_CHARS).collect();
    let cleaned = cleaned.trim();
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." { "file".to_owned() } else { cleaned.to_owned() }
}

/// `GET /attachments/{id}`: the file.
pub async fn original(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    serve(&state, &user, &id, Variant::Original, &headers).await
}

/// `GET /attachments/{id}/thumb`: an image's thumbnail.
pub async fn thumbnail(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    serve(&state, &user, &id, Variant::Thumbnail, &headers).await
}

async fn serve(state: &AppState, user: &User, id: &str, variant: Variant, headers: &HeaderMap) -> Result<Response, AppError> {
    if !is_attachment_id(id) {
        return Err(AppError::NotFound);
    }
    let found = state.store.attachments().attachment(id).await?.ok_or(AppError::NotFound)?;
    // A file no message carries yet is its uploader's alone.
    if found.seq.is_none() && found.uploader_id != Some(user.0.id) {
        return Err(AppError::NotFound);
    }
    access::room(&state.store, user, &found.room, Action::Read).await?;
    let etag = format!(
        "\"{}\"",
        match variant {
            Variant::Original => found.blob_hash.as_str(),
            Variant::Thumbnail => found.thumb_hash.as_deref().unwrap_or_default(),
        }
    );
    if headers.get(header::IF_NONE_MATCH).is_some_and(|tag| tag.as_bytes() == etag.as_bytes()) {
        return Ok((StatusCode::NOT_MODIFIED, file_headers(&etag)).into_response());
    }
    let body = state.store.attachments().file_body(found, variant).await?.ok_or(AppError::NotFound)?;
    let disposition = if media::shown_inline(&body.content_type) { "inline" } else { "attachment" };
    let mut response = (StatusCode::OK, file_headers(&etag), body.bytes).into_response();
    let headers = response.headers_mut();
    let header_value =
        |text: String| HeaderValue::from_str(&text).unwrap_or(HeaderValue::from_static("application/octet-stream"));
    headers.insert(header::CONTENT_TYPE, header_value(media::served_type(&body.content_type).to_owned()));
    let name = &body.attachment.name;
    let disposition =
        format!("{disposition}; filename=\"{}\"; filename*=UTF-8''{}", ascii_fallback(name), urlencoding::encode(name));
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).unwrap_or(HeaderValue::from_static("attachment")),
    );
    Ok(response)
}

/// `GET /previews/{room}/{seq}/image`: the thumbnail of the link preview
/// under a message, to readers of its room, while the message shows it.
pub async fn preview_image(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path((room, seq)): Path<(String, i64)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    access::room(&state.store, &user, &room, Action::Read).await?;
    let (image, bytes) = state.store.previews().preview_image(&room, seq).await?.ok_or(AppError::NotFound)?;
    let etag = format!("\"{}\"", image.hash);
    if headers.get(header::IF_NONE_MATCH).is_some_and(|tag| tag.as_bytes() == etag.as_bytes()) {
        return Ok((StatusCode::NOT_MODIFIED, file_headers(&etag)).into_response());
    }
    let mut response = (StatusCode::OK, file_headers(&etag), bytes).into_response();
    // Parlor made the thumbnail itself: a JPEG or PNG.
    let content_type =
        HeaderValue::from_str(media::served_type(&image.content_type)).unwrap_or(HeaderValue::from_static("image/jpeg"));
    response.headers_mut().insert(header::CONTENT_TYPE, content_type);
    Ok(response)
}

/// The headers every answer for a file carries.
fn file_headers(etag: &str) -> [(header::HeaderName, HeaderValue); 5] {
    [
        (header::ETAG, HeaderValue::from_str(etag).unwrap_or(HeaderValue::from_static("\"\""))),
        // The bytes behind an id never change, but who may read them does: the
        // browser asks again each time (a 304 when nothing changed), so a
        // reader who lost the room, or logged out, gets no copy kept for them.
        (header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache")),
        (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(FILE_CSP)),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (header::HeaderName::from_static("cross-origin-resource-policy"), HeaderValue::from_static("same-origin")),
    ]
}

/// The name in printable ASCII, for clients that ignore `filename*`.
fn ascii_fallback(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_their_directories_and_control_characters() {
        assert_eq!(clean_file_name("C:\\Users\\me\\photo.png"), "photo.png");
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("a\u{0}b\r\n.txt"), "ab.txt");
        assert_eq!(clean_file_name(".."), "file");
        assert_eq!(clean_file_name(""), "file");
        assert_eq!(clean_file_name(&"x".repeat(300)).chars().count(), MAX_NAME_CHARS);
    }

    #[test]
    fn the_header_name_is_plain_ascii() {
        assert_eq!(ascii_fallback("résumé \"final\".pdf"), "r_sum_ _final_.pdf");
    }
}
