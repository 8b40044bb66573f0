//! The username/password form of the login and register pages: a plain HTML post
//! to a server function, with the error of the last attempt shown above the button.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::{error::AppError, i18n::t};

/// What the redirect after a failed plain-form post carries in its query:
/// `?error=CODE&retry_after=S&next=PATH&username=NAME`.
pub struct LastAttempt {
    pub error: Signal<Option<String>>,
    pub next: Signal<String>,
    pub username: Signal<String>,
}

impl LastAttempt {
    pub fn from_query() -> Self {
        let query = use_query_map();
        let error = Signal::derive(move || {
            let query = query.read();
            let retry_after = query.get("retry_after");
            query.get("error").and_then(|code| AppError::from_redirect(&code, retry_after.as_deref())).map(|e| e.to_string())
        });
        let next = Signal::derive(move || query.read().get("next").unwrap_or_default());
        let username = Signal::derive(move || query.read().get("username").unwrap_or_default());
        Self { error, next, username }
    }
}

#[component]
pub fn AuthForm(
    #[prop(into)] title: String,
    /// The server function's URL, e.g. `/api/login`.
    action: &'static str,
    #[prop(into)] submit: String,
    password_autocomplete: &'static str,
    /// The message of the last failed attempt.
    error: Signal<Option<String>>,
    /// Where to go after success (a same-site path).
    next: Signal<String>,
    /// The username of the last attempt, so it need not be typed again.
    username: Signal<String>,
    /// An account invitation's code, sent with the form (`/welcome/{code}`).
    #[prop(optional)]
    invitation: Option<String>,
    children: Children,
) -> impl IntoView {
    view! {
        <section class="card auth-card">
            <h1>{title}</h1>
            <form method="post" action=action class="auth-form">
                <input type="hidden" name="next" value=next />
                {invitation.map(|code| view! { <input type="hidden" name="invitation" value=code /> })}
                <label for="username">{t("auth-username")}</label>
                <input
                    id="username"
                    name="username"
                    autocomplete="username"
                    autocapitalize="none"
                    required
                    value=username
                />
                <label for="password">{t("auth-password")}</label>
                <input
                    id="password"
                    name="password"
                    type="password"
                    autocomplete=password_autocomplete
                    required
                />
                {move || error.get().map(|message| view! {
                    <p class="form-error" role="alert">{message}</p>
                })}
                <button type="submit" id="submitBtn">{submit}</button>
            </form>
            {children()}
        </section>
    }
}
