//! The reader's locale for a page or a server function: the language the
//! logged-in account chose in its settings, else the browser's
//! `Accept-Language` (quality values honoured, `es-MX` as `es`), else
//! `--default-locale`. Provided to the page's components as their
//! [`Texts`](crate::i18n::Texts).

use axum::http::{HeaderMap, header, request::Parts};
use leptos::prelude::{provide_context, use_context};

use crate::{
    i18n::{Locale, catalog::Catalog},
    server::accounts::auth::AuthSession,
};

/// The first language of the browser's `Accept-Language` that Parlor speaks.
pub fn asked(headers: &HeaderMap) -> Option<Locale> {
    headers.get_all(header::ACCEPT_LANGUAGE).iter().filter_map(|value| value.to_str().ok()).find_map(Locale::from_accept_language)
}

/// The language an account chose, if it chose one Parlor (still) speaks.
pub fn chosen(user: &crate::entity::user::Model) -> Option<Locale> {
    user.locale.as_deref().and_then(|tag| tag.parse().ok())
}

/// The locale of a request: its account's choice, its browser's, the default.
pub fn of_request(parts: &Parts, default: Locale) -> Locale {
    let account =
        parts.extensions.get::<AuthSession>().and_then(|session| session.user.as_ref()).and_then(|user| chosen(&user.0));
    account.or_else(|| asked(&parts.headers)).unwrap_or(default)
}

/// Gives the page or server function being run its reader's messages (from
/// the request leptos_axum provides).
pub fn provide_texts(default: Locale) {
    let locale = use_context::<Parts>().map_or(default, |parts| of_request(&parts, default));
    provide_context(Catalog::global().texts(locale));
}
