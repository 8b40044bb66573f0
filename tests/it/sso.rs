//! Single sign-on (#31) against a local OpenID provider: a first log-in makes
//! an account linked by (`iss`, `sub`) — never by e-mail — and the next finds
//! it; a wrong `nonce`, a wrong `aud`, an expired token, `alg: none`, an
//! unknown key id and a replayed code are each refused; rotated keys are
//! fetched again; the registration mode decides new accounts (SSO counts as
//! invited); `--password-login off` leaves SSO only.

use reqwest::{StatusCode, redirect::Policy};

use crate::harness::{
    PASSWORD, TestApp,
    oidc::{CLIENT_ID, CLIENT_SECRET, Person, Provider, TokenKind},
};

/// A server whose single sign-on is `provider`.
async fn app_for(provider: &Provider, adjust: impl FnOnce(&mut parlor::server::config::Config) + Send + 'static) -> TestApp {
    let issuer = provider.issuer();
    TestApp::spawn_with(move |config| {
        config.oidc_issuer = Some(issuer);
        config.oidc_client_id = Some(CLIENT_ID.into());
        config.oidc_client_secret = Some(CLIENT_SECRET.into());
        config.oidc_name = "Test ID".into();
        adjust(config);
    })
    .await
}

/// A browser that follows the flow by hand: its cookie jar, no redirects.
fn browser() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(Policy::none()).build().unwrap()
}

/// Runs the flow in `client` up to Parlor's callback: the callback's URL.
async fn to_callback(app: &TestApp, client: &reqwest::Client) -> String {
    let start = client.get(app.url("/auth/oidc/start?next=/room/lobby/")).send().await.unwrap();
    assert_eq!(start.status(), StatusCode::SEE_OTHER);
    let authorize = start.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        authorize.contains("code_challenge_method=S256") && authorize.contains("nonce=") && authorize.contains("state="),
        "{authorize}"
    );
    let back = client.get(&authorize).send().await.unwrap();
    assert!(back.status().is_redirection(), "the provider sends the browser back");
    back.headers()["location"].to_str().unwrap().to_owned()
}

/// Runs the whole flow; where Parlor sent the browser at the end.
async fn log_in(app: &TestApp, client: &reqwest::Client) -> String {
    let callback = to_callback(app, client).await;
    let done = client.get(&callback).send().await.unwrap();
    assert!(done.status().is_redirection(), "{}", done.status());
    done.headers()["location"].to_str().unwrap().to_owned()
}

async fn whoami(app: &TestApp, client: &reqwest::Client) -> Option<String> {
    client.post(app.url("/api/me")).header("accept", "application/json").send().await.unwrap().json().await.unwrap()
}

