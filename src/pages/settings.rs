//! `/settings`: the user's own account — a display name shown beside the
//! username, whether others see how far one has read ("Seen by"), a new password (asking for the current one; every other session
//! ends), the sessions logged in as the user (device, when it logged in, last
//! used) each with a log-out, "log out everywhere", and notifications on this
//! device (Web Push: on or off, a test, the devices that get them), and API
//! tokens (`settings_tokens`). Every form is a plain
//! HTML post to its server function, so the page works with and without
//! JavaScript; the answer comes back as `?done=` or `?error=` on this page.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::{
    error::AppError,
    i18n::t,
    local_time::LocalizedTime,
    names::MAX_DISPLAY_NAME_CHARS,
    pages::{
        settings_email::{EmailSettings, EmailView},
        settings_tokens::{ApiTokens, TokensView},
    },
    protocol::Notice,
};

/// The account as its settings page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    pub username: String,
    pub display_name: Option<String>,
    /// Whether others see how far the user has read ("Seen by").
    pub share_reads: bool,
    /// The language the user chose; none follows the browser.
    pub locale: Option<crate::i18n::Locale>,
    /// Most recently used first.
    pub sessions: Vec<SessionView>,
    /// Web Push: whether the server has it on, and the devices that get it.
    pub push: PushView,
    /// API tokens.
    pub tokens: TokensView,
    /// E-mail.
    pub email: EmailView,
    /// What the account's owner is told once (tokens a new password revoked).
    pub notices: Vec<Notice>,
}

/// "Notifications on this device", as the server knows them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushView {
    /// The server pushes (it has a `--vapid-subject`).
    pub enabled: bool,
    /// The user's devices with push, newest first.
    pub devices: Vec<PushDeviceView>,
}

/// One browser that is pushed the user's notifications.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushDeviceView {
    /// "Firefox on Linux" (empty when its session is gone).
    pub device: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// RFC 3339, UTC: when a push was last accepted.
    pub last_success: Option<String>,
    /// This session's browser.
    pub current: bool,
}

/// One logged-in session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    /// Names it in the log-out form (the session id itself stays secret).
    pub handle: String,
    /// "Firefox on Linux".
    pub device: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// RFC 3339, UTC.
    pub last_seen: String,
    /// The session this page was loaded with.
    pub current: bool,
}

/// `POST /api/account`: the reader's account and sessions.
#[server(prefix = "/api", endpoint = "account")]
pub async fn account() -> Result<AccountView, AppError> {
    use crate::server::http::forms;
    forms::with_status(account_now().await)
}

#[cfg(feature = "ssr")]
async fn account_now() -> Result<AccountView, AppError> {
    use crate::{
        protocol::format_timestamp,
        server::{accounts::user_agent, http::gate},
    };
    let (state, user) = gate::require_user().await?;
    let auth = gate::auth_session().await?;
    let current = state.sessions.device_handle(&auth.session).await;
    let devices = state.sessions.devices(user.0.id).await?;
    let sessions_seen: Vec<(String, String)> =
        devices.iter().map(|device| (device.handle.clone(), user_agent::describe(&device.user_agent))).collect();
    let sessions = devices
        .into_iter()
        .map(|device| SessionView {
            current: current.as_deref() == Some(device.handle.as_str()),
            device: user_agent::describe(&device.user_agent),
            created_at: format_timestamp(device.created_at),
            last_seen: format_timestamp(device.last_seen),
            handle: device.handle,
        })
        .collect();
    let push = match &state.push {
        None => PushView::default(),
        Some(_) => {
            let subscriptions = state.store.push().push_subscriptions_of(user.0.id).await?;
            let devices = subscriptions
                .into_iter()
                .map(|subscription| PushDeviceView {
                    device: sessions_seen
                        .iter()
                        .find(|(handle, _)| *handle == subscription.device_handle)
                        .map(|(_, device)| device.clone())
                        .unwrap_or_default(),
                    created_at: format_timestamp(subscription.created_at),
                    last_success: subscription.last_success.map(format_timestamp),
                    current: current.as_deref() == Some(subscription.device_handle.as_str()),
                })
                .collect();
            PushView { enabled: true, devices }
        }
    };
    let tokens = crate::pages::settings_tokens::tokens_view(&state, user.0.id, &auth.session).await?;
    let email = crate::pages::settings_email::email_view(&state, &user).await?;
    let notices = state.store.notices().notices_of(user.0.id).await?;
    let locale = crate::server::http::locale::chosen(&user.0);
    Ok(AccountView {
        locale,
        tokens,
        email,
        notices,
        username: user.0.username,
        display_name: user.0.display_name,
        share_reads: user.0.share_reads,
        sessions,
        push,
    })
}

