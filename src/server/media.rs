//! What an uploaded file is, judged from its bytes, and the thumbnail of an
//! image. PNG, JPEG, GIF and WebP are recognised by their contents (never by
//! the name or the type the browser claims) and decoded within fixed bounds:
//! the pixel count is read from the header first, so a decompression bomb is
//! refused before any pixel is decoded, and the decoder's memory is capped.
//! Decoding runs on the blocking pool, at most [`DECODERS`] at once.
//!
//! Any other file keeps the content type it was uploaded with (when that is a
//! well-formed type; `application/octet-stream` otherwise): it is only ever
//! served as a download, so what it claims to be cannot make it a page.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, codecs::jpeg::JpegEncoder};
use tokio::sync::Semaphore;

use crate::protocol::THUMB_EDGE;

/// Largest image accepted, in pixels (width × height): 40 megapixels.
pub const MAX_PIXELS: u64 = 40_000_000;

/// Largest width or height accepted, in pixels.
const MAX_EDGE: u32 = 20_000;

/// Most memory one decoder may take.
const MAX_DECODER_BYTES: u64 = 256 * 1024 * 1024;

/// Images decoded at once (each may take [`MAX_DECODER_BYTES`] and a core).
const DECODERS: usize = 2;

static DECODING: Semaphore = Semaphore::const_new(DECODERS);

/// The content type of anything that is not a recognised image and did not say what it is.
pub const OCTET_STREAM: &str = "application/octet-stream";

/// The formats shown inline.
const IMAGE_FORMATS: [ImageFormat; 4] = [ImageFormat::Png, ImageFormat::Jpeg, ImageFormat::Gif, ImageFormat::WebP];

/// What an upload turned out to be.
#[derive(Debug)]
pub struct Inspected {
    pub content_type: String,
    /// For an image: its size and thumbnail.
    pub picture: Option<Picture>,
}

/// An image's size in pixels (as shown, after its EXIF orientation) and its thumbnail.
#[derive(Debug)]
pub struct Picture {
    pub width: u32,
    pub height: u32,
    /// `None` when the image is small enough to be its own thumbnail.
    pub thumb: Option<Thumbnail>,
}

/// A small copy of an image: PNG when it has transparency, JPEG otherwise.
#[derive(Debug)]
pub struct Thumbnail {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
}

/// Why an upload is not accepted as what it claims to be.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum MediaError {
    #[error("the file says it is {0} but is not a readable image of that kind")]
    NotAnImage(String),
    #[error("the image is {width}×{height} pixels; at most {MAX_PIXELS} pixels ({MAX_EDGE} on a side) are accepted")]
    TooManyPixels { width: u32, height: u32 },
    #[error("the image could not be decoded: {0}")]
    Undecodable(String),
}

/// Looks at an upload's bytes (off the async threads): a recognised image is
/// measured and thumbnailed; anything else keeps its (well-formed) `declared` type.
pub async fn inspect(bytes: std::sync::Arc<Vec<u8>>, declared: Option<String>) -> Result<Inspected, MediaError> {
    let _slot = DECODING.acquire().await.map_err(|_| MediaError::Undecodable("the server is stopping".into()))?;
    tokio::task::spawn_blocking(move || inspect_now(&bytes, declared.as_deref()))
        .await
        .unwrap_or_else(|err| Err(MediaError::Undecodable(err.to_string())))
}

/// [`inspect`], on the calling thread.
pub fn inspect_now(bytes: &[u8], declared: Option<&str>) -> Result<Inspected, MediaError> {
    let declared = declared.and_then(well_formed_type);
    let sniffed = image::guess_format(bytes).ok().filter(|format| IMAGE_FORMATS.contains(format));
    match sniffed {
        Some(format) => Ok(Inspected { content_type: format.to_mime_type().to_owned(), picture: Some(picture(bytes, format)?) }),
        None => match declared {
            Some(claimed) if IMAGE_FORMATS.iter().any(|f| f.to_mime_type() == claimed) => Err(MediaError::NotAnImage(claimed)),
            Some(other) => Ok(Inspected { content_type: other, picture: None }),
            None => Ok(Inspected { content_type: OCTET_STREAM.to_owned(), picture: None }),
        },
    }
}

/// Whether files of this stored type are shown in the page (the four image
/// formats); every other type is served as a download.
pub fn shown_inline(content_type: &str) -> bool {
    IMAGE_FORMATS.iter().any(|format| format.to_mime_type() == content_type)
}

