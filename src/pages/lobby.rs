//! `/`: the lobby. The reader's rooms (unread first, with live counts), rooms
//! with activity (public rooms: message count, last activity, newest first), a
//! form to open or create a room by name, one to create a private room and one
//! to message a person.

use leptos::{ev, prelude::*};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    api::{RoomListing, active_rooms, my_rooms},
    client::InboxConnection,
    components::my_rooms::{LiveUnreadTitle, MyRoomsList},
    i18n::{t, t_args},
    local_time::LocalizedTime,
    names::canonical_room,
    paths,
    protocol::{RoomStatus, api::RoomCreated},
    room_counts::{MyRooms, titled},
};

#[component]
pub fn LobbyPage() -> impl IntoView {
    let rooms = Resource::new(|| (), |()| active_rooms());
    let mine = Resource::new(|| (), |()| my_rooms(true));
    // Without JavaScript a bad name comes back from `/open` as `?room=…&error`.
    let query = use_query_map();
    let typed = query.read_untracked().get("room").unwrap_or_default();
    let problem = query.read_untracked().get("error").map(|_| canonical_room(&typed).err().unwrap_or("").to_owned());
    view! {
        <Title text=lobby_title() />
        <section class="card">
            <h1>{t("lobby-heading")}</h1>
            <OpenRoomForm typed problem />
        </section>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                // Anonymous visitors have no rooms of their own.
                mine.await.ok().map(|rooms| {
                    let title = titled(rooms.iter().map(|r| r.unread).sum(), &lobby_title());
                    view! {
                        <Title text=title />
                        <YourRooms rooms />
                    }
                })
            })}
        </Suspense>
        <section class="card">
            <h2>{t("lobby-active")}</h2>
            <Suspense fallback=|| view! { <p>{t("lobby-loading")}</p> }>
                {move || Suspend::new(async move {
                    match rooms.await {
                        Ok(list) if list.is_empty() => {
                            view! { <p class="empty">{t("lobby-empty")}</p> }.into_any()
                        }
                        Ok(list) => view! { <RoomTable rooms=list /> }.into_any(),
                        Err(err) => view! { <p class="form-error">{err.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// The lobby's tab title (after the unread total, if any).
fn lobby_title() -> String {
    t("lobby-title")
}

/// The reader's rooms, live, and the tab title with their unread total: an
/// island, with the forms that create rooms.
#[island]
fn YourRooms(rooms: Vec<RoomStatus>) -> impl IntoView {
    let rooms = MyRooms::new(rooms);
    let inbox = StoredValue::new(None::<InboxConnection>);
    // In the browser only: the inbox keeps the counts live.
    Effect::new(move |_| {
        inbox.set_value(Some(InboxConnection::open(rooms, String::new())));
        on_cleanup(move || {
            if let Some(open) = inbox.try_update_value(Option::take).flatten() {
                open.close();
            }
        });
    });
    view! {
        <LiveUnreadTitle rooms title=lobby_title() />
        <section class="card">
            <MyRoomsList rooms previews=true />
            <div class="room-forms">
                <NewPrivateRoomForm />
                <DirectMessageForm />
            </div>
        </section>
    }
}

/// "New private room": a title; the room gets a random name and the browser goes there.
#[component]
fn NewPrivateRoomForm() -> impl IntoView {
    let title = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let on_submit = move |ev: ev::SubmitEvent| {
        ev.prevent_default();
        let typed = title.get_untracked();
        leptos::task::spawn_local(async move {
            let fields = [("name", typed.as_str()), ("private", "true")];
            match crate::client::http::post_form_json::<RoomCreated>(paths::ROOMS, &fields).await {
                Ok(created) => drop(window().location().set_href(&created.url)),
                Err(why) => problem.set(Some(why)),
            }
        });
    };
    view! {
        <form id="newPrivateRoomForm" class="open-room" on:submit=on_submit>
            <label for="privateRoomTitle">{t("lobby-private-room")}</label>
            <input id="privateRoomTitle" placeholder=t("lobby-private-room-example") autocomplete="off" bind:value=title />
            <button type="submit" id="createPrivateRoomBtn">{t("lobby-create")}</button>
            {move || problem.get().map(|why| view! { <p class="form-error" role="alert">{why}</p> })}
        </form>
    }
}

/// "Message a person": opens the direct conversation with a username (a
/// plain same-origin form post, so it works without JavaScript too).
#[component]
fn DirectMessageForm() -> impl IntoView {
    view! {
        <form id="directMessageForm" class="open-room" method="post" action=paths::DIRECT_FORM>
            <label for="directUsername">{t("lobby-direct")}</label>
            <input id="directUsername" name="username" placeholder=t("members-add-placeholder") autocomplete="off" required />
            <button type="submit" id="directMessageBtn">{t("lobby-direct-send")}</button>
        </form>
    }
}

#[component]
fn RoomTable(rooms: Vec<RoomListing>) -> impl IntoView {
    view! {
        <ul id="rooms" class="room-list">
            {rooms
                .into_iter()
                .map(|room| {
                    let href = paths::room(&room.name);
                    let key = room.name.clone();
                    view! {
                        <li class="room" data-room=key>
                            <a href=href rel="external">"#"{room.name}</a>
                            <span class="count">{message_count(room.message_count)}</span>
                            <LocalizedTime at=room.last_activity />
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

fn message_count(count: i64) -> String {
    t_args("lobby-message-count", &[("count", count.into())])
}

/// Without JavaScript the form goes to `/open`, which redirects; with it, the name
/// is checked in place and the browser goes straight to the room. An island;
/// `typed` and `problem` come back from `/open` for a bad name.
#[island]
fn OpenRoomForm(typed: String, problem: Option<String>) -> impl IntoView {
    let typed = RwSignal::new(typed);
    let problem = RwSignal::new(problem);
    let on_submit = move |ev: ev::SubmitEvent| {
        ev.prevent_default();
        match canonical_room(&typed.get_untracked()) {
            Ok(room) => {
                problem.set(None);
                // A full load, so the room page is rendered with its history by the server.
                let _ = window().location().set_href(&paths::room(&room));
            }
            Err(why) => problem.set(Some(why.to_owned())),
        }
    };
    view! {
        <form class="open-room" method="get" action="/open" on:submit=on_submit>
            <label for="roomName">{t("lobby-open-label")}</label>
            <input
                id="roomName"
                name="room"
                placeholder="general"
                autocomplete="off"
                prop:value=move || typed.get()
                on:input=move |ev| typed.set(event_target_value(&ev))
            />
            <button type="submit" id="openRoomBtn">{t("lobby-open")}</button>
            {move || problem.get().map(|why| view! { <p class="form-error" role="alert">{why}</p> })}
        </form>
    }
}
