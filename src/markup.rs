//! Formatted message text: a safe subset of Markdown — `**bold**`, `*italic*`,
//! `` `code` ``, fenced code blocks, block quotes, and bare `http(s)` URLs as
//! links — plus highlighted `@mentions`, parsed with pulldown-cmark into a
//! small tree. Nothing else becomes markup: raw HTML and images stay text,
//! other links only their text. The tree is rendered by the same Leptos view
//! on the server and in the browser, so hydration matches; the stored text
//! stays what the user typed.

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

use crate::mentions::{Piece, pieces};

/// A block of a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    Paragraph(Vec<Inline>),
    /// A fenced or indented code block, verbatim.
    Code(String),
    Quote(Vec<Block>),
}

/// A run of text inside a block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inline {
    Text(String),
    /// `@name` of a resolved mention, as typed.
    Mention(String),
    Strong(Vec<Inline>),
    Emphasis(Vec<Inline>),
    Code(String),
    /// An `http(s)` link (its target is always one of those schemes).
    Link {
        href: String,
        children: Vec<Inline>,
    },
    Break,
}

/// Parses `text` into blocks, highlighting the resolved `mentions`.
pub fn parse(text: &str, mentions: &[String]) -> Vec<Block> {
    let mut builder = Builder::new(mentions);
    for event in Parser::new_ext(text, Options::empty()) {
        builder.event(event);
    }
    builder.finish()
}

/// The first `http(s)` link of `text` as it renders (a URL in code is not a
/// link): what a link preview is made of.
pub fn first_link(text: &str) -> Option<String> {
    fn in_inlines(inlines: &[Inline]) -> Option<String> {
        inlines.iter().find_map(|inline| match inline {
            Inline::Link { href, .. } => Some(href.clone()),
            Inline::Strong(inner) | Inline::Emphasis(inner) => in_inlines(inner),
            _ => None,
        })
    }
    fn in_blocks(blocks: &[Block]) -> Option<String> {
        blocks.iter().find_map(|block| match block {
            Block::Paragraph(inlines) => in_inlines(inlines),
            Block::Quote(inner) => in_blocks(inner),
            Block::Code(_) => None,
        })
    }
    in_blocks(&parse(text, &[]))
}

/// An open container while the parser's events arrive.
enum Open {
    Quote(Vec<Block>),
    Paragraph(Vec<Inline>),
    Code(String),
    Strong(Vec<Inline>),
    Emphasis(Vec<Inline>),
    Link(String, Vec<Inline>),
    /// Markup that is not kept: its inlines go to the container around it.
    Transparent,
}

struct Builder<'m> {
    mentions: &'m [String],
    blocks: Vec<Block>,
    stack: Vec<Open>,
}

