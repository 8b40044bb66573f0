//! The thread open beside the room (`#threadPanel`): its root, its replies
//! (live, from the room socket's frames; reactions, and one's own edited or
//! deleted there), the user's pending replies, a
//! follow switch and a composer whose replies can carry a file (picked,
//! dropped or pasted, as in the room's composer) and can go to the room too. The
//! server renders it for `/room/{room}/?thread=SEQ`, so a thread link works
//! with JavaScript off; on a phone it takes the screen, with a back link.

use leptos::prelude::*;

use crate::i18n::t;
use crate::{
    chat::RoomState,
    client::uploads::{upload_dropped, upload_pasted},
    components::{
        file_picker::{AttachButton, THREAD_FILE_IDS, UploadState, uploader_for},
        message_tools::MessageActions,
    },
    message_view::MessageRow,
    paths,
    protocol::Attachment,
    room_counts::MyRooms,
};

/// A reply as the thread's composer sends it.
pub struct ThreadReply {
    pub text: String,
    pub attachment: Option<Attachment>,
    /// Shown in the room's timeline too.
    pub also_in_room: bool,
}

/// A click in the thread's messages: a reaction chip toggles (browser only).
fn on_thread_click(ev: &leptos::ev::MouseEvent, actions: MessageActions) {
    #[cfg(feature = "hydrate")]
    crate::components::row_sync::clicked_in_thread(ev, actions);
    #[cfg(not(feature = "hydrate"))]
    let _ = (ev, actions);
}

