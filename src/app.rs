//! `<App/>`: the HTML shell, the stylesheet and the router with Parlor's pages,
//! all rendered on the server only; the loader that hydrates the page's islands.

use leptos::prelude::*;
use leptos_meta::{Meta, MetaTags, Title, provide_meta_context};
use leptos_router::{
    SsrMode,
    components::{Route, Router, Routes},
    path,
};

use crate::{
    components::header::{SiteHeader, ThemeScript},
    pages::{
        admin::AdminPage,
        entry::{ForgotPage, ResetPage, WelcomePage},
        lobby::LobbyPage,
        login::LoginPage,
        register::RegisterPage,
        room::RoomPage,
        search::SearchPage,
        settings::SettingsPage,
        threads::ThreadsPage,
    },
    paths,
};

/// Loads the bundle once the page has loaded and hydrates its islands
/// (`src/loader.js`), then tells the bundle they are all in place. The bundle is fetched
/// after the first paint, not beside it, so the page's own content is on
/// screen without waiting for it; a page without islands still loads it for
/// its local times.
#[component]
fn Hydration(options: LeptosOptions) -> impl IntoView {
    let nonce = leptos::nonce::use_nonce();
    let bundle = format!("/{}/{}", options.site_pkg_dir, options.output_name);
    // The same for every page of a process: made once.
    static LOADER: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let loader = LOADER
        .get_or_init(|| {
            let code: Vec<&str> = include_str!("loader.js").lines().filter(|line| !line.starts_with("//")).collect();
            code.join("\n").replace("BUNDLE", &bundle)
        })
        .as_str();
    view! { <script type="module" nonce=nonce>{loader}</script> }
}

/// The document around every page (rendered on the server only, which sets
/// the page's CSP with its nonce first).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    // Islands mode: nothing outside an island is hydrated, so the page's
    // resources are not serialized into it (each island gets its props).
    // Leptos' own `HydrationScripts` says this; our loader replaces it.
    if let Some(context) = Owner::current_shared_context() {
        context.set_is_hydrating(false);
    }
    let locale = crate::i18n::locale();
    view! {
        <!DOCTYPE html>
        <html lang=locale.tag()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1, interactive-widget=resizes-content" />
                <meta name="theme-color" content="#3b5bdb" />
                <link rel="manifest" href="/manifest.webmanifest" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <link rel="apple-touch-icon" href="/icon-192.png" />
                <ThemeScript />
                <link rel="stylesheet" id="leptos" href=paths::bundle("/pkg/parlor.css") />
                <script src=paths::bundle("/register-sw.js") defer></script>
                // The bundle's JavaScript imports the chunks' loader: fetched beside it, not after.
                {paths::bundle_chunk_loader().map(|href| view! { <link rel="modulepreload" href=href /> })}
                <AutoReload options=options.clone() />
                <Hydration options />
                <MetaTags />
            </head>
            <body>
                <App />
                <IslandTexts />
            </body>
        </html>
    }
}

/// The messages the page's islands show, in the reader's locale (a JSON data
/// block: not run, so outside the scripts' policy), read by the browser's
/// [`crate::i18n::texts`].
#[component]
fn IslandTexts() -> impl IntoView {
    #[cfg(feature = "ssr")]
    let json = {
        let texts = crate::i18n::catalog::Catalog::global().client_texts(crate::i18n::locale());
        // `<` only ever appears inside the JSON's strings: escaped, no `</script>` can end the block.
        serde_json::to_string(&texts).unwrap_or_default().replace('<', "\\u003c")
    };
    #[cfg(not(feature = "ssr"))]
    let json = String::new();
    view! { <script type="application/json" id=crate::i18n::TEXTS_ELEMENT inner_html=json></script> }
}

/// The application: header and routes. Pages render fully on the server
/// (`SsrMode::Async`) so that shared links work without JavaScript.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title text="Parlor" />
        <Router>
            <SiteHeader />
            <main class="page">
                <Routes fallback=|| view! { <NotFound /> }>
                    <Route path=path!("/") view=LobbyPage ssr=SsrMode::Async />
                    <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async />
                    <Route path=path!("/register") view=RegisterPage ssr=SsrMode::Async />
                    <Route path=path!("/room/:room/") view=RoomPage ssr=SsrMode::Async />
                    <Route path=path!("/admin") view=AdminPage ssr=SsrMode::Async />
                    <Route path=path!("/search/") view=SearchPage ssr=SsrMode::Async />
                    <Route path=path!("/threads/") view=ThreadsPage ssr=SsrMode::Async />
                    <Route path=path!("/settings") view=SettingsPage ssr=SsrMode::Async />
                    <Route path=path!("/offline") view=OfflinePage />
                    <Route path=path!("/welcome/:code") view=WelcomePage ssr=SsrMode::Async />
                    <Route path=path!("/reset/:token") view=ResetPage ssr=SsrMode::Async />
                    <Route path=path!("/forgot") view=ForgotPage ssr=SsrMode::Async />
                </Routes>
            </main>
        </Router>
    }
}

/// What the service worker shows for a page it has not kept, when there is no network.
#[component]
fn OfflinePage() -> impl IntoView {
    // The service worker keeps every /pkg/ file this page names: the lazily
    // loaded chunks too, so that every panel opens offline.
    let chunks = paths::bundle_chunks().join(" ");
    view! {
        <Title text="Offline · Parlor" />
        <Meta name="parlor-chunks" content=chunks />
        <section class="card">
            <h1>"You are offline"</h1>
            <p>"Rooms you opened on this device before still open, with what they showed. Messages you write there wait in their outbox and are sent when the connection is back."</p>
            <p><a href="/">"Try the lobby again"</a></p>
        </section>
    }
}

/// Shown for any path no page claims, with a 404 status on the server.
#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found · Parlor" />
        <section class="card">
            <h1>"Not found"</h1>
            <p>"There is nothing here. " <a href="/">"Back to the lobby"</a></p>
        </section>
    }
}
