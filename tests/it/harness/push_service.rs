//! A local stand-in for a browser's push service, acting as the browser and
//! its service would: each [`Browser`] makes its own P-256 key and auth
//! secret; every push to it must carry a VAPID JWT that verifies against the
//! server's `/api/push/key` (ES256, `aud` this service's origin, `exp` within
//! 24 hours, a `sub`) and a body that decrypts (RFC 8291 `aes128gcm`) with the
//! browser's key. A test can script the service's next answers (410, 429
//! with `Retry-After`, 503, 413) for one browser.

use std::{
    collections::{HashMap, VecDeque},
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use axum::{
    Router,
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
};
use base64ct::{Base64UrlUnpadded, Encoding};
use serde_json::{Value, json};
use web_push_native::{
    Auth,
    jwt_simple::{
        algorithms::{ECDSAP256PublicKeyLike, ES256KeyPair, ES256PublicKey},
        claims::NoCustomClaims,
        common::VerificationOptions,
    },
    p256::{PublicKey, SecretKey, elliptic_curve::sec1::ToEncodedPoint},
};

/// One push the service accepted and decrypted.
#[derive(Clone, Debug)]
pub struct Delivered {
    pub payload: Value,
    pub ttl: u64,
    pub urgency: String,
    pub topic: String,
}

/// A browser's keys, as the service knows them.
struct Keys {
    secret: SecretKey,
    auth: [u8; 16],
}

#[derive(Default)]
struct Inner {
    browsers: HashMap<String, Keys>,
    delivered: HashMap<String, Vec<Delivered>>,
    /// Answers to give a browser's next pushes, before the usual 201.
    script: HashMap<String, VecDeque<(u16, Option<String>)>>,
    /// Every push that reached the service, per browser (scripted answers too).
    attempts: HashMap<String, Vec<SystemTime>>,
    /// Pushes that failed a check (signature, encryption): each a reason.
    bad: Vec<String>,
    /// The public key pushes must be signed with (`/api/push/key`).
    server_key: Option<String>,
}

/// The running service.
#[derive(Clone)]
pub struct PushService {
    pub addr: SocketAddr,
    inner: Arc<Mutex<Inner>>,
}

/// A browser subscribed through this service.
pub struct Browser {
    pub id: String,
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
}

impl Browser {
    /// `PushSubscription.toJSON()`.
    pub fn subscription(&self) -> Value {
        json!({ "endpoint": self.endpoint, "expirationTime": null, "keys": { "p256dh": self.p256dh, "auth": self.auth } })
    }
}

impl PushService {
    /// Serves on 127.0.0.1 at a free port; pushes must be signed with `server_key`.
    pub async fn start() -> Self {
        let inner: Arc<Mutex<Inner>> = Arc::default();
        let app = Router::new().route("/push/{id}", post(receive)).with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let addr = listener.local_addr().expect("its address");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { addr, inner }
    }

    /// Pushes must verify against this key (the server's `/api/push/key`).
    pub fn expect_key(&self, public_key: &str) {
        self.inner.lock().unwrap().server_key = Some(public_key.to_owned());
    }

    /// A new browser: its own P-256 key and auth secret.
    pub fn browser(&self) -> Browser {
        let pair = ES256KeyPair::generate();
        let secret = SecretKey::from_slice(&pair.to_bytes()).expect("a P-256 scalar");
        let mut auth = [0u8; 16];
        auth.copy_from_slice(&ES256KeyPair::generate().to_bytes()[..16]);
        let id = Base64UrlUnpadded::encode_string(&ES256KeyPair::generate().to_bytes()[..9]);
        let p256dh = Base64UrlUnpadded::encode_string(secret.public_key().as_affine().to_encoded_point(false).as_bytes());
        let browser = Browser {
            endpoint: format!("http://{}/push/{id}", self.addr),
            p256dh,
            auth: Base64UrlUnpadded::encode_string(&auth),
            id: id.clone(),
        };
        self.inner.lock().unwrap().browsers.insert(id, Keys { secret, auth });
        browser
    }

    /// The browser's next pushes get these answers (`status`, `Retry-After`).
    pub fn answer_next(&self, browser: &Browser, answers: &[(u16, Option<&str>)]) {
        let mut inner = self.inner.lock().unwrap();
        let script = inner.script.entry(browser.id.clone()).or_default();
        script.extend(answers.iter().map(|(status, after)| (*status, after.map(str::to_owned))));
    }

    /// What the browser was pushed (and the service accepted), in order.
    pub fn delivered(&self, browser: &Browser) -> Vec<Delivered> {
        self.inner.lock().unwrap().delivered.get(&browser.id).cloned().unwrap_or_default()
    }

    /// When each push to the browser reached the service (refused ones too).
    pub fn attempts(&self, browser: &Browser) -> Vec<SystemTime> {
        self.inner.lock().unwrap().attempts.get(&browser.id).cloned().unwrap_or_default()
    }

    /// Every check a push failed.
    pub fn bad(&self) -> Vec<String> {
        self.inner.lock().unwrap().bad.clone()
    }

    /// Waits until the browser has `count` pushes delivered (at most 20 s).
    pub async fn wait_for(&self, browser: &Browser, count: usize) -> Vec<Delivered> {
        self.wait_for_within(browser, count, Duration::from_secs(20)).await
    }

    /// Waits until the browser has `count` pushes delivered, at most `limit`.
    pub async fn wait_for_within(&self, browser: &Browser, count: usize, limit: Duration) -> Vec<Delivered> {
        for _ in 0..limit.as_millis() / 50 {
            let delivered = self.delivered(browser);
            if delivered.len() >= count {
                return delivered;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{count} pushes never reached the browser: {:?}; bad: {:?}", self.delivered(browser), self.bad());
    }
}

/// `POST /push/{id}`: checks, decrypts and records a push, then answers.
async fn receive(State(inner): State<Arc<Mutex<Inner>>>, Path(id): Path<String>, headers: HeaderMap, body: Bytes) -> Response {
    let mut inner = inner.lock().unwrap();
    inner.attempts.entry(id.clone()).or_default().push(SystemTime::now());
    let checked = check(&inner, &id, &headers, &body);
    let delivered = match checked {
        Ok(delivered) => delivered,
        Err(reason) => {
            inner.bad.push(reason.clone());
            return (StatusCode::BAD_REQUEST, reason).into_response();
        }
    };
    if let Some((status, after)) = inner.script.get_mut(&id).and_then(VecDeque::pop_front) {
        let mut response = StatusCode::from_u16(status).expect("a status").into_response();
        if let Some(after) = after {
            response.headers_mut().insert("retry-after", HeaderValue::from_str(&after).expect("a header value"));
        }
        return response;
    }
    inner.delivered.entry(id).or_default().push(delivered);
    StatusCode::CREATED.into_response()
}

/// What a browser's push service checks of a push.
fn check(inner: &Inner, id: &str, headers: &HeaderMap, body: &[u8]) -> Result<Delivered, String> {
    let keys = inner.browsers.get(id).ok_or("no such browser")?;
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok()).map(str::to_owned);
    if header("content-encoding").as_deref() != Some("aes128gcm") {
        return Err("Content-Encoding is not aes128gcm".into());
    }
    let ttl: u64 = header("ttl").and_then(|ttl| ttl.parse().ok()).ok_or("no TTL")?;
    let authorization = header("authorization").ok_or("no Authorization")?;
    let rest = authorization.strip_prefix("vapid ").ok_or("not a vapid Authorization")?;
    let (mut token, mut key) = (None, None);
    for part in rest.split(',') {
        let part = part.trim();
        if let Some(t) = part.strip_prefix("t=") {
            token = Some(t);
        } else if let Some(k) = part.strip_prefix("k=") {
            key = Some(k);
        }
    }
    let (token, key) = (token.ok_or("no t=")?, key.ok_or("no k=")?);
    if inner.server_key.as_deref() != Some(key) {
        return Err(format!("k= is not the server's /api/push/key: {key}"));
    }
    let raw = Base64UrlUnpadded::decode_vec(key).map_err(|e| e.to_string())?;
    let public = ES256PublicKey::from_bytes(&raw).map_err(|e| e.to_string())?;
    let origin = format!("http://{}", headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or_default());
    let options = VerificationOptions { allowed_audiences: Some([origin].into_iter().collect()), ..Default::default() };
    let claims = public.verify_token::<NoCustomClaims>(token, Some(options)).map_err(|e| format!("JWT: {e}"))?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    let expires = claims.expires_at.ok_or("no exp")?.as_secs();
    if expires > now + 24 * 3600 {
        return Err("exp is more than 24 hours away".into());
    }
    let subject = claims.subject.unwrap_or_default();
    if !(subject.starts_with("mailto:") || subject.starts_with("https:")) {
        return Err(format!("sub is not a mailto: or https: URL: {subject}"));
    }
    let _ = PublicKey::from_sec1_bytes(&raw).map_err(|e| e.to_string())?;
    let plain = web_push_native::decrypt(body.to_vec(), &keys.secret, &Auth::clone_from_slice(&keys.auth))
        .map_err(|e| format!("decrypt: {e}"))?;
    let payload: Value = serde_json::from_slice(&plain).map_err(|e| format!("payload: {e}"))?;
    if plain.len() > 3072 {
        return Err(format!("payload of {} bytes", plain.len()));
    }
    Ok(Delivered { payload, ttl, urgency: header("urgency").unwrap_or_default(), topic: header("topic").unwrap_or_default() })
}
