//! What the log-in and register pages need to know of who may get in, and
//! the pages of the links Parlor gives out: `/welcome/{code}` (an account
//! invitation: the register form, invited), `/reset/{token}` (a new
//! password), `/forgot` (a reset link by mail). Each is plain HTML posting to
//! its server function, with and without JavaScript; a used-up, expired or
//! revoked link is a page that says so (410), an unknown one a 404.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

use crate::{
    components::auth_form::{AuthForm, LastAttempt},
    error::AppError,
    names::PASSWORD_RULE,
    protocol::RegistrationMode,
};

/// What the log-in and register pages say of how one gets in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HowToGetIn {
    pub mode: RegistrationMode,
    /// Single sign-on's button, when it is set up.
    pub sso: Option<String>,
    /// Log-in with a password is on.
    pub password_login: bool,
    /// "Forgot your password?" works (e-mail is set up).
    pub mail: bool,
}

/// `POST /api/entry_info`: how one gets in here.
#[server(prefix = "/api", endpoint = "entry_info")]
pub async fn entry_info() -> Result<HowToGetIn, AppError> {
    use crate::server::{config::Switch, http::gate};
    let state = gate::app_state()?;
    Ok(HowToGetIn {
        mode: state.store.registration().registration_mode().await?,
        sso: state.sso.as_ref().map(|sso| sso.name.clone()),
        password_login: state.config.password_login == Switch::On,
        mail: state.mail.is_some(),
    })
}

/// What an invitation's code opens.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum InvitationView {
    Valid,
    Ended,
    Missing,
}

/// `POST /api/invitation_info`: field `code`.
#[server(prefix = "/api", endpoint = "invitation_info")]
pub async fn invitation_info(code: String) -> Result<InvitationView, AppError> {
    use crate::server::{http::gate, storage::registration::InvitationState};
    let state = gate::app_state()?;
    Ok(match state.store.registration().invitation(&code).await? {
        InvitationState::Valid(_) => InvitationView::Valid,
        InvitationState::Ended => InvitationView::Ended,
        InvitationState::Missing => InvitationView::Missing,
    })
}

/// The page of a link that no longer works (410) or never did (404): its status, and what it says.
fn link_problem(status: u16, title: &'static str, id: &'static str, text: &'static str) -> AnyView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::NOT_FOUND));
    }
    #[cfg(not(feature = "ssr"))]
    let _ = status;
    view! { <section class="card"><h1>{title}</h1><p id=id>{text}</p></section> }.into_any()
}

/// `/welcome/{code}`: registration by invitation.
#[component]
pub fn WelcomePage() -> impl IntoView {
    let code = use_params_map().read_untracked().get("code").unwrap_or_default();
    let looked = Resource::new(
        {
            let code = code.clone();
            move || code.clone()
        },
        invitation_info,
    );
    let LastAttempt { error, next, username } = LastAttempt::from_query();
    view! {
        <Title text="Welcome · Parlor" />
        <Suspense fallback=|| view! { <p>"Opening your invitation…"</p> }>
            {move || {
                let code = code.clone();
                Suspend::new(async move {
                    match looked.await {
                        Ok(InvitationView::Valid) => view! {
                            <AuthForm
                                title="You are invited to Parlor"
                                action="/api/register"
                                submit="Create my account"
                                password_autocomplete="new-password"
                                error
                                next
                                username
                                invitation=code
                            >
                                <p class="hint">"Choose a username and a password. "{PASSWORD_RULE}"."</p>
                            </AuthForm>
                        }.into_any(),
                        Ok(InvitationView::Ended) => link_problem(
                            410,
                            "This invitation no longer works",
                            "invitationEnded",
                            "It was used up, it expired or it was revoked. Ask for a new one.",
                        ),
                        Ok(InvitationView::Missing) | Err(_) => {
                            link_problem(404, "No such invitation", "invitationMissing", "Check the link you were sent.")
                        }
                    }
                })
            }}
        </Suspense>
    }
}

