//! E-mail (#31) through a local SMTP sink: an address verified by its link;
//! a mention not read in time is mailed once (coalesced per room), not at all
//! when read in time or while reading; the one-click unsubscribe (RFC 8058)
//! stops them; "forgot your password" mails a reset link to a verified
//! address only, answering the same for unknown names.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{PASSWORD, TestApp, Visitor, smtp::SmtpSink};

/// A server mailing through `sink`, mailing what is missed after a second.
async fn app_for(sink: &SmtpSink) -> TestApp {
    let url = sink.url();
    TestApp::spawn_with(move |config| {
        config.smtp_url = Some(url);
        config.mail_from = "Parlor <parlor@chat.test>".into();
        config.mail_delay_secs = 1;
    })
    .await
}

/// Sets and verifies `address` for `visitor` through the mailed link.
async fn verified(app: &TestApp, sink: &SmtpSink, visitor: &Visitor, address: &str) {
    let before = sink.mails_to(address).len();
    let (status, body) = visitor.post_json("/api/set_email", &[("address", address), ("password", PASSWORD)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mail = sink.wait_for(address, before + 1, Duration::from_secs(10)).await.pop().unwrap();
    assert_eq!(mail.from, "parlor@chat.test");
    let link = mail.link_with("/verify-email/").expect("a verification link");
    let path = link.splitn(4, '/').nth(3).map(|rest| format!("/{rest}")).unwrap();
    // Opening the link (as a mail scanner would) changes nothing: its page has the button.
    let page = reqwest::get(app.url(&path)).await.unwrap().text().await.unwrap();
    assert!(page.contains(address) && page.contains("verifyBtn"), "{page}");
    assert!(visitor.get("/settings").await.text().await.unwrap().contains("open the link mailed to it"));
    let response = visitor.http.post(app.url(&path)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/settings?done=email_verified");
}

#[tokio::test]
async fn a_mention_not_read_in_time_is_mailed_once_per_room_and_unsubscribe_stops_them() {
    let sink = SmtpSink::start().await;
    let app = app_for(&sink).await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let (status, _) = bob.post_json("/api/set_email", &[("address", "not an address")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    verified(&app, &sink, &bob, "bob@example.test").await;
    let page = bob.get("/settings").await.text().await.unwrap();
    assert!(page.contains("bob@example.test (verified)"), "the settings show the address");

    // Bob is away (no socket); two mentions in one room make one mail.
    let mut room = alice.socket("general", Some(0)).await;
    room.say("@bob the build is red", "m1").await;
    room.say("@bob and the deploy waits for you", "m2").await;
    room.say("nothing for bob here", "m3").await;
    let mails = sink.wait_for("bob@example.test", 2, Duration::from_secs(15)).await;
    let missed = &mails[1];
    assert_eq!(missed.header("Subject").as_deref(), Some("[Parlor] 2 messages for you in #general"));
    let body = missed.body();
    assert!(body.contains("alice: @bob the build is red") && body.contains("the deploy waits"), "{body}");
    assert!(!body.contains("nothing for bob"), "{body}");
    let unsubscribe = missed.header("List-Unsubscribe").expect("List-Unsubscribe");
    assert!(unsubscribe.starts_with('<') && unsubscribe.contains("/unsubscribe/"), "{unsubscribe}");
    assert_eq!(missed.header("List-Unsubscribe-Post").as_deref(), Some("List-Unsubscribe=One-Click"));
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(sink.mails_to("bob@example.test").len(), 2, "mailed once");

    // Read in time: no mail.
    let quick = room.say("@bob quick one", "m4").await;
    let mut bobs = bob.socket("general", Some(quick - 1)).await;
    assert_eq!(bobs.next_of("message").await["seq"], quick);
    bobs.send_json(json!({"type": "read", "seq": quick})).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(bobs);
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(sink.mails_to("bob@example.test").len(), 2, "read in time: not mailed");

    // One-click unsubscribe (as a mail program posts it: no cookie, no origin).
    let link = unsubscribe.trim_matches(|c| c == '<' || c == '>');
    let response = reqwest::Client::new().post(link).body("List-Unsubscribe=One-Click").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    room.say("@bob are you there?", "m5").await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(sink.mails_to("bob@example.test").len(), 2, "unsubscribed: nothing more");
    assert!(bob.get("/settings").await.text().await.unwrap().contains("Nothing is mailed to you."));
}

#[tokio::test]
async fn a_direct_message_is_mailed_but_not_while_its_reader_is_online() {
    let sink = SmtpSink::start().await;
    let app = app_for(&sink).await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    verified(&app, &sink, &bob, "bob@example.test").await;
    let response = alice.http.post(app.url("/dm/bob/")).header("origin", alice.base()).send().await.unwrap();
    let room = response.headers()["location"].to_str().unwrap().trim_start_matches("/room/").trim_end_matches('/').to_owned();
    // Online (the inbox open): nothing is mailed.
    let inbox = bob.inbox().await;
    let mut dm = alice.socket(&room, Some(0)).await;
    dm.say("lunch?", "d1").await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(sink.mails_to("bob@example.test").len(), 1, "only the verification: bob was online");
    drop(inbox);
    dm.say("lunch at noon then", "d2").await;
    let mails = sink.wait_for("bob@example.test", 2, Duration::from_secs(15)).await;
    assert_eq!(mails[1].header("Subject").as_deref(), Some("[Parlor] A message for you in @alice"));
}

#[tokio::test]
async fn forgot_password_mails_a_link_to_a_verified_address_and_answers_the_same_for_anyone() {
    let sink = SmtpSink::start().await;
    let app = app_for(&sink).await;
    let bob = app.user("bob").await;
    verified(&app, &sink, &bob, "bob@example.test").await;
    let stranger = app.visitor();
    for who in ["bob", "nobody-here", "someone@else.test"] {
        let response = stranger.post_plain_form("/api/forgot_password", &[("who", who)]).await;
        assert!(response.status().is_redirection(), "{who}");
        assert_eq!(response.headers()["location"], "/forgot?sent=1", "the same answer for {who}");
    }
    let mails = sink.wait_for("bob@example.test", 2, Duration::from_secs(10)).await;
    assert_eq!(sink.mails().len(), 2, "one verification and one reset link, nothing for the unknown");
    let link = mails[1].link_with("/reset/").expect("a reset link");
    let token = link.rsplit('/').next().unwrap().to_owned();
    let (status, _) = stranger.post_json("/api/reset_password", &[("token", &token), ("new", "remembered at last")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.visitor().login("bob", "remembered at last").await.status(), StatusCode::OK);
    assert_eq!(app.visitor().login("bob", PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
    // The reset ended the account's other links; asking again (by address, any case) so soon mails nothing.
    stranger.post_plain_form("/api/forgot_password", &[("who", "BOB@example.test")]).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(sink.mails_to("bob@example.test").len(), 2, "one link per account per quarter hour");
}

#[tokio::test]
async fn forgot_password_is_rate_limited_per_name() {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = TestApp::spawn_with(move |config| {
        config.smtp_url = Some(url);
        config.auth_attempts_per_username = 2;
    })
    .await;
    let stranger = app.visitor();
    for _ in 0..2 {
        assert_eq!(stranger.post_json("/api/forgot_password", &[("who", "carol")]).await.0, StatusCode::OK);
    }
    let (status, body) = stranger.post_json("/api/forgot_password", &[("who", "carol")]).await;
    assert_eq!((status, &body["error"]), (StatusCode::TOO_MANY_REQUESTS, &json!("rate_limited")));
}

#[tokio::test]
async fn an_address_verified_by_one_account_is_not_verified_by_another() {
    let sink = SmtpSink::start().await;
    let app = app_for(&sink).await;
    let (ann, mallory) = (app.user("ann").await, app.user("mallory").await);
    // Mallory claims ann's address first; ann verifies it; mallory's link then fails.
    mallory.post_json("/api/set_email", &[("address", "ann@example.test"), ("password", PASSWORD)]).await;
    let mallorys = sink.wait_for("ann@example.test", 1, Duration::from_secs(10)).await.pop().unwrap();
    verified(&app, &sink, &ann, "ann@example.test").await;
    let link = mallorys.link_with("/verify-email/").unwrap();
    let path = link.splitn(4, '/').nth(3).map(|rest| format!("/{rest}")).unwrap();
    let response = mallory.http.post(app.url(&path)).send().await.unwrap();
    assert_eq!(response.headers()["location"], "/settings?error=bad_email");
    assert!(mallory.get("/settings").await.text().await.unwrap().contains("open the link mailed to it"), "still unverified");
}
