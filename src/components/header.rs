//! The site header: Parlor's name, and the logged-in user with a log-out button
//! (or links to log in and register).

use leptos::prelude::*;

use crate::api::current_user;

#[component]
pub fn SiteHeader() -> impl IntoView {
    let user = Resource::new(|| (), |()| current_user());
    view! {
        <header class="site-header">
            <a class="brand" href="/">"Parlor"</a>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match user.await {
                        Ok(Some(name)) => view! {
                            <a id="searchLink" class="search-link" href="/search/">"Search"</a>
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
