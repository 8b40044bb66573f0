//! A private room's members, behind a "Members" button in the room header: who
//! is in the room and, for its owner (or an administrator), adding someone by
//! username, removing a member, and invite links (create, copy, revoke).
//! The panel is code of its own (`#[lazy]`): a page fetches it when the button
//! is first pointed at, focused or pressed.

use leptos::{ev, prelude::*, task::spawn_local};

use crate::i18n::t;
use crate::{
    client::http,
    components::lazy_panel::LazyPanel,
    paths,
    protocol::api::{InviteLink, InviteList, RoomMembers},
};

#[component]
pub fn RoomMembers(room: String, me: String, manages: bool) -> impl IntoView {
    let (room, me) = (StoredValue::new(room), StoredValue::new(me));
    let panel = move || members_panel(room.get_value(), me.get_value(), manages);
    let preload = || {
        let _ = lazy_preload!(members_panel);
    };
    view! { <LazyPanel class="room-members" button_id="membersBtn" label=t("members-button") panel preload /> }
}

/// The open panel: the members (read when it opens), and the owner's tools.
#[lazy]
fn members_panel(room: String, me: String, manages: bool) -> AnyView {
    let members = RwSignal::new(Vec::<String>::new());
    let bots = RwSignal::new(Vec::<String>::new());
    let invites = RwSignal::new(Vec::<InviteLink>::new());
    let problem = RwSignal::new(None::<String>);
    let adding = RwSignal::new(String::new());
    let room = StoredValue::new(room);
    let me = StoredValue::new(me);

    let reload = move || {
        spawn_local(async move {
            let room = room.get_value();
            match http::get_json::<RoomMembers>(&paths::room_members(&room)).await {
                Ok(found) => {
                    bots.set(found.bots);
                    members.set(found.members);
                }
                Err(why) => problem.set(Some(why)),
            }
            if manages && let Ok(found) = http::get_json::<InviteList>(&paths::room_invites(&room)).await {
                invites.set(found.invites);
            }
        });
    };
    let post = move |path: String, fields: Vec<(&'static str, String)>| {
        spawn_local(async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            match http::post_form(&path, &fields).await {
                Ok(()) => {
                    problem.set(None);
                    reload();
                }
                Err(why) => problem.set(Some(why)),
            }
        });
    };
    reload();
    let on_add = move |ev: ev::SubmitEvent| {
        ev.prevent_default();
        let username = adding.get_untracked().trim().to_owned();
        if username.is_empty() {
            return;
        }
        adding.set(String::new());
        post(paths::room_members(&room.get_value()), vec![("username", username)]);
    };
    let on_invite = move |_| post(paths::room_invites(&room.get_value()), Vec::new());

    view! {
                <section id="membersPanel" class="members-panel" aria-label=t("members-label")>
                    <ul id="memberList">
                        <For each=move || members.get() key=|name| name.clone() let:name>
                            <li data-member=name.clone()>
                                {name.clone()}
                                {bots.with_untracked(|bots| bots.contains(&name)).then(|| view! { " "<span class="bot-badge">"BOT"</span> })}
                                {(manages && name != me.get_value()).then(|| {
                                    let name = name.clone();
                                    view! {
                                        " "
                                        <button type="button" class="link-button remove-member" on:click=move |_| {
                                            post(paths::room_remove_member(&room.get_value()), vec![("username", name.clone())]);
                                        }>{t("members-remove")}</button>
                                    }
                                })}
                            </li>
                        </For>
                    </ul>
                    {manages.then(|| view! {
                        <form id="addMemberForm" on:submit=on_add>
                            <label for="addMemberInput">{t("members-add-label")}</label>
                            <input id="addMemberInput" placeholder=t("members-add-placeholder") autocomplete="off" bind:value=adding />
                            <button type="submit">{t("members-add")}</button>
                        </form>
                        <button type="button" id="createInviteBtn" on:click=on_invite>{t("members-invite")}</button>
                        <ul id="inviteList">
                            <For each=move || invites.get() key=|invite| invite.code.clone() let:invite>
                                <li class="invite">
                                    <input class="invite-url" readonly aria-label=t("members-invite-link") value=format!("{}{}", http::page_origin(), invite.url) />
                                    {invite.expires_at.clone().map(|at| view! { <small>" until "{at}</small> })}
                                    " "
                                    <button type="button" class="link-button revoke-invite" on:click={
                                        let code = invite.code.clone();
                                        move |_| post(paths::room_invites_revoke(&room.get_value()), vec![("code", code.clone())])
                                    }>{t("members-revoke")}</button>
                                </li>
                            </For>
                        </ul>
                    })}
                    {move || problem.get().map(|why| view! { <p class="form-error" role="alert">{why}</p> })}
                </section>
    }
    .into_any()
}
