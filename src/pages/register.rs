//! `/register`: the sign-up form and the `register` server function.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    components::auth_form::{AuthForm, LastAttempt},
    error::AppError,
};

/// `POST /api/register` with `username`, `password` and an optional `next` path.
/// Creates the account and logs it in.
#[server(prefix = "/api", endpoint = "register")]
pub async fn register(username: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::server::{auth::AuthSession, forms, state::AppState};
    let next = forms::safe_next(next.as_deref());
    let state = use_context::<AppState>().ok_or(AppError::Internal)?;
    let mut auth: AuthSession = leptos_axum::extract().await.map_err(|_| AppError::Internal)?;
    let outcome = async {
        forms::check_auth_rate(&username).await?;
        let user = crate::server::auth::register(&state.db, &username, password).await?;
        auth.login(&user).await.map_err(|_| AppError::Internal)
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
            <p class="hint">"Usernames: 1-32 of a-z, 0-9, _ and -. Passwords: at least 8 characters."</p>
            <p>
                "Have an account? "
                <a href=move || format!("/login?next={}", urlencoding::encode(&next.get()))>"Log in"</a>
            </p>
        </AuthForm>
    }
}
