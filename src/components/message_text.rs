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
    view! { <div class="text">{blocks.into_iter().map(block).collect_view()}</div> }
}

fn block(block: Block) -> AnyView {
    match block {
        Block::Paragraph(inlines) => view! { <p>{inlines.into_iter().map(inline).collect_view()}</p> }.into_any(),
        Block::Code(code) => view! { <pre><code>{code}</code></pre> }.into_any(),
        Block::Quote(blocks) => view! { <blockquote>{blocks.into_iter().map(self::block).collect_view()}</blockquote> }.into_any(),
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

/// The HTML a message's text renders to (server side), for checking that no
/// input can produce markup outside the allowed set.
#[cfg(feature = "ssr")]
pub fn render_html(text: &str, mentions: &[String]) -> String {
    let owner = Owner::new();
    owner.with(|| view! { <MessageText text=text.to_owned() mentions=mentions.to_vec() /> }.to_html())
}