#[component]
pub fn ThreadPanel(
    state: RoomState,
    room: String,
    rooms: MyRooms,
    actions: MessageActions,
    on_reply: Callback<ThreadReply>,
    on_close: Callback<()>,
) -> impl IntoView {
    let root_seq = move || state.thread.with(|open| open.as_ref().map(|open| open.root.seq));
    let text = RwSignal::new(String::new());
    let also_in_room = RwSignal::new(false);
    let uploader = uploader_for(room.clone());
    let send = move || {
        let typed = text.get_untracked().trim().to_owned();
        let attachment = uploader.staged.get_untracked();
        if (!typed.is_empty() || attachment.is_some()) && !uploader.busy.get_untracked() {
            on_reply.run(ThreadReply { text: typed, attachment, also_in_room: also_in_room.get_untracked() });
            text.set(String::new());
            uploader.staged.set(None);
            also_in_room.set(false);
        }
    };
    // Stored, so that `following` is `Copy` and every part of the panel can call it.
    let follow_room = StoredValue::new(room.clone());
    let following = move || root_seq().is_some_and(|root| follow_room.with_value(|room| rooms.follows(room, root)));
    let toggle_room = room.clone();
    let toggle_follow = move |_| {
        let Some(root) = root_seq() else { return };
        let (room, follow) = (toggle_room.clone(), !following());
        leptos::task::spawn_local(async move {
            let root = root.to_string();
            let fields = [("room", room.as_str()), ("thread", root.as_str()), ("follow", if follow { "true" } else { "false" })];
            match crate::client::http::post_form_json::<crate::protocol::ThreadStatus>(paths::THREADS_FOLLOW, &fields).await {
                Ok(status) => rooms.apply_thread(status),
                Err(why) => state.notice.set(Some(why)),
            }
        });
    };
    // The reply being edited, with its text as typed so far.
    let editing = RwSignal::new(None::<(i64, String)>);
    let back = paths::room(&room);
    let rows_room = room.clone();
    let rows = move || {
        state.thread.get().map(|open| {
            let highlighted = state.highlighted.get();
            let replies = open.replies.into_iter().map(|reply| {
                let class = if Some(reply.seq) == highlighted { "thread-reply highlighted" } else { "thread-reply" };
                let seq = reply.seq;
                let mine = !reply.deleted && reply.sender == state.me.get_value();
                let deletable = !reply.deleted && (mine || state.moderates.get_value());
                let original = reply.text.clone();
                let edited_here = move || editing.with(|e| e.as_ref().is_some_and(|(at, _)| *at == seq));
                view! {
                    <div class=class>
                        <MessageRow message=reply room=rows_room.clone() />
                        <div class="thread-reply-actions">
                            <button type="button" class="link-button" on:click=move |_| actions.react.run((seq, "👍".to_owned()))>
                                "👍"
                            </button>
                            {mine.then(|| view! {
                                <button type="button" class="link-button thread-edit-btn" on:click=move |_| editing.set(Some((seq, original.clone())))>
                                    {t("message-edit")}
                                </button>
                            })}
                            {deletable.then(|| view! {
                                <button type="button" class="link-button" on:click=move |_| actions.delete.run(seq)>{t("message-delete")}</button>
                            })}
                        </div>
                        <Show when=edited_here>
                            <form class="thread-edit" on:submit=move |ev| {
                                ev.prevent_default();
                                if let Some((target, text)) = editing.get_untracked() {
                                    let text = text.trim().to_owned();
                                    if !text.is_empty() {
                                        actions.edit.run((target, text));
                                    }
                                }
                                editing.set(None);
                            }>
                                <textarea
                                    class="thread-edit-input"
                                    aria-label=t("thread-edit-reply")
                                    prop:value=move || editing.with(|e| e.as_ref().map(|(_, text)| text.clone()).unwrap_or_default())
                                    on:input=move |ev| editing.update(|e| if let Some((_, text)) = e { *text = event_target_value(&ev) })
                                    on:keydown=move |ev| if ev.key() == "Escape" { editing.set(None) }
                                ></textarea>
                                <button type="submit" class="link-button">{t("thread-edit-save")}</button>
                                <button type="button" class="link-button" on:click=move |_| editing.set(None)>{t("thread-edit-cancel")}</button>
                            </form>
                        </Show>
                    </div>
                }
            });
            view! {
                <div class="thread-root">
                    <MessageRow message=open.root room=rows_room.clone() />
                </div>
                <ol class="thread-replies" aria-label="Replies">
                    {replies.map(|reply| view! { <li>{reply}</li> }).collect_view()}
                </ol>
            }
        })
    };
    let pending = move || {
        let root = root_seq();
        state.outbox.with(|outbox| {
            outbox
                .iter()
                .filter(|p| p.thread.is_some() && p.thread == root)
                .map(|p| {
                    let class = if p.error.is_some() { "message pending failed" } else { "message pending" };
                    let file = p.attachment.as_ref().map(|file| view! { " 📎 "{file.name.clone()} });
                    view! { <p class=class>{p.text.clone()}{file}{p.error.clone().map(|why| view! { " — "{why} })}</p> }
                })
                .collect_view()
        })
    };
    view! {
        <Show when=move || root_seq().is_some()>
            <aside id="threadPanel" class="thread-panel" aria-labelledby="threadTitle">
                <header class="thread-header">
                    <a
                        id="threadBack"
                        class="thread-back"
                        href=back.clone()
                        on:click=move |ev| {
                            ev.prevent_default();
                            on_close.run(());
                        }
                    >
                        "← "{t("thread-back")}
                    </a>
                    <h2 id="threadTitle">{t("thread-title")}</h2>
                    <button type="button" id="followThreadBtn" class="link-button" aria-pressed=move || following().to_string() on:click=toggle_follow.clone()>
                        {move || if following() { t("thread-following") } else { t("thread-follow") }}
                    </button>
                </header>
                <div id="threadMessages" class="thread-messages" aria-live="polite" on:click=move |ev| on_thread_click(&ev, actions)>
                    {rows.clone()}
                    {pending}
                </div>
                <form
                    class="thread-composer"
                    on:submit=move |ev| {
                        ev.prevent_default();
                        send();
                    }
                    on:dragover=move |ev: leptos::ev::DragEvent| ev.prevent_default()
                    on:drop=move |ev: leptos::ev::DragEvent| {
                        ev.prevent_default();
                        upload_dropped(&ev, uploader);
                    }
                >
                    <UploadState uploader ids=THREAD_FILE_IDS />
                    <textarea
                        id="threadInput"
                        dir="auto"
                        rows="2"
                        aria-label=t("thread-reply-label")
                        placeholder=t("thread-reply-placeholder")
                        prop:value=move || text.get()
                        on:input=move |ev| text.set(event_target_value(&ev))
                        on:keydown=move |ev| {
                            if ev.key() == "Enter" && !ev.shift_key() {
                                ev.prevent_default();
                                send();
                            }
                        }
                        on:paste=move |ev: leptos::ev::ClipboardEvent| if upload_pasted(&ev, uploader) { ev.prevent_default() }
                    ></textarea>
                    <label class="also-in-room">
                        <input type="checkbox" id="alsoInRoom" prop:checked=move || also_in_room.get() on:change=move |ev| also_in_room.set(event_target_checked(&ev)) />
                        " "{t("thread-also-in-room")}
                    </label>
                    <div class="thread-composer-actions">
                        <AttachButton uploader ids=THREAD_FILE_IDS />
                        <button type="submit" id="threadSendBtn" disabled=move || uploader.busy.get()>{t("thread-send")}</button>
                    </div>
                </form>
            </aside>
        </Show>
    }
}