/// The type a stored file is served as: its own, unless a browser would run
/// or style it (scripts, style sheets, HTML, SVG and other XML, WebAssembly)
/// — such a file from Parlor's own origin could act as Parlor's — then
/// `application/octet-stream`, a download.
pub fn served_type(content_type: &str) -> &str {
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    let active = ["html", "xml", "script", "css", "wasm", "xsl"].iter().any(|word| essence.contains(word));
    if active || well_formed_type(&essence).is_none() { OCTET_STREAM } else { content_type }
}

/// `type/subtype` in lower case without parameters, if `raw` is one.
fn well_formed_type(raw: &str) -> Option<String> {
    let essence = raw.split(';').next()?.trim().to_ascii_lowercase();
    let (kind, subtype) = essence.split_once('/')?;
    let token = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(&b));
    (essence.len() <= 127 && token(kind) && token(subtype)).then_some(essence)
}

fn picture(bytes: &[u8], format: ImageFormat) -> Result<Picture, MediaError> {
    let (image, unturned) = decode(bytes, format)?;
    let (width, height) = (image.width(), image.height());
    let thumb = if width <= THUMB_EDGE && height <= THUMB_EDGE && unturned {
        None
    } else {
        Some(thumbnail(&image, THUMB_EDGE).map_err(undecodable)?)
    };
    Ok(Picture { width, height, thumb })
}

/// A small copy of an image fetched from elsewhere (a link preview's): judged
/// by its bytes and bounded like an upload, and always re-encoded, at most
/// `edge` pixels on its longer side, so that nothing of the original file
/// but its pixels is ever served.
pub async fn small_copy(bytes: Vec<u8>, edge: u32) -> Result<Thumbnail, MediaError> {
    let _slot = DECODING.acquire().await.map_err(|_| MediaError::Undecodable("the server is stopping".into()))?;
    tokio::task::spawn_blocking(move || {
        let format = image::guess_format(&bytes)
            .ok()
            .filter(|format| IMAGE_FORMATS.contains(format))
            .ok_or_else(|| MediaError::NotAnImage("a picture".into()))?;
        let (image, _) = decode(&bytes, format)?;
        thumbnail(&image, edge).map_err(undecodable)
    })
    .await
    .unwrap_or_else(|err| Err(MediaError::Undecodable(err.to_string())))
}

fn undecodable(err: image::ImageError) -> MediaError {
    MediaError::Undecodable(err.to_string())
}

/// Decodes an image within the bounds (turned by its EXIF orientation), and
/// says whether it needed no turning.
fn decode(bytes: &[u8], format: ImageFormat) -> Result<(DynamicImage, bool), MediaError> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_DECODER_BYTES);
    reader.limits(limits);
    let mut decoder =
        reader.into_decoder().map_err(|err| MediaError::NotAnImage(format!("{} ({err})", format.to_mime_type())))?;
    // The header alone says how big it is: a bomb stops here, undecoded.
    let (width, height) = decoder.dimensions();
    if width > MAX_EDGE || height > MAX_EDGE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(MediaError::TooManyPixels { width, height });
    }
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(|err| match err {
        image::ImageError::Limits(_) => MediaError::TooManyPixels { width, height },
        other => undecodable(other),
    })?;
    image.apply_orientation(orientation);
    Ok((image, orientation == image::metadata::Orientation::NoTransforms))
}

/// At most `edge` pixels on its longer side, keeping its proportions.
fn thumbnail(image: &DynamicImage, edge: u32) -> Result<Thumbnail, image::ImageError> {
    let small = image.thumbnail(edge, edge);
    let mut bytes = Vec::new();
    if small.color().has_alpha() {
        small.write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png)?;
        Ok(Thumbnail { bytes, content_type: "image/png" })
    } else {
        JpegEncoder::new_with_quality(&mut bytes, 82).encode_image(&small.to_rgb8())?;
        Ok(Thumbnail { bytes, content_type: "image/jpeg" })
    }
}

#[doc(hidden)]
pub mod samples {
    //! Images made in memory, for tests (here and in `tests/`).

    use std::io::Cursor;

    use image::{ImageFormat, RgbImage, RgbaImage};