#[tokio::test]
async fn a_first_sso_log_in_makes_an_account_linked_by_issuer_and_subject() {
    let provider = Provider::start().await;
    let app = app_for(&provider, |_| {}).await;
    let admin = app.user("admin").await;
    let login_page = app.visitor().get("/login").await.text().await.unwrap();
    assert!(login_page.contains("Log in with Test ID"));

    let browser_one = browser();
    assert_eq!(log_in(&app, &browser_one).await, "/room/lobby/");
    assert_eq!(whoami(&app, &browser_one).await.as_deref(), Some("sso-user"));

    // The same subject again, under another name: the same account.
    provider.sign_in_as(Person { subject: "sub-1".into(), preferred_username: "renamed".into(), email: "x@example.test".into() });
    let browser_two = browser();
    log_in(&app, &browser_two).await;
    assert_eq!(whoami(&app, &browser_two).await.as_deref(), Some("sso-user"));

    // Another subject with the first one's e-mail: never linked by e-mail; a name taken gets a suffix.
    provider.sign_in_as(Person {
        subject: "sub-2".into(),
        preferred_username: "sso-user".into(),
        email: "sso@example.test".into(),
    });
    let browser_three = browser();
    log_in(&app, &browser_three).await;
    assert_eq!(whoami(&app, &browser_three).await.as_deref(), Some("sso-user-2"));
    // An SSO account has no password to log in with, and gets none by a reset link.
    assert_eq!(app.visitor().login("sso-user", "").await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(admin.post_json("/api/admin/users/reset", &[("username", "sso-user")]).await.0, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn every_bad_id_token_and_a_replayed_code_are_refused() {
    let provider = Provider::start().await;
    let app = app_for(&provider, |_| {}).await;
    for kind in [TokenKind::WrongNonce, TokenKind::WrongAudience, TokenKind::Expired, TokenKind::AlgNone, TokenKind::UnknownKey] {
        provider.next_token(kind);
        let client = browser();
        let at = log_in(&app, &client).await;
        assert_eq!(at, "/login?error=sso_failed", "{kind:?}");
        assert_eq!(whoami(&app, &client).await, None, "{kind:?} logged nobody in");
    }
    provider.next_token(TokenKind::Good);

    // A code used once, then replayed in a new flow of the same browser: the provider refuses it.
    let client = browser();
    let callback = to_callback(&app, &client).await;
    assert_eq!(client.get(&callback).send().await.unwrap().headers()["location"], "/room/lobby/");
    client.post(app.url("/api/logout")).header("accept", "application/json").send().await.unwrap();
    let fresh = to_callback(&app, &client).await;
    let old_code = callback.split("code=").nth(1).unwrap().split('&').next().unwrap();
    let fresh_state = fresh.split("state=").nth(1).unwrap();
    let replayed = format!("{}?code={old_code}&state={fresh_state}", app.url("/auth/oidc/callback"));
    assert_eq!(client.get(&replayed).send().await.unwrap().headers()["location"], "/login?error=sso_failed");
    assert!(provider.refused().iter().any(|why| why.contains("used already")), "{:?}", provider.refused());
    assert_eq!(whoami(&app, &client).await, None);
    // The same callback twice (the flow is gone from the session after its first use).
    let again = client.get(&fresh).send().await.unwrap();
    assert_eq!(again.headers()["location"], "/login?error=sso_failed");
    // A state from another session.
    let other = browser();
    let foreign = to_callback(&app, &browser()).await;
    let _ = to_callback(&app, &other).await;
    assert_eq!(other.get(&foreign).send().await.unwrap().headers()["location"], "/login?error=sso_failed");
}

#[tokio::test]
async fn rotated_keys_are_fetched_again() {
    let provider = Provider::start().await;
    let app = app_for(&provider, |_| {}).await;
    log_in(&app, &browser()).await;
    provider.rotate_keys();
    let client = browser();
    assert_eq!(log_in(&app, &client).await, "/room/lobby/");
    assert_eq!(whoami(&app, &client).await.as_deref(), Some("sso-user"));
}

#[tokio::test]
async fn the_registration_mode_decides_new_sso_accounts_and_password_login_can_be_off() {
    let provider = Provider::start().await;
    let app = app_for(&provider, |config| config.password_login = parlor::server::config::Switch::Off).await;
    let admin = app.user_by_sso_as_first(&provider).await;
    assert_eq!(app.visitor().login("anyone", PASSWORD).await.status(), StatusCode::FORBIDDEN, "password log-in is off");
    let (status, body) = app.visitor().post_json("/api/register", &[("username", "anyone"), ("password", PASSWORD)]).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::FORBIDDEN, Some("password_login_off")));

    admin
        .post(app.url("/api/admin/registration"))
        .header("accept", "application/json")
        .form(&[("mode", "invite")])
        .send()
        .await
        .unwrap();
    provider.sign_in_as(Person {
        subject: "sub-invited".into(),
        preferred_username: "invitee".into(),
        email: "i@example.test".into(),
    });
    let client = browser();
    assert_eq!(log_in(&app, &client).await, "/room/lobby/", "single sign-on counts as invited");

    admin
        .post(app.url("/api/admin/registration"))
        .header("accept", "application/json")
        .form(&[("mode", "closed")])
        .send()
        .await
        .unwrap();
    provider.sign_in_as(Person {
        subject: "sub-late".into(),
        preferred_username: "latecomer".into(),
        email: "l@example.test".into(),
    });
    let client = browser();
    assert_eq!(log_in(&app, &client).await, "/login?error=registration_closed");
    assert_eq!(whoami(&app, &client).await, None);
    // An account that exists still logs in when closed.
    provider.sign_in_as(Person {
        subject: "sub-invited".into(),
        preferred_username: "invitee".into(),
        email: "i@example.test".into(),
    });
    let client = browser();
    log_in(&app, &client).await;
    assert_eq!(whoami(&app, &client).await.as_deref(), Some("invitee"));
}

impl TestApp {
    /// The deployment's first account, made by single sign-on (so it is the administrator).
    async fn user_by_sso_as_first(&self, provider: &Provider) -> reqwest::Client {
        provider.sign_in_as(Person {
            subject: "sub-admin".into(),
            preferred_username: "boss".into(),
            email: "b@example.test".into(),
        });
        let client = browser();
        log_in(self, &client).await;
        assert_eq!(whoami(self, &client).await.as_deref(), Some("boss"));
        client
    }
}
