//! A room header's button that opens a panel whose code is fetched on first
//! use (a `#[lazy]` function, cargo-leptos `--split`): the page's first load
//! carries the button, not the panel. The fetch starts as the pointer comes
//! over the button or it gets the focus, so that a click seldom waits; the
//! service worker keeps every chunk for the installed app offline. Closed on
//! the server, so the server's HTML and the hydrated island agree.

use std::future::Future;

use leptos::prelude::*;

use crate::i18n::t;

#[component]
pub fn LazyPanel<Load, Loading>(
    /// The class of the button and panel's box.
    class: &'static str,
    /// The button's id.
    button_id: &'static str,
    /// The button's text.
    #[prop(into)]
    label: String,
    /// The panel: the lazily loaded function's call.
    panel: Load,
    /// Fetches the panel's code without running it (`lazy_preload!`).
    preload: fn(),
) -> impl IntoView
where
    Load: Fn() -> Loading + Copy + Send + Sync + 'static,
    Loading: Future<Output = AnyView> + Send + 'static,
{
    let open = RwSignal::new(false);
    let asked = StoredValue::new(false);
    let preload_once = move || {
        if !asked.get_value() {
            asked.set_value(true);
            preload();
        }
    };
    view! {
        <div class=class>
            <button
                type="button"
                id=button_id
                class="link-button"
                aria-expanded=move || open.get().to_string()
                on:pointerenter=move |_| preload_once()
                on:focus=move |_| preload_once()
                on:click=move |_| open.update(|o| *o = !*o)
            >
                {label}
            </button>
            <Show when=move || open.get()>
                <Suspense fallback=|| view! { <p class="hint" role="status">{t("panel-loading")}</p> }>
                    {move || Suspend::new(panel())}
                </Suspense>
            </Show>
        </div>
    }
}