/// `POST /api/dismiss_notices`: the user has read their notices.
#[server(prefix = "/api", endpoint = "dismiss_notices")]
pub async fn dismiss_notices() -> Result<(), AppError> {
    use crate::server::http::{forms, gate};
    let outcome = async {
        let (state, user) = gate::require_user().await?;
        Ok(state.store.notices().dismiss_notices(user.0.id).await?)
    }
    .await;
    forms::finish(outcome, crate::paths::SETTINGS, crate::paths::SETTINGS, "")
}

/// `POST /api/display_name`: field `display_name` (empty clears it).
#[server(prefix = "/api", endpoint = "display_name")]
pub async fn set_display_name(display_name: String) -> Result<(), AppError> {
    use crate::server::{
        accounts::settings,
        http::{forms, gate},
    };
    let outcome = async {
        let (state, user) = gate::require_user().await?;
        settings::set_display_name(&state.store, &user, &display_name).await.map(drop)
    }
    .await;
    forms::finish(outcome, crate::paths::SETTINGS, &crate::paths::settings_done("display_name", ""), "")
}

/// `POST /api/share_reads`: field `share` = `true` | `false`: whether others
/// see how far the user has read (and the user sees theirs).
#[server(prefix = "/api", endpoint = "share_reads")]
pub async fn set_share_reads(share: bool) -> Result<(), AppError> {
    use crate::server::http::{forms, gate};
    let outcome = async {
        let (state, user) = gate::require_user().await?;
        Ok(state.store.set_share_reads(user.0.id, share).await?)
    }
    .await;
    forms::finish(outcome, crate::paths::SETTINGS, &crate::paths::settings_done("share_reads", ""), "")
}

/// `POST /api/locale`: field `locale` = `en` | `es` | empty (follow the
/// browser): the language of the user's pages, mails and pushes.
#[server(prefix = "/api", endpoint = "locale")]
pub async fn set_locale(locale: String) -> Result<(), AppError> {
    use crate::{
        i18n::Locale,
        server::http::{forms, gate},
    };
    let outcome = async {
        let chosen = match locale.as_str() {
            "" => None,
            tag => Some(Locale::choosable(tag).ok_or_else(|| AppError::BadRequest(format!("unknown language {tag:?}")))?),
        };
        let (state, user) = gate::require_user().await?;
        Ok(state.store.set_locale(user.0.id, chosen).await?)
    }
    .await;
    forms::finish(outcome, crate::paths::SETTINGS, &crate::paths::settings_done("language", ""), "")
}

/// `POST /api/change_password`: fields `current`, `new`. Every other session
/// of the user ends; this one goes on with a fresh id.
#[server(prefix = "/api", endpoint = "change_password")]
pub async fn change_password(current: String, new: String) -> Result<(), AppError> {
    use crate::server::{
        accounts::settings,
        http::{forms, gate},
    };
    let outcome = async {
        let state = gate::app_state()?;
        let mut auth = gate::auth_session().await?;
        // Guessing the current password is a log-in attempt like any other.
        let username = auth.user.as_ref().ok_or(AppError::Unauthorized)?.0.username.clone();
        forms::check_auth_rate(&username).await?;
        let user_agent = gate::user_agent().await;
        settings::change_password((&state.store, &state.passwords, &state.sessions), &mut auth, (current, new), &user_agent).await
    }
    .await;
    forms::finish(outcome, crate::paths::SETTINGS, &crate::paths::settings_done("password", ""), "")
}

/// `POST /api/end_session`: field `handle`: that session of the user ends (its
/// sockets close everywhere).
#[server(prefix = "/api", endpoint = "end_session")]
pub async fn end_session(handle: String) -> Result<(), AppError> {
    use crate::server::http::{forms, gate};
    let outcome = async {
        let (state, user) = gate::require_user().await?;
        match state.sessions.end_device(user.0.id, &handle).await? {
            true => Ok(()),
            false => Err(AppError::NotFound),
        }
    }
    .await;
    forms::finish(outcome, crate::paths::SETTINGS, &crate::paths::settings_done("session", ""), "")
}

/// `POST /api/log_out_everywhere`: every session of the user ends, this one
/// too; their sockets close on every instance.
#[server(prefix = "/api", endpoint = "log_out_everywhere")]
pub async fn log_out_everywhere() -> Result<(), AppError> {
    use crate::server::http::{forms, gate};
    let outcome = async {
        let (state, user) = gate::require_user().await?;
        let mut auth = gate::auth_session().await?;
        state.sessions.end_other_sessions(user.0.id, auth.session.id().as_ref()).await?;
        state.sessions.log_out(&mut auth).await
    }
    .await;
    if outcome.is_ok() {
        forms::clear_site_data();
    }
    forms::finish(outcome, crate::paths::SETTINGS, "/login", "")
}

