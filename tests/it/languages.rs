//! Languages (#45): a page speaks its reader's language — the browser's
//! `Accept-Language`, else `--default-locale` — with `<html lang>` to match,
//! and carries its islands' messages in that language only.

use crate::harness::TestApp;

/// The page at `path`, asked for with `accept_language`.
async fn page(app: &TestApp, path: &str, accept_language: Option<&str>) -> String {
    let visitor = app.visitor();
    let mut request = visitor.http.get(app.url(path));
    if let Some(languages) = accept_language {
        request = request.header("accept-language", languages);
    }
    request.send().await.expect("request sent").text().await.expect("page")
}

#[tokio::test]
async fn the_log_in_page_follows_accept_language_with_its_quality_values() {
    let app = TestApp::spawn().await;
    let spanish = page(&app, "/login", Some("es-MX,es;q=0.9,en;q=0.8")).await;
    assert!(spanish.contains(r#"<html lang="es""#), "{spanish}");
    assert!(spanish.contains("Iniciar sesión · Parlor"), "the title");
    assert!(spanish.contains("Nombre de usuario"), "the form");
    assert!(!spanish.contains(">Username<"), "no English left in the form");

    let english = page(&app, "/login", Some("fr;q=1, en;q=0.5, es;q=0.4")).await;
    assert!(english.contains(r#"<html lang="en""#));
    assert!(english.contains(">Username<"));

    let unknown = page(&app, "/login", Some("de, fr")).await;
    assert!(unknown.contains(r#"<html lang="en""#), "the default locale");
}

#[tokio::test]
async fn the_default_locale_is_a_flag_and_the_page_carries_only_its_readers_messages() {
    let app = TestApp::spawn_with(|config| config.default_locale = parlor::i18n::Locale::Es).await;
    let spanish = page(&app, "/login", None).await;
    assert!(spanish.contains(r#"<html lang="es""#));
    let texts_start = spanish.find(r#"id="parlorTexts""#).expect("the islands' messages");
    let texts = &spanish[texts_start..spanish[texts_start..].find("</script>").unwrap() + texts_start];
    assert!(texts.contains(r#""locale":"es""#), "{texts}");
    assert!(texts.contains("Enviar"), "the composer's button, in Spanish");
    assert!(!texts.contains(r#"[{"t":"Send"}]"#), "not in English");
    assert!(!texts.contains("header-search"), "server-only messages stay on the server");

    let english = page(&app, "/login", Some("en-GB")).await;
    assert!(english.contains(r#"<html lang="en""#), "the browser's language wins over the default");
}

/// The page at `path` as `visitor` sees it, its browser asking for `accept_language`.
async fn page_as(visitor: &crate::harness::Visitor, path: &str, accept_language: &str) -> String {
    let response = visitor
        .http
        .get(format!("{}{path}", visitor.base()))
        .header("accept-language", accept_language)
        .send()
        .await
        .expect("request sent");
    response.text().await.expect("page")
}

#[tokio::test]
async fn the_accounts_language_wins_over_the_browsers_and_follows_it_when_reset() {
    let app = TestApp::spawn().await;
    let ana = app.user("ana").await;
    assert!(page_as(&ana, "/settings", "en").await.contains(r#"<html lang="en""#));

    let saved = ana.post_form("/api/locale", &[("locale", "es")]).await;
    assert_eq!(saved.status(), reqwest::StatusCode::OK);
    let settings = page_as(&ana, "/settings", "en-US,en;q=0.9").await;
    assert!(settings.contains(r#"<html lang="es""#), "the account's choice, whatever the browser says");
    assert!(settings.contains("Guardar idioma"), "the settings page speaks it");
    assert!(settings.contains(r#"<option value="es" lang="es" selected"#), "and shows the choice");

    let unknown = ana.post_form("/api/locale", &[("locale", "fr")]).await;
    assert_eq!(unknown.status(), reqwest::StatusCode::BAD_REQUEST, "a language Parlor does not speak");
    let pseudo = ana.post_form("/api/locale", &[("locale", "en-XA")]).await;
    assert_eq!(pseudo.status(), reqwest::StatusCode::BAD_REQUEST, "the tests' pseudo-locale is not a choice");

    let reset = ana.post_form("/api/locale", &[("locale", "")]).await;
    assert_eq!(reset.status(), reqwest::StatusCode::OK);
    assert!(page_as(&ana, "/settings", "en").await.contains(r#"<html lang="en""#), "the browser's again");
}

#[tokio::test]
async fn an_account_made_in_spanish_speaks_spanish_on_any_browser() {
    let app = TestApp::spawn().await;
    let visitor = app.visitor();
    let made = visitor
        .http
        .post(app.url("/api/register"))
        .header("accept", "application/json")
        .header("accept-language", "es-AR,es;q=0.9")
        .form(&[("username", "bea"), ("password", crate::harness::PASSWORD)])
        .send()
        .await
        .expect("request sent");
    assert_eq!(made.status(), reqwest::StatusCode::OK);
    assert!(page_as(&visitor, "/settings", "en").await.contains(r#"<html lang="es""#));
}
