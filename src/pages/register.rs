//! `/register`: the sign-up form and the `register` server function.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    components::auth_form::{AuthForm, LastAttempt},
    error::AppError,
    i18n::{t, t_args},
    names::{PASSWORD_RULE, USERNAME_RULE},
    pages::entry::entry_info,
    paths,
};

/// A rule as the first words of a sentence.
fn capitalized(rule: &str) -> String {
    let mut chars = rule.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// `POST /api/register` with `username`, `password`, an optional `next` path
/// and an optional account `invitation`'s code. Creates the account, if the
/// registration mode allows (and counts the invitation's use), joins the
/// invitation's rooms, and logs it in.
#[server(prefix = "/api", endpoint = "register")]
pub async fn register(
    username: String,
    password: String,
    next: Option<String>,
    invitation: Option<String>,
) -> Result<(), AppError> {
    use crate::server::{
        accounts::auth,
        config::Switch,
        http::{entry, forms, gate, locale},
        storage::registration::Entry,
    };
    let next = forms::safe_next(next.as_deref());
    let state = gate::app_state()?;
    let mut auth = gate::auth_session().await?;
    let invitation = invitation.filter(|code| !code.trim().is_empty());
    let outcome = async {
        forms::check_auth_rate(&username).await?;
        if state.config.password_login == Switch::Off {
            return Err(AppError::PasswordLoginOff);
        }
        let entry = Entry::Password { invitation: invitation.as_deref().map(str::trim) };
        let (user, used) = auth::register(&state.store, &state.passwords, (&username, password), entry).await?;
        // The account speaks the language it was made in, when the browser asked for one
        // Parlor speaks (mails and pushes follow it; the settings page changes it).
        let headers: axum::http::HeaderMap = leptos_axum::extract().await.unwrap_or_default();
        if let Some(asked) = locale::asked(&headers) {
            state.store.set_locale(user.0.id, Some(asked)).await?;
        }
        if let Some(used) = &used {
            entry::join_invited_rooms(&state, &user, used).await;
        }
        state.sessions.log_in(&mut auth, &user, &gate::user_agent().await).await
    }
    .await;
    let form_page = invitation.as_deref().map_or_else(|| "/register".to_owned(), paths::welcome);
    forms::finish(outcome, &form_page, &next, &username)
}

#[component]
pub fn RegisterPage() -> impl IntoView {
    let LastAttempt { error, next, username } = LastAttempt::from_query();
    let info = Resource::new(|| (), |()| entry_info());
    view! {
        <Title text=t_args("page-title", &[("title", t("register-title").as_str().into())]) />
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                info.await.ok().map(|info| view! {
                    <p id="registrationMode" class="notice registration-mode" data-mode=info.mode.as_str()>{info.mode.describe()}</p>
                })
            })}
        </Suspense>
        <AuthForm
            title=t("register-title")
            action="/api/register"
            submit=t("register-submit")
            password_autocomplete="new-password"
            error
            next
            username
        >
            <p class="hint">{capitalized(USERNAME_RULE)}". "{capitalized(PASSWORD_RULE)}"."</p>
            <p>
                {t("register-have-account")}" "
                <a href=move || paths::login_then(&next.get())>{t("header-log-in")}</a>
            </p>
        </AuthForm>
    }
}
