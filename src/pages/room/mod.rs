//! `/room/{room}/`: the room page. The server renders the latest messages inside
//! `<div id="messages">` (with the "New messages" divider) beside the reader's
//! rooms, so a shared link shows history without JavaScript; in the browser the
//! page hydrates and opens the room's socket for live messages, presence and
//! typing, and the inbox for the live counts of the reader's other rooms.

mod open;

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::{
    components::Redirect,
    hooks::{use_params_map, use_query_map},
};
use open::{Permalink, RoomView, open_room};

use crate::i18n::{t, t_args};
use crate::{
    api::{load_history, load_thread},
    chat::{ConnectionState, RoomState},
    client::{InboxConnection, RoomConnection},
    components::{
        announcer::Announcer,
        composer::Composer,
        connection_status::ConnectionStatus,
        lock_icon::LockIcon,
        message_list::MessageList,
        message_tools::MessageActions,
        my_rooms::LiveUnreadTitle,
        room_activity::{PresenceList, TypingIndicator},
        room_controls::RoomControls,
        room_members::RoomMembers,
        room_topic::RoomTopic,
        room_webhooks::RoomWebhooks,
        shortcuts::Shortcuts,
        sidebar::RoomSidebar,
        thread_panel::{ThreadPanel, ThreadReply},
    },
    error::AppError,
    paths,
    protocol::{
        Attachment, ClientFrame, PAGE_SIZE, RoomKind, RoomStatus,
        events::{command, deletion, edit, preview, reaction, topic},
        room_label,
    },
    room_counts::{MyRooms, titled},
};

#[component]
pub fn RoomPage() -> impl IntoView {
    // Read once: a room page belongs to one room (links between rooms load a new
    // page), and plain strings stay valid while the server renders the <head>.
    let room = use_params_map().read_untracked().get("room").unwrap_or_default();
    let query = use_query_map();
    let at = query.read_untracked().get("at").and_then(|at| at.parse::<i64>().ok());
    let thread = query.read_untracked().get("thread").and_then(|root| root.parse::<i64>().ok());
    let opened = Resource::new(
        {
            let room = room.clone();
            move || (room.clone(), at, thread)
        },
        |(room, at, thread)| open_room(room, at, thread),
    );
    let login = paths::login_then(&paths::room(&room));
    view! {
        <Title text=format!("#{room} · Parlor") />
        <Meta
            name="description"
            content=t_args("room-description", &[("room", room.as_str().into())])
        />
        <Suspense fallback=|| view! { <p>{t("room-loading")}</p> }>
            {move || {
                let login = login.clone();
                Suspend::new(async move {
                    match opened.await {
                        Ok(mut view) => {
                            let rooms = std::mem::take(&mut view.rooms);
                            let title = titled(rooms.iter().map(|r| r.unread).sum(), &page_title(&view));
                            let rows = std::mem::take(&mut view.rows);
                            view! {
                                <Title text=title />
                                <ChatRoom view rooms>
                                    <div id="rows" class="rows" inner_html=rows></div>
                                </ChatRoom>
                            }
                            .into_any()
                        }
                        Err(AppError::Unauthorized) => view! { <Redirect path=login /> }.into_any(),
                        Err(err) => {
                            answer_status(&err);
                            view! { <p id="roomProblem" class="form-error">{err.to_string()}</p> }.into_any()
                        }
                    }
                })
            }}
        </Suspense>
    }
}

/// The page's HTTP status for a room that cannot be shown (404 for a room
/// the reader may not see, exactly as for one that does not exist).
fn answer_status(err: &AppError) {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(err.status());
    }
    #[cfg(not(feature = "ssr"))]
    let _ = err;
}

/// The tab's title for a room: its label, then Parlor's name.
fn page_title(view: &RoomView) -> String {
    let title = view.title.as_deref();
    format!("{} · Parlor", room_label(&view.page.room, view.kind, title, title))
}

