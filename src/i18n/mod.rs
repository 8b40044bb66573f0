//! Every text a person reads, from message catalogs (Fluent files under
//! `locales/`, one folder per locale; `docs/translating.md`). The server
//! compiles them at start-up (`catalog`) into [`Text`]s that one formatter
//! shared by the server and the browser fills in (`text`, with CLDR plural
//! categories from `plural`). A request's locale is the account's setting,
//! else the browser's `Accept-Language`, else `--default-locale` (`locale`,
//! `server::http::locale`). A page carries, for its islands, the messages of
//! the `client.ftl` files in its reader's locale only, so that the browser
//! formats exactly what the server rendered; everything else (pages, mails,
//! pushes, API errors) is formatted on the server.
//!
//! In components: `t("composer-send")`, `t_args("unread-count", &[("count", n.into())])`.

#[cfg(feature = "ssr")]
pub mod catalog;
mod locale;
mod plural;
mod text;

use std::{collections::HashMap, sync::Arc};

use serde::{Deserialize, Serialize};

pub use locale::Locale;
pub use plural::PluralCategory;
pub use text::{Arg, Piece, Text};

/// The id of the page's element that carries its islands' messages (JSON).
pub const TEXTS_ELEMENT: &str = "parlorTexts";

/// A locale's messages: on the server every message, in the browser the
/// islands' (`client.ftl`).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Texts {
    pub locale: Locale,
    pub messages: Arc<HashMap<String, Text>>,
}

impl Texts {
    /// The message `key` with `args` put in; the key itself, bracketed, when
    /// the catalog lacks it (the catalogs' test keeps that from shipping).
    pub fn format(&self, key: &str, args: &[(&str, Arg<'_>)]) -> String {
        match self.messages.get(key) {
            Some(text) => text.format(self.locale, args),
            None => format!("⟦{key}⟧"),
        }
    }
}

/// The reader's messages: on the server the request's (provided as a context
/// by the page handlers), in the browser the page's.
pub fn texts() -> Texts {
    #[cfg(feature = "ssr")]
    {
        leptos::prelude::use_context::<Texts>().unwrap_or_else(|| catalog::Catalog::global().texts(Locale::default()))
    }
    #[cfg(not(feature = "ssr"))]
    {
        page_texts()
    }
}

/// The reader's locale (see [`texts`]).
pub fn locale() -> Locale {
    texts().locale
}

/// The message `key` in the reader's locale.
pub fn t(key: &str) -> String {
    texts().format(key, &[])
}

/// The message `key` in the reader's locale, with `args` put in.
pub fn t_args(key: &str, args: &[(&str, Arg<'_>)]) -> String {
    texts().format(key, args)
}

/// The messages the page carries for its islands, read once.
#[cfg(not(feature = "ssr"))]
fn page_texts() -> Texts {
    use std::sync::OnceLock;
    static PAGE: OnceLock<Texts> = OnceLock::new();
    PAGE.get_or_init(|| {
        #[cfg(feature = "hydrate")]
        {
            leptos::prelude::document()
                .get_element_by_id(TEXTS_ELEMENT)
                .and_then(|element| element.text_content())
                .and_then(|json| serde_json::from_str(&json).ok())
                .unwrap_or_default()
        }
        #[cfg(not(feature = "hydrate"))]
        {
            Texts::default()
        }
    })
    .clone()
}