/// What a reset link's token opens: the account's name, or why not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResetView {
    Valid { username: String },
    Ended,
    Missing,
}

/// `POST /api/reset_info`: field `token`.
#[server(prefix = "/api", endpoint = "reset_info")]
pub async fn reset_info(token: String) -> Result<ResetView, AppError> {
    use crate::server::{http::gate, storage::resets::ResetState};
    let state = gate::app_state()?;
    Ok(match state.store.resets().reset(&token).await? {
        ResetState::Valid(account) => ResetView::Valid { username: account.username },
        ResetState::Ended => ResetView::Ended,
        ResetState::Missing => ResetView::Missing,
    })
}

/// `POST /api/reset_password`: fields `token`, `new`. The link is looked up
/// before anything is hashed (an unknown token costs a lookup, not a hash),
/// attempts are limited per client like log-ins; the account's password is
/// set, every session of it ends and its API tokens are revoked; then to the
/// log-in page.
#[server(prefix = "/api", endpoint = "reset_password")]
pub async fn reset_password(token: String, new: String) -> Result<(), AppError> {
    use crate::server::{
        accounts::{auth::check_password, tokens},
        http::{forms, gate},
        storage::resets::ResetState,
    };
    let outcome = async {
        let state = gate::app_state()?;
        forms::check_client_rate().await?;
        if state.config.password_login == crate::server::config::Switch::Off {
            return Err(AppError::PasswordLoginOff);
        }
        match state.store.resets().reset(&token).await? {
            ResetState::Valid(_) => {}
            ResetState::Ended => return Err(AppError::LinkEnded),
            ResetState::Missing => return Err(AppError::NotFound),
        }
        check_password(&new)?;
        let hash = state.passwords.hash(new).await.map_err(|_| AppError::Internal)?;
        match state.store.resets().use_reset(&token, hash).await? {
            ResetState::Valid(account) => {
                state.sessions.end_other_sessions(account.id, None).await?;
                tokens::revoke_after_new_password(&state.store, &state.sessions, account.id).await
            }
            ResetState::Ended => Err(AppError::LinkEnded),
            ResetState::Missing => Err(AppError::NotFound),
        }
    }
    .await;
    let back = crate::paths::reset(&token);
    forms::finish(outcome, &back, "/login?reset=done", "")
}

/// `/reset/{token}`: choose a new password.
#[component]
pub fn ResetPage() -> impl IntoView {
    let token = use_params_map().read_untracked().get("token").unwrap_or_default();
    let looked = Resource::new(
        {
            let token = token.clone();
            move || token.clone()
        },
        reset_info,
    );
    let query = use_query_map();
    let error = move || query.with(|q| q.get("error").and_then(|code| AppError::from_redirect(&code, None)));
    view! {
        <Title text="New password · Parlor" />
        <Suspense fallback=|| view! { <p>"Opening the link…"</p> }>
            {move || {
                let token = token.clone();
                Suspend::new(async move {
                    match looked.await {
                        Ok(ResetView::Valid { username }) => view! {
                            <section class="card auth-card">
                                <h1>"A new password for "{username.clone()}</h1>
                                <form method="post" action="/api/reset_password" class="auth-form">
                                    <input type="hidden" name="token" value=token />
                                    <input type="text" name="username" value=username autocomplete="username" hidden />
                                    <label for="newPassword">"New password ("{PASSWORD_RULE}")"</label>
                                    <input id="newPassword" name="new" type="password" autocomplete="new-password" minlength="8" required />
                                    {move || error().map(|err| view! { <p class="form-error" role="alert">{err.to_string()}</p> })}
                                    <button type="submit" id="resetBtn">"Set my password"</button>
                                    <p class="hint">"Every session of this account ends: log in again afterwards."</p>
                                </form>
                            </section>
                        }.into_any(),
                        Ok(ResetView::Ended) => link_problem(
                            410,
                            "This link no longer works",
                            "resetEnded",
                            "It was used, or it expired (links work for 24 hours). Ask for a new one.",
                        ),
                        Ok(ResetView::Missing) | Err(_) => link_problem(404, "No such link", "resetMissing", "Check the link you were sent."),
                    }
                })
            }}
        </Suspense>
    }
}

