//! The site header: Parlor's name, and the logged-in user with search, the
//! administration page for administrators and a log-out button (or links to log
//! in and register); the theme switch and the inline script that runs it.

use leptos::prelude::*;

use crate::{
    api::{am_admin, current_user},
    i18n::t,
};

#[component]
pub fn SiteHeader() -> impl IntoView {
    let user = Resource::new(|| (), |()| current_user());
    let admin = Resource::new(|| (), |()| am_admin());
    view! {
        <header class="site-header">
            <a class="brand" href="/">"Parlor"</a>
            <ThemeSwitch />
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let is_admin = admin.await.unwrap_or(false);
                    match user.await {
                        Ok(Some(name)) => view! {
                            <a id="searchLink" class="search-link" href="/search/">{t("header-search")}</a>
                            {is_admin.then(|| view! { <a id="adminLink" class="search-link" href="/admin">{t("header-admin")}</a> })}
                            <a id="settingsLink" class="search-link" href=crate::paths::SETTINGS>{t("header-settings")}</a>
                            <form class="session" method="post" action="/api/logout">
                                <span class="whoami">{t("header-signed-in-as")}" " <strong id="currentUser">{name}</strong></span>
                                <button type="submit" id="logoutBtn" class="link-button">{t("header-log-out")}</button>
                            </form>
                        }.into_any(),
                        _ => view! {
                            <nav class="session">
                                <a href="/login">{t("header-log-in")}</a>
                                <a href="/register">{t("header-register")}</a>
                            </nav>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </header>
    }
}

/// Light, dark, or as the system says (the default). The select is plain
/// HTML: [`ThemeScript`] applies, shows and keeps the choice, so it works
/// before (and without) the bundle.
#[component]
fn ThemeSwitch() -> impl IntoView {
    view! {
        <label class="visually-hidden" for="themeSwitch">{t("theme-label")}</label>
        <select id="themeSwitch" class="theme-switch" title=t("theme-label")>
            <option value="auto">{t("theme-system")}</option>
            <option value="light">{t("theme-light")}</option>
            <option value="dark">{t("theme-dark")}</option>
        </select>
    }
}

/// The inline script (in the page's `<head>`) that applies the saved theme
/// before the first paint and handles [`ThemeSwitch`].
#[component]
pub fn ThemeScript() -> impl IntoView {
    let nonce = leptos::nonce::use_nonce();
    view! { <script nonce=nonce inner_html=include_str!("theme.js")></script> }
}
