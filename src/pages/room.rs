//! `/room/{room}/`: the room page. The server renders the latest messages inside
//! `<div id="messages">`, so a shared link shows history without JavaScript; in
//! the browser the page hydrates and opens the room's socket for live messages.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::{components::Redirect, hooks::use_params_map};

use crate::{
    api::load_history,
    chat::{ConnectionState, RoomState},
    client::RoomConnection,
    components::{composer::Composer, connection_status::ConnectionStatus, message_list::MessageList},
    error::AppError,
    paths,
    protocol::{HistoryPage, PAGE_SIZE},
};

#[component]
pub fn RoomPage() -> impl IntoView {
    // Read once: a room page belongs to one room (links between rooms load a new
    // page), and plain strings stay valid while the server renders the <head>.
    let room = use_params_map().read_untracked().get("room").unwrap_or_default();
    let history = Resource::new({
        let room = room.clone();
        move || room.clone()
    }, |room| load_history(room, None));
    let login = paths::login_then(&paths::room(&room));
    view! {
        <Title text=format!("#{room} · Parlor") />
        <Meta
            name="description"
            content=format!("Chat room #{room} on Parlor: messages and live conversation.")
        />
        <Suspense fallback=|| view! { <p>"Loading the room…"</p> }>
            {move || {
                let login = login.clone();
                Suspend::new(async move {
                    match history.await {
                        Ok(page) => view! { <ChatRoom page /> }.into_any(),
                        Err(AppError::Unauthorized) => view! { <Redirect path=login /> }.into_any(),
                        Err(err) => view! { <p class="form-error">{err.to_string()}</p> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// A loaded room: history, live messages, composer.
#[component]
fn ChatRoom(page: HistoryPage) -> impl IntoView {
    let has_older = page.messages.len() as u64 == PAGE_SIZE && page.messages.first().is_some_and(|m| m.seq > 1);
    let state = RoomState::new(page.messages, has_older);
    let room = page.room;
    let connection = StoredValue::new(None::<RoomConnection>);

    // Effects run only in the browser: that is where the socket lives, and where
    // it is closed again when the page goes away.
    let socket_room = room.clone();
    Effect::new(move |_| {
        connection.set_value(Some(RoomConnection::open(socket_room.clone(), state)));
        on_cleanup(move || {
            if let Some(open) = connection.try_update_value(Option::take).flatten() {
                open.close();
            }
        });
    });

    let on_send = Callback::new(move |text: String| {
        connection.with_value(|open| {
            if let Some(open) = open {
                open.send(text);
            }
        });
    });
    let older_room = room.clone();
    let load_older = Action::new(move |before: &i64| {
        let (room, before) = (older_room.clone(), *before);
        async move {
            if let Ok(older) = load_history(room, Some(before)).await {
                state.has_older.set(older.messages.len() as u64 == PAGE_SIZE);
                state.messages.update(|m| crate::chat::prepend(m, older.messages));
            }
        }
    });
    view! {
        <section class="room">
            <div class="room-header">
                <h1>"#"{room.clone()}</h1>
                <ConnectionStatus state=state.connection />
            </div>
            <Show when=move || state.connection.get() == ConnectionState::SignedOut>
                <p class="form-error" role="alert">
                    "Your session has ended. "
                    <a id="loginAgain" href=paths::login_then(&paths::room(&room))>"Log in again"</a>
                </p>
            </Show>
            <Show when=move || state.has_older.get()>
                <button
                    id="loadOlderBtn"
                    class="link-button"
                    disabled=move || load_older.pending().get()
                    on:click=move |_| {
                        let first = state.messages.with_untracked(|m| m.first().map_or(0, |m| m.seq));
                        load_older.dispatch(first);
                    }
                >
                    "Load older messages"
                </button>
            </Show>
            <MessageList state />
            <Composer on_send />
        </section>
    }
}
