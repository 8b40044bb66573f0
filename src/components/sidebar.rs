//! The room page's sidebar (`#roomSidebar`): the reader's rooms and direct
//! messages with their badges, the public rooms with activity (loaded once the
//! page is in the browser, so the server renders the page without them), the
//! "Threads" view with the unread replies of the threads they follow, and
//! links to create a room, message a person and search. On a phone it is a
//! drawer, opened from the room header.

use leptos::{prelude::*, task::spawn_local};

use crate::i18n::t;
use crate::{
    api::{RoomListing, active_rooms},
    components::my_rooms::MyRoomsList,
    paths,
    room_counts::MyRooms,
};

/// Public rooms listed in the sidebar.
const PUBLIC_SHOWN: usize = 8;

#[component]
pub fn RoomSidebar(
    rooms: MyRooms,
    current: String,
    /// Whether the drawer is open (phones); its close button sets it false.
    drawer: RwSignal<bool>,
) -> impl IntoView {
    let public = RwSignal::new(Vec::<RoomListing>::new());
    // In the browser only.
    Effect::new(move |_| {
        spawn_local(async move {
            if let Ok(listed) = active_rooms().await {
                public.set(listed.into_iter().take(PUBLIC_SHOWN).collect());
            }
        });
    });
    view! {
        <aside id="roomSidebar" class="sidebar" aria-label=t("sidebar-label")>
            <button type="button" id="drawerClose" class="drawer-close link-button" aria-controls="roomSidebar" on:click=move |_| drawer.set(false)>
                {t("sidebar-close")}
            </button>
            <a id="threadsLink" class="threads-link" href=paths::THREADS>
                {t("sidebar-threads")}
                {move || {
                    let unread = rooms.thread_unread();
                    (unread > 0).then(|| view! { <span class="badge" aria-label=format!("{unread} unread replies")>{unread}</span> })
                }}
            </a>
            <MyRoomsList rooms current=current.clone() />
            <Show when=move || public.with(|p| !p.is_empty())>
                <nav class="public-rooms" aria-labelledby="publicRoomsTitle">
                    <h2 id="publicRoomsTitle">{t("sidebar-public-rooms")}</h2>
                    <ul>
                        <For each=move || public.get() key=|r| r.name.clone() let:listing>
                            <li class="my-room"><a href=paths::room(&listing.name) rel="external">"#"{listing.name.clone()}</a></li>
                        </For>
                    </ul>
                </nav>
            </Show>
            <nav class="sidebar-links" aria-label=t("sidebar-more")>
                <a class="phone-only" href="/">{t("sidebar-lobby")}</a>
                <a id="newRoomLink" href="/#newPrivateRoomForm">{t("sidebar-new-room")}</a>
                <a href="/search/">{t("sidebar-search")}</a>
                <a href=crate::paths::SETTINGS>{t("sidebar-settings")}</a>
            </nav>
        </aside>
    }
}
