//! A small badge saying whether the room is live.

use leptos::prelude::*;

use crate::{chat::ConnectionState, i18n::t};

#[component]
pub fn ConnectionStatus(state: RwSignal<ConnectionState>) -> impl IntoView {
    view! {
        <span
            id="connectionState"
            class=move || format!("connection {}", state.get().label())
            data-state=move || state.get().label()
            role="status"
        >
            {move || t(&format!("connection-{}", state.get().label().replace(' ', "-")))}
        </span>
    }
}
