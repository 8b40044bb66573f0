//! What a page says of itself, read from its HTML: OpenGraph tags first,
//! then Twitter card tags, then `<title>` and `<meta name="description">`;
//! the site's name, or its host. Text is collapsed to single spaces and cut
//! to the protocol's lengths; the image must be an `http(s)` URL (relative
//! ones are resolved against the page).

use std::collections::HashMap;

use reqwest::Url;
use scraper::{Html, Selector};

use crate::protocol::{PREVIEW_DESCRIPTION_CHARS, PREVIEW_SITE_CHARS, PREVIEW_TITLE_CHARS};

/// A page's title, description, site and image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageMeta {
    pub title: String,
    pub description: String,
    pub site: String,
    pub image: Option<Url>,
}

/// Reads `html`, fetched from `url`; `None` when the page has no title at all.
pub fn read(html: &str, url: &Url) -> Option<PageMeta> {
    let document = Html::parse_document(html);
    let mut tags: HashMap<String, String> = HashMap::new();
    let meta = Selector::parse("meta").ok()?;
    for element in document.select(&meta) {
        let attrs = element.value();
        let (Some(key), Some(content)) = (attrs.attr("property").or(attrs.attr("name")), attrs.attr("content")) else {
            continue;
        };
        // The first of each tag counts, as with OpenGraph's own parsers.
        tags.entry(key.trim().to_ascii_lowercase()).or_insert_with(|| content.to_owned());
    }
    let first = |keys: &[&str]| keys.iter().find_map(|key| tags.get(*key).map(|v| clean(v)).filter(|v| !v.is_empty()));
    let title_element = Selector::parse("title")
        .ok()
        .and_then(|title| document.select(&title).next())
        .map(|element| clean(&element.text().collect::<String>()))
        .filter(|title| !title.is_empty());
    let title = first(&["og:title", "twitter:title"]).or(title_element)?;
    let description = first(&["og:description", "twitter:description", "description"]).unwrap_or_default();
    let host = url.host_str().unwrap_or_default().trim_start_matches("www.").to_owned();
    let site = first(&["og:site_name", "application-name"]).unwrap_or(host);
    let image = first(&["og:image:secure_url", "og:image", "og:image:url", "twitter:image", "twitter:image:src"])
        .and_then(|src| url.join(&src).ok())
        .filter(|image| matches!(image.scheme(), "http" | "https"));
    Some(PageMeta {
        title: cut(&title, PREVIEW_TITLE_CHARS),
        description: cut(&description, PREVIEW_DESCRIPTION_CHARS),
        site: cut(&site, PREVIEW_SITE_CHARS),
        image,
    })
}

/// Whitespace collapsed to single spaces; control characters dropped.
fn clean(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ").chars().filter(|c| !c.is_control()).collect()
}

/// At most `max` characters, with an ellipsis when cut.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut kept: String = text.chars().take(max - 1).collect();
    kept.truncate(kept.trim_end().len());
    kept.push('…');
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page() -> Url {
        Url::parse("https://www.news.example/story/1").unwrap()
    }

    #[test]
    fn opengraph_comes_first_and_relative_images_resolve() {
        let html = r#"<html><head><title>Plain title</title>
            <meta property="og:title" content="  The  story ">
            <meta property="og:description" content="What &amp; why">
            <meta property="og:site_name" content="News">
            <meta property="og:image" content="/img/a.png">
            <meta name="twitter:title" content="Tweet title"></head></html>"#;
        let meta = read(html, &page()).unwrap();
        assert_eq!(meta.title, "The story");
        assert_eq!(meta.description, "What & why");
        assert_eq!(meta.site, "News");
        assert_eq!(meta.image.unwrap().as_str(), "https://www.news.example/img/a.png");
    }

    #[test]
    fn twitter_cards_and_the_title_element_are_fallbacks() {
        let twitter =
            r#"<meta name="twitter:title" content="Card"><meta name="twitter:image" content="https://cdn.example/c.jpg">"#;
        let meta = read(twitter, &page()).unwrap();
        assert_eq!((meta.title.as_str(), meta.site.as_str()), ("Card", "news.example"));
        assert_eq!(meta.image.unwrap().host_str(), Some("cdn.example"));
        let plain = "<title>\n  Only a title\n</title><meta name=\"description\" content=\"Described\">";
        let meta = read(plain, &page()).unwrap();
        assert_eq!((meta.title.as_str(), meta.description.as_str(), meta.image), ("Only a title", "Described", None));
    }

    #[test]
    fn a_page_without_a_title_has_no_preview_and_long_text_is_cut() {
        assert_eq!(read("<p>nothing here</p>", &page()), None);
        let long = format!("<title>{}</title><meta property=\"og:image\" content=\"javascript:alert(1)\">", "word ".repeat(100));
        let meta = read(&long, &page()).unwrap();
        assert_eq!(meta.title.chars().count(), PREVIEW_TITLE_CHARS);
        assert!(meta.title.ends_with('…'));
        assert_eq!(meta.image, None, "only http(s) images");
    }
}
