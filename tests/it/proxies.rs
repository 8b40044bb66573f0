//! Rate limits see the real client behind a proxy: with `--trusted-proxies`,
//! the right-most untrusted `X-Forwarded-For` hop is the client, so one client's
//! failed log-ins do not lock out the others, and a forged header from an
//! untrusted peer changes nothing. A stranger cannot lock a user out by name.
//! The tests go through the shipped nginx config; clients connect to it from
//! different loopback addresses (127.0.0.2, 127.0.0.3), nginx reaches Parlor
//! from 127.0.0.1.

use std::net::{IpAddr, Ipv4Addr};

use reqwest::StatusCode;

use crate::harness::{PASSWORD, TestApp, services::Nginx};

/// An HTTP client whose connections come from `ip`.
fn client_from(ip: [u8; 4]) -> reqwest::Client {
    reqwest::Client::builder().local_address(IpAddr::V4(Ipv4Addr::from(ip))).build().unwrap()
}

async fn log_in(client: &reqwest::Client, url: &str, username: &str, password: &str) -> StatusCode {
    client
        .post(url)
        .header("accept", "application/json")
        .form(&[("username", username), ("password", password)])
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_allowance() {
    let app = TestApp::spawn_with(|config| {
        config.auth_attempts_per_ip = 3;
        config.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    app.user("alice").await;
    let nginx = Nginx::start(&[app.addr]);
    let login = nginx.url("/api/login");
    let (attacker, bystander) = (client_from([127, 0, 0, 2]), client_from([127, 0, 0, 3]));
    for _ in 0..3 {
        assert_eq!(log_in(&attacker, &login, "mallory", "guess-guess").await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(log_in(&attacker, &login, "mallory", "guess-guess").await, StatusCode::TOO_MANY_REQUESTS);
    // A forged X-Forwarded-For does not buy the attacker a fresh allowance.
    let forged = attacker
        .post(&login)
        .header("accept", "application/json")
        .header("x-forwarded-for", "203.0.113.77")
        .form(&[("username", "mallory"), ("password", "guess-guess")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(log_in(&bystander, &login, "alice", PASSWORD).await, StatusCode::OK, "another client is unaffected");
}

#[tokio::test]
async fn without_trusted_proxies_the_header_is_ignored() {
    let app = TestApp::spawn_with(|config| config.auth_attempts_per_ip = 2).await;
    let client = reqwest::Client::new();
    let login = app.url("/api/login");
    for n in 0..2 {
        let forged = client
            .post(&login)
            .header("accept", "application/json")
            .header("x-forwarded-for", format!("203.0.113.{n}"))
            .form(&[("username", "x"), ("password", "guess-guess")])
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
    }
    let third = client
        .post(&login)
        .header("accept", "application/json")
        .header("x-forwarded-for", "203.0.113.99")
        .form(&[("username", "x"), ("password", "guess-guess")])
        .send()
        .await
        .unwrap();
    assert_eq!(third.status(), StatusCode::TOO_MANY_REQUESTS, "the peer address counts, not the header");
}

#[tokio::test]
async fn a_stranger_cannot_lock_a_user_out_by_guessing_her_password() {
    let app = TestApp::spawn_with(|config| {
        config.auth_attempts_per_ip = 1000;
        config.auth_attempts_per_username = 3;
        config.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    app.user("alice").await;
    let nginx = Nginx::start(&[app.addr]);
    let login = nginx.url("/api/login");
    let (stranger, alice) = (client_from([127, 0, 0, 2]), client_from([127, 0, 0, 3]));
    for _ in 0..3 {
        assert_eq!(log_in(&stranger, &login, "alice", "guess-guess").await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(log_in(&stranger, &login, "alice", PASSWORD).await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(log_in(&alice, &login, "alice", PASSWORD).await, StatusCode::OK, "alice from her own address");
}

#[tokio::test]
async fn metrics_are_not_served_through_the_shipped_nginx_config() {
    let app = TestApp::spawn_with(|config| config.metrics_addr = Some("127.0.0.1:0".parse().unwrap())).await;
    let nginx = Nginx::start(&[app.addr]);
    let client = reqwest::Client::new();
    assert_eq!(client.get(nginx.url("/metrics")).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(client.get(app.url("/metrics")).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    let metrics_addr = app.metrics_addr.expect("the operations listener");
    let metrics = client.get(format!("http://{metrics_addr}/metrics")).send().await.unwrap();
    assert_eq!(metrics.status(), StatusCode::OK);
    // The public health check says ok or unavailable, never the error text.
    let public: serde_json::Value = client.get(nginx.url("/healthz")).send().await.unwrap().json().await.unwrap();
    assert_eq!(public, serde_json::json!({"database": "ok", "channel_layer": "ok"}));
    let detailed = client.get(format!("http://{metrics_addr}/healthz")).send().await.unwrap();
    assert_eq!(detailed.status(), StatusCode::OK);
}