impl<'m> Builder<'m> {
    fn new(mentions: &'m [String]) -> Self {
        Self { mentions, blocks: Vec::new(), stack: Vec::new() }
    }

    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(text) => self.text(&text),
            Event::Code(code) => self.inline(Inline::Code(code.into_string())),
            Event::Html(html) | Event::InlineHtml(html) => self.plain(&html),
            Event::SoftBreak | Event::HardBreak => self.inline(Inline::Break),
            Event::Rule => self.block(Block::Paragraph(vec![Inline::Text("———".into())])),
            _ => {}
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        let open = match tag {
            Tag::Paragraph | Tag::Heading { .. } | Tag::Item => {
                // A list item reads as a line of its own.
                let mut inlines = Vec::new();
                if matches!(tag, Tag::Item) {
                    inlines.push(Inline::Text("• ".into()));
                }
                Open::Paragraph(inlines)
            }
            Tag::BlockQuote(_) => Open::Quote(Vec::new()),
            Tag::CodeBlock(CodeBlockKind::Fenced(_) | CodeBlockKind::Indented) => Open::Code(String::new()),
            Tag::Strong => Open::Strong(Vec::new()),
            Tag::Emphasis => Open::Emphasis(Vec::new()),
            Tag::Link { dest_url, .. } if is_web_url(&dest_url) => Open::Link(dest_url.into_string(), Vec::new()),
            _ => Open::Transparent,
        };
        self.stack.push(open);
    }

    fn end(&mut self, _tag: TagEnd) {
        let Some(open) = self.stack.pop() else { return };
        match open {
            Open::Quote(blocks) => self.block(Block::Quote(blocks)),
            Open::Paragraph(inlines) => {
                // An item's paragraph inside an item: flatten into the item's line.
                if let Some(Open::Paragraph(outer)) = self.stack.last_mut() {
                    outer.extend(inlines);
                } else {
                    self.block(Block::Paragraph(inlines));
                }
            }
            Open::Code(code) => self.block(Block::Code(code.trim_end_matches('\n').to_owned())),
            Open::Strong(inlines) => self.inline(Inline::Strong(inlines)),
            Open::Emphasis(inlines) => self.inline(Inline::Emphasis(inlines)),
            Open::Link(href, children) => self.link(href, children),
            Open::Transparent => {}
        }
    }

    /// Text: verbatim inside code; elsewhere with bare URLs and mentions picked out.
    fn text(&mut self, text: &str) {
        if let Some(Open::Code(code)) = self.stack.last_mut() {
            code.push_str(text);
            return;
        }
        let in_link = self.stack.iter().any(|open| matches!(open, Open::Link(..)));
        for piece in pieces(text, self.mentions) {
            match piece {
                Piece::Mention(name) => self.inline(Inline::Mention(name.to_owned())),
                Piece::Text(text) if in_link => self.inline(Inline::Text(text.to_owned())),
                Piece::Text(text) => {
                    for (chunk, is_url) in split_urls(text) {
                        if is_url {
                            let href = chunk.to_owned();
                            self.inline(Inline::Link { href, children: vec![Inline::Text(chunk.to_owned())] });
                        } else {
                            self.inline(Inline::Text(chunk.to_owned()));
                        }
                    }
                }
            }
        }
    }

    /// Markup that is not allowed, kept as the text it is.
    /// A link whose text is an address must go there: one whose text names
    /// another host (`[https://bank.example](https://evil.example)`) becomes
    /// that text, plainly, with the real host linked beside it.
    fn link(&mut self, href: String, children: Vec<Inline>) {
        let label: String = children.iter().map(inline_text).collect();
        let claimed = address_host(label.trim());
        let real = host_of(&href);
        match (claimed, real) {
            (Some(claimed), Some(real)) if !same_host(&claimed, &real) => {
                self.inline(Inline::Text(format!("{label} (")));
                self.inline(Inline::Link { href, children: vec![Inline::Text(real)] });
                self.inline(Inline::Text(")".into()));
            }
            _ => self.inline(Inline::Link { href, children }),
        }
    }

    fn plain(&mut self, text: &str) {
        if let Some(Open::Code(code)) = self.stack.last_mut() {
            code.push_str(text);
        } else {
            self.inline(Inline::Text(text.to_owned()));
        }
    }

    fn inline(&mut self, inline: Inline) {
        for open in self.stack.iter_mut().rev() {
            match open {
                Open::Paragraph(inlines) | Open::Strong(inlines) | Open::Emphasis(inlines) | Open::Link(_, inlines) => {
                    // Adjacent text is one run (one text node on the page).
                    match (inlines.last_mut(), inline) {
                        (Some(Inline::Text(last)), Inline::Text(more)) => last.push_str(&more),
                        (_, inline) => inlines.push(inline),
                    }
                    return;
                }
                Open::Code(code) => {
                    code.push_str(&inline_text(&inline));
                    return;
                }
                Open::Quote(_) | Open::Transparent => {}
            }
        }
        // Inline content outside any paragraph (e.g. in a bare list item).
        self.block(Block::Paragraph(vec![inline]));
    }

    fn block(&mut self, block: Block) {
        for open in self.stack.iter_mut().rev() {
            match open {
                Open::Quote(blocks) => {
                    blocks.push(block);
                    return;
                }
                Open::Transparent => {}
                // Blocks never nest in inlines; the parser closes those first.
                _ => {}
            }
        }
        self.blocks.push(block);
    }

    fn finish(mut self) -> Vec<Block> {
        while !self.stack.is_empty() {
            self.end(TagEnd::Paragraph);
        }
        self.blocks
    }
}

