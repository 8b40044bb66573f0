//! A message's text as formatted markup (see `markup`): paragraphs, bold,
//! italic, code, code blocks, quotes, links (`rel="noopener nofollow ugc"`,
//! opening in a new tab) and highlighted mentions. Built from the same tree on
//! the server and in the browser, and never from HTML.

use leptos::prelude::*;

use crate::markup::{Block, Inline, parse};

/// The `rel` of every link in a message.
pub const LINK_REL: &str = "noopener nofollow ugc";

#[component]
pub fn MessageText(text: String, mentions: Vec<String>) -> impl IntoView {
    let blocks = parse(&text, &mentions);
    view! { <div class="text" dir="auto">{blocks.into_iter().map(block).collect_view()}</div> }
}

fn block(block: Block) -> AnyView {
    match block {
        Block::Paragraph(inlines) => view! { <p>{inlines.into_iter().map(inline).collect_view()}</p> }.into_any(),
        Block::Code(code) => view! { <pre><code>{code}</code></pre> }.into_any(),
        Block::Quote(blocks) => {
            view! { <blockquote>{blocks.into_iter().map(self::block).collect_view()}</blockquote> }.into_any()
        }
    }
}

fn inline(inline: Inline) -> AnyView {
    match inline {
        Inline::Text(text) => text.into_any(),
        Inline::Mention(name) => view! { <span class="mention">{name}</span> }.into_any(),
        Inline::Strong(children) => view! { <strong>{children.into_iter().map(self::inline).collect_view()}</strong> }.into_any(),
        Inline::Emphasis(children) => view! { <em>{children.into_iter().map(self::inline).collect_view()}</em> }.into_any(),
        Inline::Code(code) => view! { <code>{code}</code> }.into_any(),
        Inline::Link { href, children } => view! {
            <a href=href rel=LINK_REL target="_blank">{children.into_iter().map(self::inline).collect_view()}</a>
        }
        .into_any(),
        Inline::Break => view! { <br /> }.into_any(),
    }
}

/// The HTML a message's text renders to, as the server sends it.
pub fn render_html(text: &str, mentions: &[String]) -> String {
    let owner = Owner::new();
    owner.with(|| view! { <MessageText text=text.to_owned() mentions=mentions.to_vec() /> }.to_html())
}

/// Checks that `html` (what [`render_html`] made) is well formed and uses only
/// the allowed markup: the tags and attributes below, links to `http(s)` only,
/// and Leptos' hydration markers. The unit tests and the `markup` fuzz target
/// hold every input to it.
pub fn check_allowed_html(html: &str) -> Result<(), String> {
    const ALLOWED: &[(&str, &[&str])] = &[
        ("div", &["class", "dir"]),
        ("p", &[]),
        ("strong", &[]),
        ("em", &[]),
        ("code", &[]),
        ("pre", &[]),
        ("blockquote", &[]),
        ("br", &[]),
        ("span", &["class"]),
        ("a", &["href", "rel", "target"]),
    ];
    let mut open: Vec<&str> = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        let after = &rest[start + 1..];
        let end = after.find('>').ok_or("a tag never closes")?;
        let tag = &after[..end];
        rest = &after[end + 1..];
        if tag == "!" || tag == "!----" || tag.starts_with("!--") {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            match open.pop() {
                Some(opened) if opened == name => continue,
                other => return Err(format!("</{name}> closes {other:?}")),
            }
        }
        let mut parts = tag.splitn(2, ' ');
        let name = parts.next().unwrap_or_default();
        let (_, allowed) = ALLOWED.iter().find(|(allowed, _)| *allowed == name).ok_or_else(|| format!("tag <{name}>"))?;
        let mut attributes = parts.next().unwrap_or_default().trim_start();
        while !attributes.is_empty() {
            let (key, after) = attributes.split_once("=\"").ok_or_else(|| format!("attribute {attributes:?}"))?;
            let (value, after) = after.split_once('"').ok_or_else(|| format!("unquoted value in {attributes:?}"))?;
            attributes = after.trim_start();
            if !allowed.contains(&key) {
                return Err(format!("attribute {key} on <{name}>"));
            }
            if key == "href" && !(value.starts_with("https://") || value.starts_with("http://")) {
                return Err(format!("link to {value:?}"));
            }
            if value.contains('<') {
                return Err(format!("value {value:?}"));
            }
        }
        if name != "br" {
            open.push(name);
        }
    }
    if !open.is_empty() {
        return Err(format!("unclosed {open:?}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (xorshift), so the property test needs no crate.
    struct Random(u64);

    impl Random {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    /// Pieces that mean something to Markdown, HTML or the link finder.
    const PIECES: &[&str] = &[
        "*",
        "**",
        "_",
        "`",
        "```",
        "\n",
        "> ",
        "# ",
        "- ",
        "1. ",
        "[",
        "]",
        "(",
        ")",
        "<",
        ">",
        "</",
        "/>",
        "\"",
        "'",
        "&",
        "&amp;",
        "<script>",
        "<b>",
        "<img src=x onerror=1>",
        "javascript:",
        "https://",
        "http://x.y",
        "data:",
        "![",
        "@bob",
        "@",
        " ",
        "word",
        "é",
        "😀",
        "\\",
        "|",
        "~~",
        "---",
        "    ",
        "<!--",
        "-->",
    ];

    #[test]
    fn any_text_renders_to_the_allowed_markup_only() {
        let mentions = vec!["bob".to_owned()];
        let mut random = Random(0x9e37_79b9_7f4a_7c15);
        for _ in 0..3000 {
            let length = 1 + random.next() % 24;
            let text: String = (0..length).map(|_| PIECES[(random.next() % PIECES.len() as u64) as usize]).collect();
            let html = render_html(&text, &mentions);
            if let Err(why) = check_allowed_html(&html) {
                panic!("{text:?} rendered {html:?}: {why}");
            }
        }
    }

    #[test]
    fn the_checker_refuses_what_is_not_allowed() {
        assert!(check_allowed_html("<div class=\"text\"><p>ok</p></div>").is_ok());
        assert!(check_allowed_html("<script>x</script>").is_err());
        assert!(check_allowed_html("<a href=\"javascript:x\">x</a>").is_err());
        assert!(check_allowed_html("<p onclick=\"x\">x</p>").is_err());
        assert!(check_allowed_html("<p><em>x</p></em>").is_err());
    }
}
