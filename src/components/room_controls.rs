//! The room header's controls: the reader's notification level for the room
//! (`all`, `mentions`, `none`), "Enable notifications" while the browser has
//! not been asked, and "Leave" (the room leaves the reader's list; its history
//! stays).

use leptos::{ev, prelude::*, task::spawn_local};

use crate::i18n::t;
use crate::{
    client::{http, notify},
    paths,
    protocol::NotifyLevel,
};

#[component]
pub fn RoomControls(
    room: String,
    me: String,
    notify: NotifyLevel,
    /// Whether the room can be left (a direct conversation cannot).
    leave: bool,
) -> impl IntoView {
    let level = RwSignal::new(notify);
    let problem = RwSignal::new(None::<String>);
    let notify_room = room.clone();
    let on_level = move |ev: ev::Event| {
        let Ok(chosen) = event_target_value(&ev).parse::<NotifyLevel>() else { return };
        let room = notify_room.clone();
        spawn_local(async move {
            match http::post_form(&paths::room_notify(&room), &[("level", chosen.as_str())]).await {
                Ok(()) => level.set(chosen),
                Err(why) => problem.set(Some(why)),
            }
        });
    };
    let on_leave = move |_| {
        let (room, me) = (room.clone(), me.clone());
        spawn_local(async move {
            match http::post_form(&paths::room_remove_member(&room), &[("username", &me)]).await {
                Ok(()) => drop(window().location().set_href("/")),
                Err(why) => problem.set(Some(why)),
            }
        });
    };
    view! {
        <div class="room-controls">
            <label for="notifyLevel">{t("notify-label")}</label>
            <select id="notifyLevel" on:change=on_level prop:value=move || level.get().as_str()>
                <option value="all">{t("notify-all")}</option>
                <option value="mentions">{t("notify-mentions")}</option>
                <option value="none">{t("notify-none")}</option>
            </select>
            <EnableNotifications />
            {leave.then(|| view! { <button type="button" id="leaveBtn" class="link-button" on:click=on_leave.clone()>{t("room-leave")}</button> })}
            {move || problem.get().map(|why| view! { <p class="form-error" role="alert">{why}</p> })}
        </div>
    }
}

/// Asks the browser for permission to notify; shown only while undecided.
/// Its place is kept whether it shows or not (the server cannot know, and a
/// button appearing after the page loads would push the conversation down).
#[component]
fn EnableNotifications() -> impl IntoView {
    let undecided = RwSignal::new(false);
    // Effects run only in the browser, where the permission can be read.
    Effect::new(move |_| undecided.set(notify::undecided()));
    let on_click = move |_| notify::request(move |_| undecided.set(false));
    view! {
        <button
            type="button"
            id="enableNotifications"
            class="link-button"
            class:kept-place=move || !undecided.get()
            aria-hidden=move || (!undecided.get()).to_string()
            tabindex=move || if undecided.get() { "0" } else { "-1" }
            disabled=move || !undecided.get()
            on:click=on_click
        >
            {t("notify-enable")}
        </button>
    }
}