fn inline_text(inline: &Inline) -> String {
    match inline {
        Inline::Text(text) | Inline::Mention(text) | Inline::Code(text) => text.clone(),
        Inline::Strong(children) | Inline::Emphasis(children) | Inline::Link { children, .. } => {
            children.iter().map(inline_text).collect()
        }
        Inline::Break => "\n".into(),
    }
}

/// The host of an `http(s)` URL (lowercased; without user info or port).
fn host_of(url: &str) -> Option<String> {
    let lower = url.to_ascii_lowercase();
    let rest = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://"))?;
    host_part(rest)
}

/// The host that a link's text names, when the text reads as an address: a
/// URL (`https://bank.example/login`) or a domain (`bank.example`,
/// `www.bank.example/login`). `None` for any other text.
fn address_host(text: &str) -> Option<String> {
    if is_web_url(text) {
        return host_of(text);
    }
    let lower = text.to_ascii_lowercase();
    let host = host_part(&lower)?;
    let labels: Vec<&str> = host.split('.').collect();
    let domain_like = labels.len() >= 2
        && labels.iter().all(|label| !label.is_empty() && label.chars().all(|c| c.is_alphanumeric() || c == '-'))
        && labels.last().is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_alphabetic() || c == '-'));
    (domain_like && !text.contains(char::is_whitespace)).then_some(host)
}

/// The host of what follows a URL's scheme: up to the path, query or
/// fragment, after any `user@`, before any port.
fn host_part(rest: &str) -> Option<String> {
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?;
    let host =
        if host.starts_with('[') { host.split(']').next().map(|h| format!("{h}]"))? } else { host.split(':').next()?.to_owned() };
    let host = host.trim_end_matches('.');
    (!host.is_empty()).then(|| host.to_owned())
}

/// Whether two hosts are the same site (`www.` aside).
fn same_host(a: &str, b: &str) -> bool {
    a.trim_start_matches("www.") == b.trim_start_matches("www.")
}

fn is_web_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")) && url.len() > "https://".len() - 1
}

/// Splits text into runs, marking bare `http(s)://` URLs (trailing punctuation
/// is not part of one).
fn split_urls(text: &str) -> Vec<(&str, bool)> {
    let mut runs = Vec::new();
    let mut rest = text;
    while let Some(start) = find_url_start(rest) {
        let end = rest[start..].find(char::is_whitespace).map_or(rest.len(), |e| start + e);
        let url = rest[start..end].trim_end_matches(['.', ',', ';', ':', '!', '?', ')', ']', '\'', '"']);
        if url.len() <= "https://".len() {
            runs.push((&rest[..end], false));
            rest = &rest[end..];
            continue;
        }
        if start > 0 {
            runs.push((&rest[..start], false));
        }
        runs.push((url, true));
        rest = &rest[start + url.len()..];
    }
    if !rest.is_empty() {
        runs.push((rest, false));
    }
    runs
}

