//! A link preview ("unfurl") as clients see it: what the page a message links
//! to says of itself (its OpenGraph or Twitter card tags, or its `<title>`),
//! with a thumbnail Parlor fetched once and serves itself — readers never
//! load anything from the linked site.

use serde::{Deserialize, Serialize};

/// Longest title kept, in characters.
pub const PREVIEW_TITLE_CHARS: usize = 200;
/// Longest description kept, in characters.
pub const PREVIEW_DESCRIPTION_CHARS: usize = 300;
/// Longest site name kept, in characters.
pub const PREVIEW_SITE_CHARS: usize = 80;
/// Longest side of a preview's thumbnail, in pixels.
pub const PREVIEW_THUMB_EDGE: u32 = 160;

/// What a message's first link shows under it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LinkPreview {
    /// The link as the message has it (the page may have been reached by redirects).
    pub url: String,
    pub title: String,
    /// Empty when the page gives none.
    #[serde(default)]
    pub description: String,
    /// The site's name (`og:site_name`, or the host).
    #[serde(default)]
    pub site: String,
    /// Where Parlor serves the page's image as a small thumbnail (to readers
    /// of the room only); absent when the page has none that could be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
}

/// A preview as the server keeps it (a `preview` row's text and its message's
/// current state, as JSON): what clients see, and the blob of its thumbnail.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PreviewRecord {
    #[serde(flatten)]
    pub shown: LinkPreview,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<PreviewImage>,
}

/// A preview's thumbnail as stored: its blob and its content type.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PreviewImage {
    pub hash: String,
    pub content_type: String,
}

impl PreviewRecord {
    /// The record as its row keeps it.
    pub fn encode(&self) -> String {
        // Plain strings only: serializing cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// A row's record; `None` for an emptied one (its message was deleted).
    pub fn decode(text: &str) -> Option<Self> {
        serde_json::from_str(text).ok()
    }
}