/// `POST /api/forgot_password`: field `who` (a username or an address). If
/// the account has a verified address (and logs in with a password), a reset
/// link is mailed to it — at most one per account every
/// [`FORGOT_COOLDOWN_MINUTES`]. The answer is the same, and comes at once,
/// whatever the account: the lookup and the mail happen after it.
#[server(prefix = "/api", endpoint = "forgot_password")]
pub async fn forgot_password(who: String) -> Result<(), AppError> {
    use crate::server::{
        config::Switch,
        http::{forms, gate},
    };
    let outcome = async {
        let state = gate::app_state()?;
        forms::check_auth_rate(&who).await?;
        if state.config.password_login == Switch::Off {
            return Err(AppError::PasswordLoginOff);
        }
        let Some(mailer) = state.mail.clone() else { return Err(AppError::NotFound) };
        tokio::spawn(async move {
            if let Err(err) = mail_reset_link(&state, &mailer, who.trim()).await {
                tracing::warn!(%err, "a reset link could not be mailed");
            }
        });
        Ok(())
    }
    .await;
    forms::finish(outcome, "/forgot", "/forgot?sent=1", "")
}

/// A mailed reset link is not made again for the same account sooner than this.
#[cfg(feature = "ssr")]
const FORGOT_COOLDOWN_MINUTES: i64 = 15;

/// Mails a reset link to the verified address of the account `who` names, if
/// there is one, it logs in with a password, and none was made lately.
#[cfg(feature = "ssr")]
async fn mail_reset_link(
    state: &crate::server::http::state::AppState,
    mailer: &crate::server::mail::Mailer,
    who: &str,
) -> Result<(), AppError> {
    let account = if who.contains('@') {
        state.store.emails().account_with_address(who).await?
    } else {
        match crate::names::canonical_username(who) {
            Ok(name) => state.store.find_user_by_name(&name).await?,
            Err(_) => None,
        }
    };
    let Some(account) = account.filter(|account| !account.deactivated) else { return Ok(()) };
    let Some(address) = state.store.emails().email_of(account.id).await?.filter(|address| address.verified) else {
        return Ok(());
    };
    let recently = chrono::Utc::now() - chrono::Duration::minutes(FORGOT_COOLDOWN_MINUTES);
    if state.store.identities().has_identity(account.id).await?
        || state.store.resets().reset_made_since(account.id, recently).await?
    {
        return Ok(());
    }
    let (token, _) = state.store.resets().create_reset(account.id).await?;
    let mail = crate::server::mail::compose::reset(&account.username, &mailer.link(&crate::paths::reset(&token)));
    mailer.send("reset", &address.address, mail).await.map_err(AppError::internal)
}

/// `/forgot`: a reset link by mail.
#[component]
pub fn ForgotPage() -> impl IntoView {
    let query = use_query_map();
    let sent = move || query.with(|q| q.get("sent").is_some());
    let error =
        move || query.with(|q| q.get("error").and_then(|code| AppError::from_redirect(&code, q.get("retry_after").as_deref())));
    view! {
        <Title text="Forgot your password? · Parlor" />
        <section class="card auth-card">
            <h1>"Forgot your password?"</h1>
            {move || sent().then(|| view! {
                <p id="forgotSent" class="notice" role="status">"If that account has a verified e-mail address, a link to choose a new password is on its way."</p>
            })}
            <form method="post" action="/api/forgot_password" class="auth-form">
                <label for="forgotWho">"Your username or e-mail address"</label>
                <input id="forgotWho" name="who" autocomplete="username" autocapitalize="none" required />
                {move || error().map(|err| view! { <p class="form-error" role="alert">{err.to_string()}</p> })}
                <button type="submit" id="forgotBtn">"Mail me a link"</button>
            </form>
            <p><a href="/login">"Back to log in"</a></p>
        </section>
    }
}