/// What `?done=` says.
fn done_message(done: &str) -> Option<String> {
    if done == "language" {
        return Some(t("settings-language-saved"));
    }
    let said = match done {
        "display_name" => Some("Your display name is saved."),
        "share_reads" => Some("Your read receipts setting is saved."),
        "password" => Some("Your password is changed. Your other sessions are logged out and your API tokens revoked."),
        "session" => Some("That session is logged out."),
        "token" => Some("Your token is made."),
        "token_revoked" => Some("That token is revoked: it works no more."),
        "email_sent" => Some("A link to verify your address is on its way."),
        "email_verified" => Some("Your e-mail address is verified."),
        "email_removed" => Some("Your e-mail address is removed."),
        "email_notify" => Some("Your mail setting is saved."),
        _ => None,
    };
    said.map(str::to_owned)
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    let loaded = Resource::new(|| (), |()| account());
    let query = use_query_map();
    let done = move || query.with(|q| q.get("done").and_then(|d| done_message(&d)));
    let error = move || query.with(|q| q.get("error").and_then(|code| AppError::from_redirect(&code, None)));
    view! {
        <Title text="Settings · Parlor" />
        <section class="card settings">
            <h1>"Settings"</h1>
            {move || done().map(|said| view! { <p id="settingsDone" class="notice" role="status">{said}</p> })}
            {move || error().map(|err| view! { <p id="settingsError" class="form-error" role="alert">{err.to_string()}</p> })}
            <Suspense fallback=|| view! { <p>"Loading your account…"</p> }>
                {move || Suspend::new(async move {
                    match loaded.await {
                        Ok(account) => view! { <AccountForms account /> }.into_any(),
                        Err(err) => view! { <p class="form-error" role="alert">{err.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// The language of the user's pages, mails and pushes: their browser's, or one
/// they choose (each named in its own language).
#[component]
fn LanguageSettings(chosen: Option<crate::i18n::Locale>) -> impl IntoView {
    use crate::i18n::Locale;
    let name = |locale: Locale| match locale {
        Locale::En | Locale::EnXa => "English",
        Locale::Es => "Español",
    };
    view! {
        <h2>{t("settings-language")}</h2>
        <form id="languageForm" method="post" action="/api/locale" class="stacked-form">
            <label for="languageChoice">{t("settings-language-label")}</label>
            <select id="languageChoice" name="locale">
                <option value="" selected=chosen.is_none()>{t("settings-language-browser")}</option>
                {Locale::CHOOSABLE.into_iter().map(|locale| view! {
                    <option value=locale.tag() lang=locale.tag() selected=chosen == Some(locale)>{name(locale)}</option>
                }).collect_view()}
            </select>
            <button type="submit" id="saveLanguage">{t("settings-language-save")}</button>
        </form>
    }
}

/// What the account's owner is told once, with a button that dismisses it.
#[component]
fn Notices(notices: Vec<Notice>) -> impl IntoView {
    if notices.is_empty() {
        return ().into_any();
    }
    view! {
        <section id="notices" class="notice" role="status">
            {notices.into_iter().map(|notice| match notice {
                Notice::TokensRevoked { tokens, at } => view! {
                    <p class="account-notice">
                        "Your password was set ("<LocalizedTime at full=true />"), so your API tokens were revoked: "
                        <strong class="revoked-tokens">{tokens.join(", ")}</strong>
                        ". Make new ones under API tokens if you still need them."
                    </p>
                },
            }).collect_view()}
            <form method="post" action="/api/dismiss_notices">
                <button type="submit" id="dismissNotices" class="quiet">"Got it"</button>
            </form>
        </section>
    }
    .into_any()
}

#[component]
fn AccountForms(account: AccountView) -> impl IntoView {
    view! {
        <Notices notices=account.notices />
        <h2>"Profile"</h2>
        <form id="displayNameForm" method="post" action="/api/display_name" class="stacked-form">
            <p>"Your username is " <strong>"@"{account.username.clone()}</strong>"."</p>
            <label for="displayName">"Display name (shown beside your username; leave empty for none)"</label>
            <input
                id="displayName"
                name="display_name"
                maxlength=MAX_DISPLAY_NAME_CHARS.to_string()
                value=account.display_name.clone().unwrap_or_default()
                autocomplete="name"
            />
            <button type="submit" id="saveDisplayName">"Save display name"</button>
        </form>

        <h2>"Read receipts"</h2>
        <form id="shareReadsForm" method="post" action="/api/share_reads" class="stacked-form">
            <p id="shareReadsState">
                {if account.share_reads {
                    "In direct messages and rooms of up to 10 people, others see when you have read their newest message, and you see theirs."
                } else {
                    "Off: nobody sees how far you have read, and you do not see anyone's."
                }}
            </p>
            <input type="hidden" name="share" value=(!account.share_reads).to_string() />
            <button type="submit" id="shareReadsBtn">{if account.share_reads { "Stop sharing what I have read" } else { "Share what I have read" }}</button>
        </form>

        <LanguageSettings chosen=account.locale />

        <PushSettings push=account.push />

        <EmailSettings email=account.email />

        <ApiTokens tokens=account.tokens />

        <h2>"Password"</h2>
        <form id="passwordForm" method="post" action="/api/change_password" class="stacked-form">
            <input type="text" name="username" value=account.username.clone() autocomplete="username" hidden />
            <label for="currentPassword">"Current password"</label>
            <input id="currentPassword" name="current" type="password" autocomplete="current-password" required />
            <label for="newPassword">"New password (at least 8 characters)"</label>
            <input id="newPassword" name="new" type="password" autocomplete="new-password" minlength="8" required />
            <button type="submit" id="changePassword">"Change password"</button>
            <p class="hint">"Changing it logs out every other session and revokes your API tokens."</p>
        </form>

        <h2>"Sessions"</h2>
        <table id="sessions" class="sessions">
            <caption class="visually-hidden">"Where you are logged in"</caption>
            <thead><tr><th scope="col">"Device"</th><th scope="col">"Logged in"</th><th scope="col">"Last active"</th><th scope="col"><span class="visually-hidden">"Action"</span></th></tr></thead>
            <tbody>
                {account.sessions.into_iter().map(|session| {
                    view! {
                        <tr class="session-row" class:current=session.current>
                            <td>{session.device.clone()}</td>
                            <td><LocalizedTime at=session.created_at.clone() full=true /></td>
                            <td><LocalizedTime at=session.last_seen.clone() full=true /></td>
                            <td>
                                {if session.current {
                                    view! { <span class="this-device">"This device"</span> }.into_any()
                                } else {
                                    view! {
                                        <form method="post" action="/api/end_session">
                                            <input type="hidden" name="handle" value=session.handle.clone() />
                                            <button type="submit" class="end-session" aria-label=format!("Log out {}", session.device)>"Log out"</button>
                                        </form>
                                    }.into_any()
                                }}
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        <form id="logoutEverywhereForm" method="post" action="/api/log_out_everywhere">
            <button type="submit" id="logoutEverywhere" class="danger">"Log out everywhere"</button>
            <p class="hint">"Ends every session, this one too; open rooms close on every device."</p>
        </form>
    }
}

/// "Notifications on this device": a switch and a test button (wired by
/// `/push-settings.js`: they need JavaScript), and the devices that get them.
#[component]
fn PushSettings(push: PushView) -> impl IntoView {
    if !push.enabled {
        return view! {
            <h2>"Notifications on this device"</h2>
            <p id="pushState">"This server does not send notifications to closed tabs (push is off)."</p>
        }
        .into_any();
    }
    let none_yet = push.devices.is_empty();
    view! {
        <h2>"Notifications on this device"</h2>
        <section id="pushSettings" class="stacked-form" aria-live="polite">
            <p id="pushState">"Notifications to closed tabs need JavaScript."</p>
            <button type="button" id="pushToggle" hidden>"Turn on notifications on this device"</button>
            <button type="button" id="pushTest" hidden>"Send a test notification"</button>
        </section>
        <table id="pushDevices" class="sessions" hidden=none_yet>
            <caption class="visually-hidden">"Devices that get notifications"</caption>
            <thead><tr><th scope="col">"Device"</th><th scope="col">"Since"</th><th scope="col">"Last delivered"</th></tr></thead>
            <tbody>
                {push.devices.into_iter().map(|device| view! {
                    <tr class="push-device" class:current=device.current>
                        <td>{device.device}{device.current.then_some(" (this device)")}</td>
                        <td><LocalizedTime at=device.created_at full=true /></td>
                        <td>{match device.last_success {
                            Some(at) => view! { <LocalizedTime at full=true /> }.into_any(),
                            None => "Not yet".into_any(),
                        }}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        <script src="/push-settings.js" defer></script>
    }
    .into_any()
}
