//! `/room/{room}/`: the room page. The server renders the latest messages inside
//! `<div id="messages">` (with the "New messages" divider) beside the reader's
//! rooms, so a shared link shows history without JavaScript; in the browser the
//! page hydrates and opens the room's socket for live messages, presence and
//! typing, and the inbox for the live counts of the reader's other rooms.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::{components::Redirect, hooks::use_params_map};

use crate::{
    api::{RoomView, load_history, my_rooms, open_room},
    chat::{ConnectionState, RoomState},
    client::{InboxConnection, RoomConnection},
    components::{
        composer::Composer,
        connection_status::ConnectionStatus,
        message_list::MessageList,
        my_rooms::{MyRoomsList, UnreadTitle},
        room_activity::{PresenceList, TypingIndicator},
        room_controls::RoomControls,
    },
    error::AppError,
    paths,
    protocol::PAGE_SIZE,
    rooms::MyRooms,
};

#[component]
pub fn RoomPage() -> impl IntoView {
    // Read once: a room page belongs to one room (links between rooms load a new
    // page), and plain strings stay valid while the server renders the <head>.
    let room = use_params_map().read_untracked().get("room").unwrap_or_default();
    let opened = Resource::new({
        let room = room.clone();
        move || room.clone()
    }, open_room);
    let listed = Resource::new(|| (), |()| my_rooms());
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
                    match (opened.await, listed.await) {
                        (Ok(view), Ok(rooms)) => view! { <ChatRoom view rooms=MyRooms::new(rooms) /> }.into_any(),
                        (Err(AppError::Unauthorized), _) => view! { <Redirect path=login /> }.into_any(),
                        (Err(err), _) | (_, Err(err)) => view! { <p class="form-error">{err.to_string()}</p> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// A loaded room beside the reader's rooms: header (presence, controls),
/// history, live messages, typing, composer.
#[component]
fn ChatRoom(view: RoomView, rooms: MyRooms) -> impl IntoView {
    let RoomView { page, me, last_read_seq, notify } = view;
    let has_older = page.messages.len() as u64 == PAGE_SIZE && page.messages.first().is_some_and(|m| m.seq > 1);
    let state = RoomState::opened(page.messages, has_older, me.clone(), last_read_seq);
    let room = page.room;
    let connection = StoredValue::new(None::<RoomConnection>);
    let inbox = StoredValue::new(None::<InboxConnection>);

    // Effects run only in the browser: that is where the sockets live, and where
    // they are closed again when the page goes away.
    let socket_room = room.clone();
    let inbox_me = me.clone();
    Effect::new(move |_| {
        connection.set_value(Some(RoomConnection::open(socket_room.clone(), state)));
        inbox.set_value(Some(InboxConnection::open(rooms, inbox_me.clone())));
        on_cleanup(move || {
            if let Some(open) = connection.try_update_value(Option::take).flatten() {
                open.close();
            }
            if let Some(open) = inbox.try_update_value(Option::take).flatten() {
                open.close();
            }
        });
    });

    let with_connection = move |act: &dyn Fn(&RoomConnection)| {
        connection.with_value(|open| {
            if let Some(open) = open {
                act(open);
            }
        });
    };
    let on_send = Callback::new(move |text: String| with_connection(&|open| open.send(text.clone())));
    let on_typing = Callback::new(move |()| with_connection(&|open| open.typing()));
    let on_seen = Callback::new(move |seq: i64| with_connection(&|open| open.mark_read(seq)));
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
    let title = format!("#{room} · Parlor");
    let login_again = paths::login_then(&paths::room(&room));
    view! {
        <UnreadTitle rooms title />
        <div class="room-layout">
            <aside class="sidebar">
                <MyRoomsList rooms current=room.clone() />
            </aside>
            <section class="room">
                <div class="room-header">
                    <h1>"#"{room.clone()}</h1>
                    <ConnectionStatus state=state.connection />
                    <PresenceList state />
                    <RoomControls room=room.clone() me=me.clone() notify />
                </div>
                <Show when=move || state.connection.get() == ConnectionState::SignedOut>
                    <p class="form-error" role="alert">
                        "Your session has ended. "
                        <a id="loginAgain" href=login_again.clone()>"Log in again"</a>
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
                <MessageList state on_seen />
                <TypingIndicator state />
                <Composer room=room.clone() me present=state.presence on_send on_typing />
            </section>
        </div>
    }
}
