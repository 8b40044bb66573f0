//! A local stand-in for an integration's webhook receiver: it checks every
//! delivery's Standard Webhooks signature (HMAC-SHA256 of `id.timestamp.body`
//! with the subscription's secret) and its timestamp, records what it took
//! (answered 2xx) in arrival order, and can be scripted: fail the first
//! tries of some events (500), be slow to answer others, or go away for a
//! while (its listener closed: connections are refused) and come back on the
//! same port.

use std::{
    collections::{HashMap, HashSet},
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    routing::post,
};
use base64ct::{Base64, Encoding};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use tokio::{net::TcpListener, task::JoinHandle};

/// One delivery the receiver took (answered 2xx).
#[derive(Clone, Debug)]
pub struct Taken {
    /// `webhook-id`: `{room}:{seq}`.
    pub id: String,
    pub body: Value,
}

#[derive(Default)]
struct Inner {
    /// The signing key (`whsec_…`), once the test knows it.
    secret: Option<String>,
    /// What was taken, in arrival order.
    taken: Vec<Taken>,
    /// Every try, per `webhook-id` (refused ones too).
    tries: HashMap<String, u32>,
    /// Ids to refuse (500) until they have been tried this many times.
    fail_first: HashMap<String, u32>,
    /// Ids whose answer waits this long.
    slow: HashMap<String, Duration>,
    /// Deliveries that failed a check: each a reason.
    bad: Vec<String>,
    /// Ids in flight (to spot two at once in one room).
    in_flight: HashSet<String>,
    /// Ids that arrived while another of the same room was in flight.
    overlapping: Vec<String>,
}

/// The running receiver.
#[derive(Clone)]
pub struct Receiver {
    pub addr: SocketAddr,
    inner: Arc<Mutex<Inner>>,
    serving: Arc<Mutex<Option<JoinHandle<()>>>>,
}

impl Receiver {
    /// Starts a receiver on a free port of 127.0.0.1.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("receiver binds");
        let addr = listener.local_addr().expect("receiver address");
        let receiver = Self { addr, inner: Arc::default(), serving: Arc::default() };
        receiver.serve(listener);
        receiver
    }

    fn serve(&self, listener: TcpListener) {
        let app = Router::new().route("/events", post(deliver)).with_state(self.inner.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        *self.serving.lock().unwrap() = Some(task);
    }

    /// The URL to subscribe.
    pub fn url(&self) -> String {
        format!("http://{}/events", self.addr)
    }

    /// Tells the receiver the subscription's secret (every delivery is checked with it).
    pub fn trust(&self, secret: &str) {
        self.inner.lock().unwrap().secret = Some(secret.to_owned());
    }

    /// Refuses event `id` (500) on its first `times` tries.
    pub fn fail_first(&self, id: &str, times: u32) {
        self.inner.lock().unwrap().fail_first.insert(id.to_owned(), times);
    }

    /// Answers event `id` only after `wait`.
    pub fn slow(&self, id: &str, wait: Duration) {
        self.inner.lock().unwrap().slow.insert(id.to_owned(), wait);
    }

    /// Goes away: the listener closes, connections are refused until [`Self::come_back`].
    pub fn go_away(&self) {
        if let Some(task) = self.serving.lock().unwrap().take() {
            task.abort();
        }
    }

    /// Listens again on the same port.
    pub async fn come_back(&self) {
        let listener = TcpListener::bind(self.addr).await.expect("the receiver's port is free again");
        self.serve(listener);
    }

    /// What was taken, in arrival order.
    pub fn taken(&self) -> Vec<Taken> {
        self.inner.lock().unwrap().taken.clone()
    }

    /// The ids taken, in arrival order.
    pub fn taken_ids(&self) -> Vec<String> {
        self.taken().into_iter().map(|taken| taken.id).collect()
    }

    /// How many times `id` was tried.
    pub fn tries(&self, id: &str) -> u32 {
        self.inner.lock().unwrap().tries.get(id).copied().unwrap_or(0)
    }

    /// Deliveries that failed a check (a bad signature, an old timestamp, ...).
    pub fn bad(&self) -> Vec<String> {
        self.inner.lock().unwrap().bad.clone()
    }

    /// Deliveries that came while another of the same room was unanswered.
    pub fn overlapping(&self) -> Vec<String> {
        self.inner.lock().unwrap().overlapping.clone()
    }

    /// Waits until `count` deliveries were taken (at most `within`), then returns their ids.
    pub async fn wait_for(&self, count: usize, within: Duration) -> Vec<String> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let ids = self.taken_ids();
            if ids.len() >= count {
                return ids;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "only {} of {count} deliveries within {within:?}: {ids:?}",
                ids.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// `POST /events`.
async fn deliver(State(inner): State<Arc<Mutex<Inner>>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let (id, timestamp, signature) = (header("webhook-id"), header("webhook-timestamp"), header("webhook-signature"));
    let room = id.rsplit_once(':').map(|(room, _)| room.to_owned()).unwrap_or_default();
    let (wait, refuse) = {
        let mut inner = inner.lock().unwrap();
        if let Some(problem) = check(inner.secret.as_deref(), &id, &timestamp, &signature, &body) {
            inner.bad.push(format!("{id}: {problem}"));
            return StatusCode::BAD_REQUEST;
        }
        if inner.in_flight.iter().any(|other| other.rsplit_once(':').is_some_and(|(r, _)| r == room)) {
            inner.overlapping.push(id.clone());
        }
        let tries = inner.tries.entry(id.clone()).or_default();
        *tries += 1;
        let tries = *tries;
        let refuse = inner.fail_first.get(&id).is_some_and(|times| tries <= *times);
        inner.in_flight.insert(id.clone());
        (inner.slow.get(&id).copied(), refuse)
    };
    if let Some(wait) = wait {
        tokio::time::sleep(wait).await;
    }
    let mut inner = inner.lock().unwrap();
    inner.in_flight.remove(&id);
    if refuse {
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    inner.taken.push(Taken { id, body });
    StatusCode::NO_CONTENT
}

/// Why a delivery's headers do not check out, if they do not.
fn check(secret: Option<&str>, id: &str, timestamp: &str, signature: &str, body: &[u8]) -> Option<String> {
    let secret = secret?;
    let Ok(at) = timestamp.parse::<i64>() else { return Some(format!("timestamp {timestamp:?}")) };
    if (chrono::Utc::now().timestamp() - at).abs() > 300 {
        return Some(format!("timestamp {at} is not now"));
    }
    let key = Base64::decode_vec(secret.strip_prefix("whsec_")?).ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    let expected = format!("v1,{}", Base64::encode_string(&mac.finalize().into_bytes()));
    (!signature.split(' ').any(|given| given == expected)).then(|| format!("signature {signature:?}"))
}
