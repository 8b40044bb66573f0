//! `/admin`: the administrators' page. Every account with its role and state,
//! and the actions: make (or stop being) an administrator, deactivate (with or
//! without removing the account's messages), reactivate. The list is rendered
//! by the server; the actions post to `/api/admin/users/...` and reload it.

use crate::{client::http, error::AppError, paths, protocol::Account};
use leptos::{prelude::*, task::spawn_local};
use leptos_meta::Title;

/// `POST /api/accounts`: every account, for administrators.
#[server(prefix = "/api", endpoint = "accounts")]
pub async fn accounts() -> Result<(String, Vec<Account>), AppError> {
    let (state, user) = crate::server::http::gate::require_user().await?;
    if !user.0.is_admin {
        return Err(AppError::Forbidden);
    }
    let rows = state.store.accounts().await?;
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
                        Ok((me, rows)) => view! { <AccountsTable me rows /> }.into_any(),
                        Err(err) => view! { <p class="form-error">{err.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// The accounts with their actions: an island; after each action it reads
/// the list again.
#[island]
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
    view! {
        {move || problem.get().map(|why| view! { <p class="form-error" role="alert">{why}</p> })}
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
    let Account { username, is_admin, deactivated, .. } = row;
    let itself = username == me;
    let name = StoredValue::new(username.clone());
    let flag = |on: bool| if on { "true" } else { "false" }.to_owned();
    view! {
        <tr data-account=username.clone()>
            <td>{username.clone()}</td>
            <td>{if is_admin { "administrator" } else { "member" }}</td>
            <td>{if deactivated { "deactivated" } else { "active" }}</td>
            <td>
                {(!itself).then(|| view! {
                    <button type="button" class="link-button toggle-admin" on:click=move |_| {
                        act("admin", vec![("username", name.get_value()), ("admin", flag(!is_admin))]);
                    }>{if is_admin { "Remove administrator" } else { "Make administrator" }}</button>
                    " "
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
