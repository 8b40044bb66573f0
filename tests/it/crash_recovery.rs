//! Durability across a crash: several clients send a steady load with several
//! sends in flight each, the server is killed with SIGKILL mid-run and restarted
//! on the same database, the clients reconnect with `?after=` and resend what
//! was not acked (same `client_id`).
//! Afterwards every acked message is in history exactly once, history is
//! gap-free, and every client saw the whole sequence once, in order.

use std::{
    collections::HashMap,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use crate::harness::{is_ephemeral, process::ServerProcess};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{self, client::IntoClientRequest, http::HeaderValue};

const CLIENTS: usize = 3;
const MESSAGES_PER_CLIENT: usize = 60;
/// The server is killed once this many messages (of all clients) are acked.
const KILL_AFTER_ACKS: usize = 60;
const ROOM: &str = "crash";
/// Sends a client keeps unacked at once, so the kill meets several in flight.
const IN_FLIGHT: usize = 4;
/// The flags every start of the server gets.
const FLAGS: &[&str] = &["--messages-per-second", "100000"];

/// What one client experienced.
#[derive(Default)]
struct Outcome {
    /// client_id -> seq of every ack received.
    acked: HashMap<String, i64>,
    /// Every message seq received, in arrival order over all its connections.
    seen: Vec<i64>,
}

/// Sends `MESSAGES_PER_CLIENT` messages, keeping up to `IN_FLIGHT` unacked at
/// once, reconnecting with `?after=` whenever the connection drops and resending
/// every message that was not acked (same `client_id`).
async fn run_client(port: u16, cookie: String, index: usize, acks: Arc<AtomicUsize>) -> Outcome {
    let mut outcome = Outcome::default();
    let client_id = |n: usize| format!("c{index}-{n}");
    while outcome.acked.len() < MESSAGES_PER_CLIENT {
        let after = outcome.seen.last().copied().unwrap_or(0);
        let mut request = format!("ws://127.0.0.1:{port}/ws/room/{ROOM}/?after={after}").into_client_request().unwrap();
        request.headers_mut().insert("cookie", HeaderValue::from_str(&cookie).unwrap());
        request.headers_mut().insert("origin", HeaderValue::from_str(&format!("http://127.0.0.1:{port}")).unwrap());
        let Ok((mut socket, _)) = tokio_tungstenite::connect_async(request).await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        // Everything not acked goes (again) on this connection, in order.
        let mut next = (0..MESSAGES_PER_CLIENT).find(|n| !outcome.acked.contains_key(&client_id(*n))).unwrap_or(0);
        'connection: loop {
            let unacked = (0..next).filter(|n| !outcome.acked.contains_key(&client_id(*n))).count();
            if unacked < IN_FLIGHT && next < MESSAGES_PER_CLIENT {
                let frame =
                    json!({"type": "send", "text": format!("client {index} message {next}"), "client_id": client_id(next)});
                if socket.send(tungstenite::Message::text(frame.to_string())).await.is_err() {
                    break 'connection;
                }
                next += 1;
                continue;
            }
            if outcome.acked.len() == MESSAGES_PER_CLIENT {
                break 'connection;
            }
            let Ok(Some(Ok(message))) = tokio::time::timeout(Duration::from_secs(5), socket.next()).await else {
                break 'connection;
            };
            let tungstenite::Message::Text(text) = message else { continue };
            let frame: Value = serde_json::from_str(&text).unwrap();
            if is_ephemeral(&frame) {
                continue;
            }
            match frame["type"].as_str() {
                Some("message") => outcome.seen.push(frame["seq"].as_i64().unwrap()),
                Some("ack") => {
                    let id = frame["client_id"].as_str().unwrap().to_owned();
                    outcome.acked.insert(id, frame["seq"].as_i64().unwrap());
                    acks.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(3)).await;
                }
                other => panic!("unexpected frame {other:?}: {frame}"),
            }
        }
    }
    outcome
}

/// Reads the whole room with `?after=` paging.
async fn full_history(base: &str, cookie: &str) -> Vec<Value> {
    let client = reqwest::Client::new();
    let mut all = Vec::new();
    loop {
        let after = all.last().map_or(0, |m: &Value| m["seq"].as_i64().unwrap());
        let page: Value = client
            .get(format!("{base}/api/messages/{ROOM}/?after={after}&limit=200"))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let messages = page["messages"].as_array().unwrap().clone();
        if messages.is_empty() {
            return all;
        }
        all.extend(messages);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acked_messages_survive_sigkill_and_clients_see_every_message_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), FLAGS).await;
    let (port, base) = (server.port, server.base());

    let mut cookies = Vec::new();
    for i in 0..CLIENTS {
        cookies.push(server.session_cookie(&format!("sender{i}")).await);
    }
    let acks = Arc::new(AtomicUsize::new(0));
    let clients: Vec<_> =
        cookies.iter().enumerate().map(|(i, cookie)| tokio::spawn(run_client(port, cookie.clone(), i, acks.clone()))).collect();

    // Let the load run, then kill the server without warning and bring it back.
    while acks.load(Ordering::Relaxed) < KILL_AFTER_ACKS {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let acked_at_kill = acks.load(Ordering::Relaxed);
    server.kill();
    let server = ServerProcess::start_on(port, dir.path(), FLAGS).await;

    assert!(acked_at_kill < CLIENTS * MESSAGES_PER_CLIENT, "the kill happened mid-run");
    let mut outcomes = Vec::new();
    for client in clients {
        outcomes.push(client.await.unwrap());
    }
    let history = full_history(&base, &cookies[0]).await;
    server.kill();

    let seqs: Vec<i64> = history.iter().map(|m| m["seq"].as_i64().unwrap()).collect();
    let expected: Vec<i64> = (1..=seqs.len() as i64).collect();
    assert_eq!(seqs, expected, "history is gap-free");
    assert_eq!(seqs.len(), CLIENTS * MESSAGES_PER_CLIENT, "each message stored exactly once");

    let by_client_id: HashMap<&str, i64> =
        history.iter().map(|m| (m["client_id"].as_str().unwrap(), m["seq"].as_i64().unwrap())).collect();
    for outcome in &outcomes {
        assert_eq!(outcome.acked.len(), MESSAGES_PER_CLIENT);
        for (client_id, seq) in &outcome.acked {
            assert_eq!(by_client_id.get(client_id.as_str()), Some(seq), "acked {client_id} is stored as seq {seq}");
        }
        // Each client saw a prefix of the room's sequence: in order, no gap, no duplicate.
        let prefix: Vec<i64> = (1..=outcome.seen.len() as i64).collect();
        assert_eq!(outcome.seen, prefix);
    }
}