/// A loaded room beside the reader's rooms: header (presence, controls),
/// history, live messages, typing, composer. The page's one island: it gets
/// what the server read for the page as its props, and the page's message rows
/// (HTML the server rendered) as its children.
#[island]
fn ChatRoom(view: RoomView, rooms: Vec<RoomStatus>, children: Children) -> impl IntoView {
    let rooms = MyRooms::new(rooms);
    let title = page_title(&view);
    let RoomView {
        page,
        me,
        last_read_seq,
        notify,
        at,
        kind,
        title: room_title,
        manages,
        hooks,
        topic,
        sets_topic,
        seen,
        thread,
        rows: _,
        rooms: _,
    } = view;
    let has_older = page.messages.first().is_some_and(|m| m.seq > 1);
    let state = RoomState::opened(page.messages, has_older, me.clone(), last_read_seq);
    state.moderates.set_value(manages);
    state.topic.set((topic.unwrap_or_default(), 0));
    state.read_by.update(|read_by| seen.into_iter().for_each(|read| crate::seen_by::note(read_by, read)));
    let label = room_label(&page.room, kind, room_title.as_deref(), room_title.as_deref());
    if let Some((seq, Permalink::Message | Permalink::Deleted)) = at {
        state.highlighted.set(Some(seq));
        state.first_unread.set(None);
    }
    let permalink_notice = match at {
        Some((seq, Permalink::Deleted)) => Some(t_args("room-permalink-deleted", &[("seq", seq.to_string().as_str().into())])),
        Some((seq, Permalink::Missing)) => Some(t_args("room-permalink-missing", &[("seq", seq.to_string().as_str().into())])),
        _ => None,
    };
    state.thread.set(thread);
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
    let on_send = Callback::new(move |(text, attachment): (String, Option<Attachment>)| {
        let reply_to = state.replying.get_untracked().map(|parent| parent.seq);
        state.replying.set(None);
        with_connection(&|open| open.send(text.clone(), reply_to, attachment.clone()));
    });
    let actions = MessageActions {
        react: Callback::new(move |(target, emoji): (i64, String)| {
            with_connection(&|open| {
                open.act(|client_id| ClientFrame::Reaction(reaction::Request { target, emoji: emoji.clone(), client_id }))
            });
        }),
        edit: Callback::new(move |(target, text): (i64, String)| {
            with_connection(&|open| {
                open.act(|client_id| ClientFrame::Edit(edit::Request { target, text: text.clone(), client_id }))
            });
        }),
        delete: Callback::new(move |target: i64| {
            with_connection(&|open| open.act(|client_id| ClientFrame::Deletion(deletion::Request { target, client_id })));
        }),
        remove_preview: Callback::new(move |target: i64| {
            with_connection(&|open| {
                open.act(|client_id| ClientFrame::PreviewRemoval(preview::RemovalRequest { target, client_id }))
            });
        }),
        open_thread: Callback::new({
            let room = room.clone();
            move |root: i64| open_thread(room.clone(), root, state)
        }),
    };
    let on_thread_reply = Callback::new(move |reply: ThreadReply| {
        if let Some(root) = state.thread.with_untracked(|open| open.as_ref().map(|open| open.root.seq)) {
            with_connection(&|open| open.send_in_thread(reply.text.clone(), reply.attachment.clone(), root, reply.also_in_room));
        }
    });
    let on_thread_close = Callback::new({
        let room = room.clone();
        move |()| {
            state.thread.set(None);
            show_url(&paths::room(&room));
        }
    });
    // The open thread counts as read while it is on screen.
    Effect::new(move |_| {
        let newest = state
            .thread
            .with(|open| open.as_ref().map(|open| (open.root.seq, open.replies.last().map_or(open.root.seq, |r| r.seq))));
        if let Some((root, seq)) = newest
            && crate::client::page_visible()
        {
            with_connection(&|open| open.mark_thread_read(root, seq));
        }
    });
    let on_edit_last = Callback::new(move |()| state.editing.set(state.last_own_message().map(|m| m.seq)));
    let on_command = Callback::new(move |(command, text): (String, String)| {
        with_connection(&|open| {
            open.act(|client_id| {
                ClientFrame::Command(command::Request { command: command.clone(), text: text.clone(), client_id })
            })
        });
    });
    let on_set_topic = Callback::new(move |topic: String| {
        with_connection(&|open| open.act(|client_id| ClientFrame::Topic(topic::Request { topic: topic.clone(), client_id })));
    });
    let on_typing = Callback::new(move |()| with_connection(&|open| open.typing()));
    let on_seen = Callback::new(move |seq: i64| with_connection(&|open| open.mark_read(seq)));
    // Esc: everything shown counts as read, wherever the list is scrolled.
    let on_mark_read = Callback::new(move |()| {
        if let Some(newest) = state.messages.with_untracked(|m| m.last().map(|m| m.seq)) {
            with_connection(&|open| open.mark_read(newest));
        }
    });
    let drawer = RwSignal::new(false);
    let menu = RwSignal::new(false);
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
    let can_leave = kind != RoomKind::Direct;
    let login_again = paths::login_then(&paths::room(&room));
    view! {
        <LiveUnreadTitle rooms title />
        <div class="room-layout" class:drawer-open=move || drawer.get()>
            <RoomSidebar rooms current=room.clone() drawer />
            <section class="room" aria-labelledby="roomTitle">
                <div class="room-header" class:menu-open=move || menu.get()>
                    <button
                        type="button"
                        id="drawerToggle"
                        class="drawer-toggle"
                        aria-controls="roomSidebar"
                        aria-expanded=move || drawer.get().to_string()
                        on:click=move |_| drawer.update(|open| *open = !*open)
                    >
                        "☰ "{t("room-drawer")}
                    </button>
                    <h1 id="roomTitle">
                        {(kind == RoomKind::Private).then(|| view! { <LockIcon /> " " })}
                        <bdi>{label.clone()}</bdi>
                    </h1>
                    <RoomTopic state sets_topic on_set=on_set_topic />
                    <button
                        type="button"
                        id="roomMenuToggle"
                        class="room-menu-toggle"
                        aria-controls="roomMenu"
                        aria-expanded=move || menu.get().to_string()
                        aria-label=t("room-menu")
                        on:click=move |_| menu.update(|open| *open = !*open)
                    >
                        "⋯"
                    </button>
                    <ConnectionStatus state=state.connection />
                    <PresenceList state />
                    // On a phone the rest waits behind the menu button, so the
                    // conversation keeps the screen; elsewhere it is in the header's line.
                    <div id="roomMenu" class="room-menu">
                        <form class="room-search" method="get" action="/search/" role="search">
                            <input id="roomSearchInput" name="q" type="search" placeholder=t("room-search") aria-label=t("room-search") />
                            <input type="hidden" name="room" value=room.clone() />
                        </form>
                        {(kind == RoomKind::Private).then(|| view! { <RoomMembers room=room.clone() me=me.clone() manages /> })}
                        {hooks.then(|| view! { <RoomWebhooks room=room.clone() /> })}
                        <RoomControls room=room.clone() me=me.clone() notify leave=can_leave />
                        <Shortcuts rooms current=room.clone() on_mark_read />
                        <form class="phone-only" method="post" action="/api/logout">
                            <button type="submit" id="menuLogoutBtn" class="link-button">{t("room-log-out")}</button>
                        </form>
                    </div>
                </div>
                <Show when=move || state.connection.get() == ConnectionState::NoAccess>
                    <p id="accessEnded" class="form-error" role="alert">
                        {t("room-access-ended")}" "
                        <a href="/">{t("room-back-to-lobby")}</a>
                    </p>
                </Show>
                <Show when=move || state.connection.get() == ConnectionState::SignedOut>
                    <p class="form-error" role="alert">
                        {t("room-session-ended")}" "
                        <a id="loginAgain" href=login_again.clone()>{t("room-log-in-again")}</a>
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
                        {t("room-load-older")}
                    </button>
                </Show>
                {permalink_notice.map(|notice| view! { <p id="permalinkNotice" class="notice" role="status">{notice}</p> })}
                {move || state.notice.get().map(|why| view! {
                    <p class="form-error" role="alert">
                        {why}" "<button type="button" class="link-button" on:click=move |_| state.notice.set(None)>{t("room-notice-ok")}</button>
                    </p>
                })}
                <MessageList state room=room.clone() actions on_seen>
                    {children()}
                </MessageList>
                <Announcer state />
                <TypingIndicator state />
                <Composer
                    room=room.clone()
                    me
                    present=state.presence
                    on_send
                    on_typing
                    replying=state.replying
                    on_edit_last
                    on_command
                />
            </section>
            <ThreadPanel state room=room.clone() rooms actions on_reply=on_thread_reply on_close=on_thread_close />
        </div>
    }
}

/// Opens the thread of `root` beside the room: loads it, and shows its URL.
fn open_thread(room: String, root: i64, state: RoomState) {
    leptos::task::spawn_local(async move {
        match load_thread(room.clone(), root).await {
            Ok(open) => {
                state.thread_read.set_value(0);
                state.thread.set(Some(open));
                show_url(&paths::thread(&room, root));
            }
            Err(err) => state.notice.set(Some(err.to_string())),
        }
    });
}

/// Puts `path` in the address bar without loading it (the page already shows it).
fn show_url(path: &str) {
    #[cfg(feature = "hydrate")]
    if let Ok(history) = leptos::prelude::window().history() {
        let _ = history.replace_state_with_url(&leptos::wasm_bindgen::JsValue::NULL, "", Some(path));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = path;
}
