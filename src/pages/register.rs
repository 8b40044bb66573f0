//! `/register`: the sign-up form and the `register` server function.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    components::auth_form::{AuthForm, LastAttempt},
    error::AppError,
    names::{PASSWORD_RULE, USERNAME_RULE},
    paths,
};

/// A rule as the first words of a sentence.
fn capitalized(rule: &str) -> String {
    let mut chars = rule.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// `POST /api/register` with `username`, `password` and an optional `next` path.
/// Creates the account and logs it in.
#[server(prefix = "/api", endpoint = "register")]
pub async fn register(username: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::server::{
        accounts::auth,
        http::{forms, gate},
    };
    let next = forms::safe_next(next.as_deref());
    let state = gate::app_state()?;
    let mut auth = gate::auth_session().await?;
    let outcome = async {
        forms::check_auth_rate(&username).await?;
        let user = auth::register(&state.store, &state.passwords, &username, password).await?;
        state.sessions.log_in(&mut auth, &user, &gate::user_agent().await).await
    }
    .await;
    forms::finish(outcome, "/register", &next, &username)
}

#[component]
pub fn RegisterPage() -> impl IntoView {
    let LastAttempt { error, next, username } = LastAttempt::from_query();
    view! {
        <Title text="Register · Parlor" />
        <AuthForm
            title="Create an account"
            action="/api/register"
            submit="Register"
            password_autocomplete="new-password"
            error
            next
            username
        >
            <p class="hint">{capitalized(USERNAME_RULE)}". "{capitalized(PASSWORD_RULE)}"."</p>
            <p>
                "Have an account? "
                <a href=move || paths::login_then(&next.get())>"Log in"</a>
            </p>
        </AuthForm>
    }
}
