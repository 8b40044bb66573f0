//! The site header: Parlor's name, and the logged-in user with search, the
//! administration page for administrators and a log-out button (or links to log
//! in and register).

use leptos::prelude::*;

use crate::api::{am_admin, current_user};

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
                            <a id="searchLink" class="search-link" href="/search/">"Search"</a>
                            {is_admin.then(|| view! { <a id="adminLink" class="search-link" href="/admin">"Administration"</a> })}
                            <a id="settingsLink" class="search-link" href="/settings">"Settings"</a>
                            <form class="session" method="post" action="/api/logout">
                                <span class="whoami">"Signed in as " <strong id="currentUser">{name}</strong></span>
                                <button type="submit" id="logoutBtn" class="link-button">"Log out"</button>
                            </form>
                        }.into_any(),
                        _ => view! {
                            <nav class="session">
                                <a href="/login">"Log in"</a>
                                <a href="/register">"Register"</a>
                            </nav>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </header>
    }
}

/// Where the reader's theme choice is kept (per browser).
#[cfg(feature = "hydrate")]
const THEME_KEY: &str = "parlor.theme";

/// Light, dark, or as the system says (the default); remembered in this
/// browser and applied as `data-theme` on the page's root element.
#[component]
fn ThemeSwitch() -> impl IntoView {
    let theme = RwSignal::new("auto".to_owned());
    // In the browser only: read the saved choice, then apply every change.
    Effect::new(move |first: Option<()>| {
        if first.is_none()
            && let Some(saved) = saved_theme()
        {
            theme.set(saved);
        }
        apply_theme(&theme.get());
    });
    view! {
        <label class="visually-hidden" for="themeSwitch">"Theme"</label>
        <select
            id="themeSwitch"
            class="theme-switch"
            title="Theme"
            prop:value=move || theme.get()
            on:change=move |ev| theme.set(event_target_value(&ev))
        >
            <option value="auto">"Theme: system"</option>
            <option value="light">"Theme: light"</option>
            <option value="dark">"Theme: dark"</option>
        </select>
    }
}

#[cfg(feature = "hydrate")]
fn saved_theme() -> Option<String> {
    window().local_storage().ok().flatten()?.get_item(THEME_KEY).ok().flatten()
}

#[cfg(feature = "hydrate")]
fn apply_theme(theme: &str) {
    if let Some(root) = document().document_element() {
        let _ = match theme {
            "light" | "dark" => root.set_attribute("data-theme", theme),
            _ => root.remove_attribute("data-theme"),
        };
    }
    if let Ok(Some(storage)) = window().local_storage() {
        let _ = match theme {
            "light" | "dark" => storage.set_item(THEME_KEY, theme),
            _ => storage.remove_item(THEME_KEY),
        };
    }
}

#[cfg(not(feature = "hydrate"))]
fn saved_theme() -> Option<String> {
    None
}

#[cfg(not(feature = "hydrate"))]
fn apply_theme(_theme: &str) {}
