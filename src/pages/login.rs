//! `/login`: the log-in form and the `login` / `logout` server functions. The form
//! is a plain HTML post to `/api/login`, so it works with and without JavaScript.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    components::auth_form::{AuthForm, LastAttempt},
    error::AppError,
    paths,
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
        forms::check_auth_rate(&username).await?;
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
        state.sessions.log_in(&mut auth, &user, &gate::user_agent().await).await
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
    view! {
        <Title text="Log in · Parlor" />
        <AuthForm
            title="Log in"
            action="/api/login"
            submit="Log in"
            password_autocomplete="current-password"
            error
            next
            username
        >
            <p>
                "No account yet? "
                <a href=move || paths::register_then(&next.get())>
                    "Register"
                </a>
            </p>
        </AuthForm>
    }
}