fn find_url_start(text: &str) -> Option<usize> {
    let lower = text.to_ascii_lowercase();
    [lower.find("https://"), lower.find("http://")].into_iter().flatten().min()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(t: &str) -> Inline {
        Inline::Text(t.into())
    }

    #[test]
    fn the_first_link_is_found_outside_code() {
        assert_eq!(first_link("see `https://a.example` and **https://b.example/x**"), Some("https://b.example/x".into()));
        assert_eq!(first_link("```\nhttps://c.example\n```\n> [docs](https://d.example/)"), Some("https://d.example/".into()));
        assert_eq!(first_link("no links, ftp://e.example"), None);
    }

    #[test]
    fn the_allowed_markup_becomes_a_tree() {
        assert_eq!(
            parse("**bold** and *it* with `code`", &[]),
            [Block::Paragraph(vec![
                Inline::Strong(vec![text("bold")]),
                text(" and "),
                Inline::Emphasis(vec![text("it")]),
                text(" with "),
                Inline::Code("code".into()),
            ])]
        );
        assert_eq!(parse("```\nfn main() {}\n```", &[]), [Block::Code("fn main() {}".into())]);
        assert_eq!(parse("> quoted", &[]), [Block::Quote(vec![Block::Paragraph(vec![text("quoted")])])]);
    }

    #[test]
    fn bare_urls_link_and_other_schemes_do_not() {
        let blocks = parse("see https://example.org/a?b=1.", &[]);
        let [Block::Paragraph(inlines)] = blocks.as_slice() else { panic!("{blocks:?}") };
        assert_eq!(
            inlines,
            &[
                text("see "),
                Inline::Link { href: "https://example.org/a?b=1".into(), children: vec![text("https://example.org/a?b=1")] },
                text("."),
            ]
        );
        let blocks = parse("[x](javascript:alert(1))", &[]);
        let [Block::Paragraph(inlines)] = blocks.as_slice() else { panic!("{blocks:?}") };
        assert_eq!(inlines, &[text("x")], "only the text of a link elsewhere");
    }

    #[test]
    fn a_link_whose_text_is_an_address_goes_there_or_shows_where_it_goes() {
        let link = |href: &str, label: &str| Inline::Link { href: href.into(), children: vec![text(label)] };
        let inlines = |raw: &str| match parse(raw, &[]).as_slice() {
            [Block::Paragraph(inlines)] => inlines.clone(),
            other => panic!("{other:?}"),
        };
        // Text that names another host: the text, and the real host linked beside it.
        for raw in [
            "[https://bank.example](https://evil.example)",
            "[https://bank.example/login](https://evil.example/login)",
            "[bank.example](https://evil.example)",
            "[https://bank.example](https://bank.example@evil.example/)",
            "[BANK.example](https://evil.example:8443/x)",
        ] {
            let got = inlines(raw);
            let label = raw[1..raw.find(']').unwrap()].to_owned();
            let href = raw[raw.find("](").unwrap() + 2..raw.len() - 1].to_owned();
            assert_eq!(got, [text(&format!("{label} (")), link(&href, "evil.example"), text(")")], "{raw}");
        }
        // Text that names the same host, or no host at all, stays the link.
        assert_eq!(
            inlines("[https://Example.org/a](https://example.org/b)"),
            [link("https://example.org/b", "https://Example.org/a")]
        );
        assert_eq!(inlines("[www.example.org](https://example.org/)"), [link("https://example.org/", "www.example.org")]);
        assert_eq!(inlines("[the docs](https://evil.example)"), [link("https://evil.example", "the docs")]);
        assert_eq!(inlines("[version 1.2](https://example.org/v1.2)"), [link("https://example.org/v1.2", "version 1.2")]);
        assert_eq!(host_of("https://bank.example@evil.example:80/x?y#z").as_deref(), Some("evil.example"));
        assert_eq!(address_host("e.g."), None);
        assert_eq!(address_host("1.2"), None, "a number is not a domain");
    }

    #[test]
    fn html_and_images_stay_text_and_mentions_are_picked_out() {
        let blocks = parse("<b>hi</b> ![alt](https://x/y.png) @bob", &["bob".into()]);
        let [Block::Paragraph(inlines)] = blocks.as_slice() else { panic!("{blocks:?}") };
        let plain: String = inlines.iter().map(inline_text).collect();
        assert_eq!(plain, "<b>hi</b> alt @bob");
        assert!(inlines.contains(&Inline::Mention("@bob".into())));
        assert!(!inlines.iter().any(|i| matches!(i, Inline::Link { .. })));
    }
}
