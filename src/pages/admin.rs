//! `/admin`: the administrators' page. Every account (people and bots) with
//! its role and state, and the actions: make (or stop being) an
//! administrator, deactivate (with or without removing the account's
//! messages), reactivate; and making a bot, whose first API token is shown
//! once. The list is rendered by the server; the actions post to
//! `/api/admin/...` and reload it. Its islands are lazy (`#[island(lazy)]`):
//! their code is fetched by this page only, not by every page.

use crate::{
    client::http,
    error::AppError,
    pages::admin_entry::EntryAdmin,
    paths,
    protocol::{
        Account, AccountKind,
        api::{BotMade, ResetLink},
    },
};
use leptos::{ev, prelude::*, task::spawn_local};
use leptos_meta::Title;

/// `POST /api/accounts`: every account, for administrators.
#[server(prefix = "/api", endpoint = "accounts")]
pub async fn accounts() -> Result<(String, Vec<Account>), AppError> {
    let (state, user) = crate::server::http::gate::require_user().await?;
    if !user.0.is_admin {
        return Err(AppError::Forbidden);
    }
    let rows = state.store.accounts().all().await?;
    Ok((user.0.username, rows))
}

#[component]
pub fn AdminPage() -> impl IntoView {
    let listed = Resource::new(|| (), |()| accounts());
    view! {
        <Title text="Administration · Parlor" />
        <section class="card">
            <h1>"Accounts"</h1>
            <Suspense fallback=|| view! { <p>"Loading accounts…"</p> }>
                {move || Suspend::new(async move {
                    match listed.await {
                        Ok((me, rows)) => view! { <AccountsTable me rows /> <EntryAdmin /> }.into_any(),
                        Err(err) => view! { <p class="form-error">{err.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// The accounts with their actions: an island; after each action it reads
/// the list again.
#[island(lazy)]
fn AccountsTable(me: String, rows: Vec<Account>) -> impl IntoView {
    let rows = RwSignal::new(rows);
    let problem = RwSignal::new(None::<String>);
    let act = move |action: &'static str, fields: Vec<(&'static str, String)>| {
        spawn_local(async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            match http::post_form(&paths::admin_action(action), &fields).await {
                Ok(()) => match accounts().await {
                    Ok((_, listed)) => {
                        problem.set(None);
                        rows.set(listed);
                    }
                    Err(err) => problem.set(Some(err.to_string())),
                },
                Err(why) => problem.set(Some(why)),
            }
        });
    };
    let me = StoredValue::new(me);
    let on_made = move || {
        spawn_local(async move {
            if let Ok((_, listed)) = accounts().await {
                rows.set(listed);
            }
        });
    };
    view! {
        {move || problem.get().map(|why| view! { <p class="form-error" role="alert">{why}</p> })}
        <NewBot on_made />
        <table id="accounts">
            <thead><tr><th>"Account"</th><th>"Role"</th><th>"State"</th><th>"Actions"</th></tr></thead>
            <tbody>
                {move || rows.get().into_iter().map(|row| view! { <AccountLine row me=me.get_value() act /> }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn AccountLine(
    row: Account,
    me: String,
    act: impl Fn(&'static str, Vec<(&'static str, String)>) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let Account { username, is_admin, deactivated, kind, .. } = row;
    let itself = username == me;
    let bot = kind == AccountKind::Bot;
    let name = StoredValue::new(username.clone());
    let flag = |on: bool| if on { "true" } else { "false" }.to_owned();
    let role = match (bot, is_admin) {
        (true, _) => "bot",
        (false, true) => "administrator",
        (false, false) => "member",
    };
    let reset_link = RwSignal::new(None::<String>);
    let on_reset = move |_| {
        spawn_local(async move {
            let name = name.get_value();
            if let Ok(made) = http::post_form_json::<ResetLink>("/api/admin/users/reset", &[("username", name.as_str())]).await {
                reset_link.set(Some(made.url));
            }
        });
    };
    view! {
        <tr data-account=username.clone()>
            <td>{username.clone()}{bot.then(|| view! { " "<span class="bot-badge">"BOT"</span> })}
                {move || reset_link.get().map(|url| view! {
                    <input class="invite-url reset-url" readonly aria-label="password reset link (24 hours, once)" value=format!("{}{url}", http::page_origin()) />
                })}
            </td>
            <td>{role}</td>
            <td>{if deactivated { "deactivated" } else { "active" }}</td>
            <td>
                {(!itself).then(|| view! {
                    {(!bot).then(|| view! {
                        <button type="button" class="link-button reset-password" on:click=on_reset>"Password reset link"</button>
                        " "
                        <button type="button" class="link-button toggle-admin" on:click=move |_| {
                            act("admin", vec![("username", name.get_value()), ("admin", flag(!is_admin))]);
                        }>{if is_admin { "Remove administrator" } else { "Make administrator" }}</button>
                        " "
                    })}
                    {if deactivated {
                        view! {
                            <button type="button" class="link-button reactivate" on:click=move |_| {
                                act("reactivate", vec![("username", name.get_value())]);
                            }>"Reactivate"</button>
                        }.into_any()
                    } else {
                        view! {
                            <button type="button" class="link-button deactivate" on:click=move |_| {
                                act("deactivate", vec![("username", name.get_value())]);
                            }>"Deactivate"</button>
                            " "
                            <button type="button" class="link-button deactivate-remove" on:click=move |_| {
                                act("deactivate", vec![("username", name.get_value()), ("remove_messages", "true".to_owned())]);
                            }>"Deactivate and remove messages"</button>
                        }.into_any()
                    }}
                })}
            </td>
        </tr>
    }
}

/// "New bot": a username and a display name; the bot's first API token is
/// shown this once.
#[component]
fn NewBot(on_made: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let username = RwSignal::new(String::new());
    let display_name = RwSignal::new(String::new());
    let made = RwSignal::new(None::<(String, String)>);
    let problem = RwSignal::new(None::<String>);
    let on_submit = move |ev: ev::SubmitEvent| {
        ev.prevent_default();
        let (name, shown) = (username.get_untracked(), display_name.get_untracked());
        spawn_local(async move {
            let fields = [("username", name.as_str()), ("display_name", shown.as_str())];
            match http::post_form_json::<BotMade>(paths::ADMIN_BOTS, &fields).await {
                Ok(bot) => {
                    problem.set(None);
                    username.set(String::new());
                    display_name.set(String::new());
                    made.set(Some((name, bot.token.token)));
                    on_made();
                }
                Err(why) => problem.set(Some(why)),
            }
        });
    };
    view! {
        <h2>"Bots"</h2>
        <form id="newBotForm" class="stacked-form" on:submit=on_submit>
            <label for="botUsername">"New bot's username"</label>
            <input id="botUsername" autocomplete="off" maxlength="32" required bind:value=username />
            <label for="botDisplayName">"Display name (optional)"</label>
            <input id="botDisplayName" autocomplete="off" maxlength="64" bind:value=display_name />
            <button type="submit" id="createBot">"Create bot"</button>
        </form>
        {move || made.get().map(|(name, token)| view! {
            <p id="botMade" role="status">
                {format!("{name}'s API token (shown this once; copy it now):")}
                <input id="botToken" class="invite-url" readonly aria-label="API token" value=token />
            </p>
        })}
        {move || problem.get().map(|why| view! { <p class="form-error" role="alert">{why}</p> })}
    }
}
