//! `/login`: the log-in form and the `login` / `logout` server functions. The form
//! is a plain HTML post to `/api/login`, so it works with and without JavaScript.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    components::auth_form::{AuthForm, LastAttempt},
    error::AppError,
    i18n::{t, t_args},
    pages::entry::entry_info,
    paths,
    protocol::RegistrationMode,
};

/// `POST /api/login` with `username`, `password` and an optional `next` path.
#[server(prefix = "/api", endpoint = "login")]
pub async fn login(username: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::server::{
        accounts::auth::Credentials,
        http::{forms, gate},
    };
    let next = forms::safe_next(next.as_deref());
    let state = gate::app_state()?;
    let mut auth = gate::auth_session().await?;
    let outcome = async {
        forms::check_login_rate(&username).await?;
        if state.config.password_login == crate::server::config::Switch::Off {
            return Err(AppError::PasswordLoginOff);
        }
        let creds = Credentials { username: username.clone(), password };
        let user = auth
            .authenticate(creds)
            .await
            .map_err(|err| {
                tracing::error!(%err, "authentication failed to run");
                AppError::Internal
            })?
            .ok_or(AppError::WrongCredentials)?;
        // Said only to whoever knows the password.
        if user.0.deactivated {
            return Err(AppError::Deactivated);
        }
        // Always a fresh session id, whatever session the request came with.
        state.sessions.log_in(&mut auth, &user, &gate::user_agent().await).await?;
        forms::remember_browser(&state, &user.0.username);
        Ok(())
    }
    .await;
    forms::finish(outcome, "/login", &next, &username)
}

/// `POST /api/logout`: ends the session on the server (its sockets close on
/// every instance) and returns to the lobby.
#[server(prefix = "/api", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::server::http::{forms, gate};
    let state = gate::app_state()?;
    let mut auth = gate::auth_session().await?;
    let outcome = state.sessions.log_out(&mut auth).await;
    if outcome.is_ok() {
        forms::clear_site_data();
    }
    forms::finish(outcome, "/", "/", "")
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let LastAttempt { error, next, username } = LastAttempt::from_query();
    let info = Resource::new(|| (), |()| entry_info());
    let reset = use_query_map().with_untracked(|q| q.get("reset").is_some());
    view! {
        <Title text=t_args("page-title", &[("title", t("login-title").as_str().into())]) />
        {reset.then(|| view! { <p id="resetDone" class="notice" role="status">{t("login-password-set")}</p> })}
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let info = info.await.ok()?;
                let sso = info.sso.clone().map(|name| view! {
                    <section class="card auth-card sso">
                        <a id="ssoLogin" class="button" href=move || paths::sso_start(&next.get())>{t_args("login-with", &[("provider", name.as_str().into())])}</a>
                        {(!info.password_login).then(|| error.get().map(|message| view! { <p class="form-error" role="alert">{message}</p> }))}
                    </section>
                });
                let password = info.password_login.then(|| view! {
                    <AuthForm
                        title=t("login-title")
                        action="/api/login"
                        submit=t("login-submit")
                        password_autocomplete="current-password"
                        error
                        next
                        username
                    >
                        {info.mail.then(|| view! { <p><a id="forgotLink" href="/forgot">{t("login-forgot")}</a></p> })}
                        {(info.mode != RegistrationMode::Closed).then(|| view! {
                            <p>
                                {t("login-no-account")}" "
                                <a href=move || paths::register_then(&next.get())>{t("header-register")}</a>
                            </p>
                        })}
                    </AuthForm>
                });
                Some(view! { {sso} {password} })
            })}
        </Suspense>
    }
}
