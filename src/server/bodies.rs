//! Response bodies made once and sent to many readers: a JSON body with its
//! brotli and gzip forms and an `ETag`, so that a cached read (a room's newest
//! history page) is neither serialized nor compressed again per request, and a
//! reload that has it already gets `304 Not Modified`.

use std::{
    hash::{DefaultHasher, Hash, Hasher},
    io::Write,
};

use axum::{
    body::Bytes,
    http::{
        HeaderMap, HeaderValue, StatusCode,
        header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, ETAG, IF_NONE_MATCH, VARY},
    },
    response::{IntoResponse, Response},
};
use serde::Serialize;

/// Brotli's quality for a body made once per change (tower-http's on-the-fly default is 4).
const BROTLI_QUALITY: u32 = 5;
const BROTLI_WINDOW: u32 = 22;

/// One body in every encoding a browser may ask for.
pub struct SharedBody {
    identity: Bytes,
    brotli: Bytes,
    gzip: Bytes,
    etag: HeaderValue,
}

impl SharedBody {
    /// `value` as JSON, compressed both ways.
    pub fn json(value: &impl Serialize) -> Self {
        // Plain structs of strings and numbers: serializing them cannot fail.
        let identity = serde_json::to_vec(value).unwrap_or_default();
        let mut brotli = Vec::with_capacity(identity.len() / 4);
        {
            let mut writer = brotli::CompressorWriter::new(&mut brotli, 4096, BROTLI_QUALITY, BROTLI_WINDOW);
            let _ = writer.write_all(&identity);
        }
        let mut gzip = flate2::write::GzEncoder::new(Vec::with_capacity(identity.len() / 3), flate2::Compression::default());
        let _ = gzip.write_all(&identity);
        let gzip = gzip.finish().unwrap_or_default();
        let mut hasher = DefaultHasher::new();
        identity.hash(&mut hasher);
        let etag = HeaderValue::from_str(&format!("\"{:016x}\"", hasher.finish())).expect("hex is a valid header");
        Self { identity: identity.into(), brotli: brotli.into(), gzip: gzip.into(), etag }
    }

    /// The answer to a request with `headers`: `304` when it has this body
    /// already, else the body in the best encoding it accepts.
    pub fn respond(&self, headers: &HeaderMap) -> Response {
        let mut response = if headers.get(IF_NONE_MATCH).is_some_and(|tags| matches(tags, &self.etag)) {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            let accepted = headers.get(ACCEPT_ENCODING).and_then(|value| value.to_str().ok()).unwrap_or_default();
            let (body, encoding) = if accepts(accepted, "br") {
                (self.brotli.clone(), Some("br"))
            } else if accepts(accepted, "gzip") {
                (self.gzip.clone(), Some("gzip"))
            } else {
                (self.identity.clone(), None)
            };
            let mut response = body.into_response();
            response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            if let Some(encoding) = encoding {
                response.headers_mut().insert(CONTENT_ENCODING, HeaderValue::from_static(encoding));
            }
            response
        };
        let response_headers = response.headers_mut();
        response_headers.insert(ETAG, self.etag.clone());
        response_headers.insert(VARY, HeaderValue::from_static("accept-encoding, cookie"));
        // The reader's own data: kept by their browser only, and checked each time.
        response_headers.insert(CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
        response
    }
}

/// Whether an `Accept-Encoding` list accepts `coding` (named, with a q-value above 0).
fn accepts(list: &str, coding: &str) -> bool {
    list.split(',').any(|entry| {
        let mut parts = entry.split(';').map(str::trim);
        let named = parts.next().is_some_and(|name| name.eq_ignore_ascii_case(coding));
        let refused = parts.any(|param| param.strip_prefix("q=").and_then(|q| q.parse::<f32>().ok()) == Some(0.0));
        named && !refused
    })
}

/// Whether an `If-None-Match` value names `etag` (or is `*`).
fn matches(tags: &HeaderValue, etag: &HeaderValue) -> bool {
    let (Ok(tags), Ok(etag)) = (tags.to_str(), etag.to_str()) else { return false };
    tags.split(',').map(str::trim).any(|tag| tag == "*" || tag.trim_start_matches("W/") == etag)
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    #[test]
    fn encodings_are_chosen_from_accept_encoding() {
        assert!(accepts("br, gzip", "br"));
        assert!(accepts("gzip;q=0.8, BR;q=1", "br"));
        assert!(!accepts("gzip, br;q=0", "br"));
        assert!(!accepts("identity", "gzip"));
        assert!(!accepts("", "br"));
    }

    #[test]
    fn every_encoding_holds_the_same_json_and_a_known_etag_answers_304() {
        let body = SharedBody::json(&serde_json::json!({"room": "lobby", "messages": vec!["a"; 100]}));
        let mut plain = String::new();
        brotli::Decompressor::new(&body.brotli[..], 4096).read_to_string(&mut plain).unwrap();
        assert_eq!(plain.as_bytes(), &body.identity[..]);
        let mut unzipped = String::new();
        flate2::read::GzDecoder::new(&body.gzip[..]).read_to_string(&mut unzipped).unwrap();
        assert_eq!(unzipped.as_bytes(), &body.identity[..]);

        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT_ENCODING, HeaderValue::from_static("gzip, br"));
        let fresh = body.respond(&headers);
        assert_eq!(fresh.headers()[CONTENT_ENCODING], "br");
        headers.insert(IF_NONE_MATCH, fresh.headers()[ETAG].clone());
        assert_eq!(body.respond(&headers).status(), StatusCode::NOT_MODIFIED);
    }
}
