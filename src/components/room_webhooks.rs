//! A room's incoming webhooks, behind a "Webhooks" button in the room header
//! (for whoever may manage them: anyone in a public room, a private room's
//! owner or an administrator): make one by name — its URL is shown this once,
//! to copy into the service that posts — see the room's working hooks, revoke one.
//! The panel is code of its own (`#[lazy]`): a page fetches it when the button
//! is first pointed at, focused or pressed.

use leptos::{ev, prelude::*, task::spawn_local};

use crate::i18n::t;
use crate::{
    client::http,
    components::lazy_panel::LazyPanel,
    paths,
    protocol::api::{Webhook, WebhookList, WebhookMade},
};

#[component]
pub fn RoomWebhooks(room: String) -> impl IntoView {
    let room = StoredValue::new(room);
    let panel = move || webhooks_panel(room.get_value());
    let preload = || {
        let _ = lazy_preload!(webhooks_panel);
    };
    view! { <LazyPanel class="room-webhooks" button_id="webhooksBtn" label=t("webhooks-button") panel preload /> }
}

/// The open panel: the room's hooks (read when it opens), the form that makes one.
#[lazy]
fn webhooks_panel(room: String) -> AnyView {
    let hooks = RwSignal::new(Vec::<Webhook>::new());
    let made = RwSignal::new(None::<WebhookMade>);
    let problem = RwSignal::new(None::<String>);
    let naming = RwSignal::new(String::new());
    let room = StoredValue::new(room);

    let reload = move || {
        spawn_local(async move {
            match http::get_json::<WebhookList>(&paths::room_webhooks(&room.get_value())).await {
                Ok(found) => hooks.set(found.webhooks),
                Err(why) => problem.set(Some(why)),
            }
        });
    };
    reload();
    let on_create = move |ev: ev::SubmitEvent| {
        ev.prevent_default();
        let name = naming.get_untracked().trim().to_owned();
        if name.is_empty() {
            return;
        }
        spawn_local(async move {
            match http::post_form_json::<WebhookMade>(&paths::room_webhooks(&room.get_value()), &[("name", &name)]).await {
                Ok(hook) => {
                    naming.set(String::new());
                    problem.set(None);
                    made.set(Some(hook));
                    reload();
                }
                Err(why) => problem.set(Some(why)),
            }
        });
    };
    let revoke = move |id: i64| {
        spawn_local(async move {
            let id = id.to_string();
            match http::post_form(&paths::room_webhooks_revoke(&room.get_value()), &[("id", &id)]).await {
                Ok(()) => reload(),
                Err(why) => problem.set(Some(why)),
            }
        });
    };

    view! {
                <section id="webhooksPanel" class="members-panel" aria-label=t("webhooks-label")>
                    <p class="hint">{t("webhooks-hint")}</p>
                    <form id="createWebhookForm" on:submit=on_create>
                        <label for="webhookName">{t("webhooks-name")}</label>
                        <input id="webhookName" placeholder="CI" autocomplete="off" maxlength="64" bind:value=naming />
                        <button type="submit" id="createWebhookBtn">{t("webhooks-create")}</button>
                    </form>
                    {move || made.get().map(|hook| view! {
                        <p id="webhookMade" role="status">
                            {format!("{}'s URL (shown this once; copy it now):", hook.name)}
                            <input id="webhookUrl" class="invite-url" readonly aria-label=t("webhooks-url") value=format!("{}{}", http::page_origin(), hook.url) />
                        </p>
                    })}
                    <ul id="webhookList">
                        <For each=move || hooks.get() key=|hook| hook.id let:hook>
                            <li class="webhook" data-webhook=hook.username.clone()>
                                <span class="bot-badge" title=t("webhooks-badge-title")>{t("bot-badge")}</span>" "
                                {hook.name.clone()}
                                <small class="webhook-maker">{(!hook.made_by.is_empty()).then(|| format!(" · made by {}", hook.made_by))}</small>
                                <small>{match hook.last_used_at.clone() {
                                    Some(_) => " · used",
                                    None => " · not used yet",
                                }}</small>
                                " "
                                <button type="button" class="link-button revoke-webhook" on:click=move |_| revoke(hook.id)>{t("webhooks-revoke")}</button>
                            </li>
                        </For>
                    </ul>
                    {move || problem.get().map(|why| view! { <p class="form-error" role="alert">{why}</p> })}
                </section>
    }
    .into_any()
}
