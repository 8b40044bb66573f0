//! The "Who gets in" part of `/admin` (an island): the registration mode,
//! account invitations (make one — uses, hours, rooms — see them, revoke
//! one), and making an account by hand. Each posts to `/api/admin/…` and
//! reads the lists again.

use leptos::{ev, prelude::*, task::spawn_local};

use crate::{
    client::http,
    protocol::{
        RegistrationMode,
        api::{Invitation, InvitationList, Registration},
    },
};

/// The island.
#[island(lazy)]
pub fn EntryAdmin() -> impl IntoView {
    let mode = RwSignal::new(None::<RegistrationMode>);
    let invitations = RwSignal::new(Vec::<Invitation>::new());
    let problem = RwSignal::new(None::<String>);
    let done = RwSignal::new(None::<String>);
    let (uses, hours, rooms) = (RwSignal::new("1".to_owned()), RwSignal::new(String::new()), RwSignal::new(String::new()));
    let (new_name, new_password) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let reload = move || {
        spawn_local(async move {
            match http::get_json::<Registration>("/api/admin/registration").await {
                Ok(found) => mode.set(Some(found.mode)),
                Err(why) => problem.set(Some(why)),
            }
            if let Ok(found) = http::get_json::<InvitationList>("/api/admin/invitations").await {
                invitations.set(found.invitations);
            }
        });
    };
    Effect::new(move |_| reload());
    let post = move |path: &'static str, fields: Vec<(&'static str, String)>, said: String| {
        spawn_local(async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            match http::post_form(path, &fields).await {
                Ok(()) => {
                    problem.set(None);
                    done.set(Some(said));
                    reload();
                }
                Err(why) => problem.set(Some(why)),
            }
        });
    };
    let on_mode = move |ev: ev::Event| {
        let chosen = event_target_value(&ev);
        post("/api/admin/registration", vec![("mode", chosen.clone())], format!("Registration is {chosen} now."));
    };
    let on_invite = move |ev: ev::SubmitEvent| {
        ev.prevent_default();
        let fields =
            vec![("uses", uses.get_untracked()), ("expires_in_hours", hours.get_untracked()), ("rooms", rooms.get_untracked())];
        post("/api/admin/invitations", fields, "The invitation is made.".to_owned());
    };
    let on_account = move |ev: ev::SubmitEvent| {
        ev.prevent_default();
        let (name, password) = (new_name.get_untracked(), new_password.get_untracked());
        new_password.set(String::new());
        post("/api/admin/users", vec![("username", name.clone()), ("password", password)], format!("{name} can log in now."));
    };
    view! {
        <h2>"Who gets in"</h2>
        {move || problem.get().map(|why| view! { <p class="form-error" role="alert">{why}</p> })}
        {move || done.get().map(|said| view! { <p id="entryDone" class="notice" role="status">{said}</p> })}
        <label for="registrationModeSelect">"Registration"</label>
        <select id="registrationModeSelect" on:change=on_mode prop:value=move || mode.get().map(RegistrationMode::as_str).unwrap_or_default()>
            <option value="open">"open: anyone"</option>
            <option value="invite">"by invitation"</option>
            <option value="closed">"closed: administrators make accounts"</option>
        </select>

        <h3>"Invitations"</h3>
        <form id="newInvitationForm" class="stacked-form" on:submit=on_invite>
            <label for="invitationUses">"People it lets in"</label>
            <input id="invitationUses" type="number" min="1" max="1000" bind:value=uses />
            <label for="invitationHours">"Hours it works (empty: until used up or revoked)"</label>
            <input id="invitationHours" type="number" min="1" max="8760" bind:value=hours />
            <label for="invitationRooms">"Rooms they join (names, comma-separated; optional)"</label>
            <input id="invitationRooms" autocomplete="off" bind:value=rooms />
            <button type="submit" id="createInvitation">"Make an invitation"</button>
        </form>
        <ul id="invitationList">
            <For each=move || invitations.get() key=|invitation| (invitation.code.clone(), invitation.used, invitation.works) let:invitation>
                <li class="invitation" class:ended=!invitation.works data-code=invitation.code.clone()>
                    <input class="invite-url" readonly aria-label="invitation link" value=format!("{}{}", http::page_origin(), invitation.url) />
                    <small>{format!(" {} of {} used", invitation.used, invitation.uses)}
                        {invitation.expires_at.clone().map(|at| format!(", until {at}"))}
                        {(!invitation.rooms.is_empty()).then(|| format!(", joins {}", invitation.rooms.join(", ")))}
                        {(!invitation.works).then_some(" (no longer works)")}
                    </small>
                    {invitation.works.then(|| {
                        let code = invitation.code.clone();
                        view! {
                            " "
                            <button type="button" class="link-button revoke-invitation" on:click=move |_| {
                                post("/api/admin/invitations/revoke", vec![("code", code.clone())], "The invitation is revoked.".to_owned());
                            }>"Revoke"</button>
                        }
                    })}
                </li>
            </For>
        </ul>

        <h3>"Make an account"</h3>
        <form id="newAccountForm" class="stacked-form" on:submit=on_account>
            <label for="newAccountName">"Username"</label>
            <input id="newAccountName" autocomplete="off" required bind:value=new_name />
            <label for="newAccountPassword">"Password (they can change it)"</label>
            <input id="newAccountPassword" type="password" autocomplete="new-password" minlength="8" required bind:value=new_password />
            <button type="submit" id="createAccount">"Make the account"</button>
        </form>
    }
}