    /// A `width`×`height` PNG of a simple gradient.
    pub fn png(width: u32, height: u32) -> Vec<u8> {
        let image = RgbImage::from_fn(width, height, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 128]));
        let mut bytes = Vec::new();
        image.write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png).expect("encoding a PNG in memory");
        bytes
    }

    /// A `width`×`height` transparent PNG.
    pub fn transparent_png(width: u32, height: u32) -> Vec<u8> {
        let image = RgbaImage::from_pixel(width, height, image::Rgba([0, 0, 0, 0]));
        let mut bytes = Vec::new();
        image.write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png).expect("encoding a PNG in memory");
        bytes
    }

    /// A decompression bomb: a few hundred bytes of PNG whose header says it is
    /// `width`×`height` pixels (a 1×1 PNG with its header rewritten).
    pub fn bomb_png(width: u32, height: u32) -> Vec<u8> {
        let mut bytes = png(1, 1);
        // Signature (8), IHDR length (4), "IHDR" (4), then width and height.
        bytes[16..20].copy_from_slice(&width.to_be_bytes());
        bytes[20..24].copy_from_slice(&height.to_be_bytes());
        let crc = crc32(&bytes[12..29]);
        bytes[29..33].copy_from_slice(&crc.to_be_bytes());
        bytes
    }

    /// CRC-32 (IEEE), as PNG chunks carry it.
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = !0u32;
        for byte in data {
            crc ^= u32::from(*byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_a_browser_would_run_or_style_are_served_as_downloads() {
        for active in [
            "application/javascript",
            "text/javascript",
            "text/css",
            "text/html",
            "application/xhtml+xml",
            "image/svg+xml",
            "text/xml",
            "application/xml",
            "application/wasm",
            "text/xsl",
            "TEXT/HTML; charset=utf-8",
            "not a type",
        ] {
            assert_eq!(served_type(active), OCTET_STREAM, "{active}");
        }
        for passive in ["image/png", "text/plain", "application/pdf", "application/zip", "audio/ogg", "video/mp4"] {
            assert_eq!(served_type(passive), passive);
        }
    }

    #[test]
    fn a_large_photo_gets_a_jpeg_thumbnail_within_the_edge() {
        let inspected = inspect_now(&samples::png(1200, 600), Some("image/png")).unwrap();
        assert_eq!(inspected.content_type, "image/png");
        let picture = inspected.picture.unwrap();
        assert_eq!((picture.width, picture.height), (1200, 600));
        let thumb = picture.thumb.unwrap();
        assert_eq!(thumb.content_type, "image/jpeg");
        let small = image::load_from_memory(&thumb.bytes).unwrap();
        assert_eq!((small.width(), small.height()), (THUMB_EDGE, THUMB_EDGE / 2));
    }

    #[test]
    fn a_small_image_is_its_own_thumbnail_and_transparency_stays_png() {
        let small = inspect_now(&samples::png(40, 30), None).unwrap().picture.unwrap();
        assert!(small.thumb.is_none());
        let clear = inspect_now(&samples::transparent_png(900, 900), None).unwrap().picture.unwrap();
        assert_eq!(clear.thumb.unwrap().content_type, "image/png");
    }

    #[test]
    fn the_contents_decide_not_the_claim() {
        let png_named_text = inspect_now(&samples::png(10, 10), Some("text/html")).unwrap();
        assert_eq!(png_named_text.content_type, "image/png");
        let html = inspect_now(b"<html><script>alert(1)</script></html>", Some("text/html; charset=utf-8")).unwrap();
        assert_eq!((html.content_type.as_str(), html.picture.is_none()), ("text/html", true));
        let fake = inspect_now(b"GIF? no, plain text", Some("image/gif"));
        assert!(matches!(fake, Err(MediaError::NotAnImage(_))), "{fake:?}");
        let nonsense = inspect_now(b"data", Some("not a type\r\nX-Evil: 1")).unwrap();
        assert_eq!(nonsense.content_type, OCTET_STREAM);
    }

    #[test]
    fn a_decompression_bomb_is_refused_before_decoding() {
        let refused = inspect_now(&samples::bomb_png(19_000, 19_000), Some("image/png"));
        assert_eq!(refused.unwrap_err(), MediaError::TooManyPixels { width: 19_000, height: 19_000 });
        let wide = inspect_now(&samples::bomb_png(100_000, 10), None);
        assert!(matches!(wide, Err(MediaError::TooManyPixels { .. })), "{wide:?}");
    }

    #[test]
    fn a_truncated_image_is_refused() {
        let mut bytes = samples::png(300, 300);
        bytes.truncate(bytes.len() / 2);
        assert!(inspect_now(&bytes, None).is_err());
    }

    #[test]
    fn only_the_four_image_formats_are_shown_inline() {
        assert!(shown_inline("image/webp"));
        assert!(!shown_inline("image/svg+xml"));
        assert!(!shown_inline("text/html"));
    }
}
