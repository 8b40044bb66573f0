//! A local OpenID provider for the single sign-on tests: discovery, a JWKS
//! (ES256 keys, which it can rotate), an authorization endpoint that signs in
//! whoever the test says (it records the request: PKCE challenge, state,
//! nonce) and sends the browser back with a code, and a token endpoint that
//! checks the client's credentials, the code (once) and the PKCE verifier,
//! and answers an ID token — a good one, or one of the bad kinds the test
//! asks for (wrong nonce, wrong audience, expired, `alg: none`, an unknown key).

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use axum::{
    Form, Json, Router,
    extract::{Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use base64ct::{Base64, Base64UrlUnpadded, Encoding};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use web_push_native::jwt_simple::{
    algorithms::{ECDSAP256KeyPairLike, ECDSAP256PublicKeyLike, ES256KeyPair},
    claims::Claims,
    prelude::Duration,
};

pub const CLIENT_ID: &str = "parlor-test";
pub const CLIENT_SECRET: &str = "test-secret";

/// What the next ID token is like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    Good,
    WrongNonce,
    WrongAudience,
    Expired,
    AlgNone,
    UnknownKey,
}

/// Who signs in at the provider.
#[derive(Clone, Debug)]
pub struct Person {
    pub subject: String,
    pub preferred_username: String,
    pub email: String,
}

/// An authorization the provider handed out.
struct Grant {
    nonce: String,
    challenge: String,
    redirect_uri: String,
    person: Person,
    used: bool,
}

struct Inner {
    issuer: String,
    /// Keys published in the JWKS, newest last; the newest signs.
    keys: Vec<ES256KeyPair>,
    grants: HashMap<String, Grant>,
    next_person: Person,
    next_kind: TokenKind,
    /// Token requests refused (each a reason).
    refused: Vec<String>,
}

/// The running provider.
#[derive(Clone)]
pub struct Provider {
    pub addr: SocketAddr,
    inner: Arc<Mutex<Inner>>,
}

impl Provider {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("the provider binds");
        let addr = listener.local_addr().expect("its address");
        let inner = Arc::new(Mutex::new(Inner {
            issuer: format!("http://{addr}"),
            keys: vec![ES256KeyPair::generate().with_key_id("key-1")],
            grants: HashMap::new(),
            next_person: Person {
                subject: "sub-1".into(),
                preferred_username: "sso-user".into(),
                email: "sso@example.test".into(),
            },
            next_kind: TokenKind::Good,
            refused: Vec::new(),
        }));
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .with_state(inner.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { addr, inner }
    }

    /// The issuer URL, for `--oidc-issuer`.
    pub fn issuer(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Who signs in next.
    pub fn sign_in_as(&self, person: Person) {
        self.inner.lock().unwrap().next_person = person;
    }

    /// What the next ID token is like.
    pub fn next_token(&self, kind: TokenKind) {
        self.inner.lock().unwrap().next_kind = kind;
    }

    /// A new signing key (published beside the old one).
    pub fn rotate_keys(&self) {
        let mut inner = self.inner.lock().unwrap();
        let id = format!("key-{}", inner.keys.len() + 1);
        inner.keys.push(ES256KeyPair::generate().with_key_id(&id));
    }

    /// Token requests refused so far.
    pub fn refused(&self) -> Vec<String> {
        self.inner.lock().unwrap().refused.clone()
    }
}

async fn discovery(State(inner): State<Arc<Mutex<Inner>>>) -> Json<Value> {
    let issuer = inner.lock().unwrap().issuer.clone();
    Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "jwks_uri": format!("{issuer}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "scopes_supported": ["openid", "email", "profile"],
    }))
}

async fn jwks(State(inner): State<Arc<Mutex<Inner>>>) -> Json<Value> {
    let inner = inner.lock().unwrap();
    let keys: Vec<Value> = inner
        .keys
        .iter()
        .map(|pair| {
            let public = pair.public_key();
            let point = public.public_key().to_bytes_uncompressed();
            json!({
                "kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256",
                "kid": public.key_id().clone().unwrap_or_default(),
                "x": Base64UrlUnpadded::encode_string(&point[1..33]),
                "y": Base64UrlUnpadded::encode_string(&point[33..65]),
            })
        })
        .collect();
    Json(json!({ "keys": keys }))
}

#[derive(Deserialize)]
struct AuthorizeQuery {
    client_id: String,
    redirect_uri: String,
    state: String,
    nonce: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
}

async fn authorize(State(inner): State<Arc<Mutex<Inner>>>, Query(query): Query<AuthorizeQuery>) -> Response {
    if query.client_id != CLIENT_ID || query.code_challenge_method.as_deref() != Some("S256") {
        return (StatusCode::BAD_REQUEST, "unknown client or no PKCE").into_response();
    }
    let (Some(nonce), Some(challenge)) = (query.nonce, query.code_challenge) else {
        return (StatusCode::BAD_REQUEST, "no nonce or challenge").into_response();
    };
    let code = Base64UrlUnpadded::encode_string(&ES256KeyPair::generate().to_bytes()[..16]);
    let mut inner = inner.lock().unwrap();
    let person = inner.next_person.clone();
    inner.grants.insert(code.clone(), Grant { nonce, challenge, redirect_uri: query.redirect_uri.clone(), person, used: false });
    let back = format!("{}?code={code}&state={}", query.redirect_uri, urlencoding::encode(&query.state));
    Redirect::to(&back).into_response()
}

#[derive(Deserialize)]
struct TokenForm {
    grant_type: String,
    code: String,
    redirect_uri: String,
    code_verifier: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct Profile {
    preferred_username: String,
    email: String,
}

async fn token(State(inner): State<Arc<Mutex<Inner>>>, headers: HeaderMap, Form(form): Form<TokenForm>) -> Response {
    let mut inner = inner.lock().unwrap();
    let refuse = |inner: &mut Inner, why: &str| {
        inner.refused.push(why.to_owned());
        (StatusCode::BAD_REQUEST, Json(json!({ "error": "invalid_grant", "error_description": why }))).into_response()
    };
    let (id, secret) = client_of(&headers, &form);
    if id != CLIENT_ID || secret != CLIENT_SECRET {
        return refuse(&mut inner, "bad client credentials");
    }
    if form.grant_type != "authorization_code" {
        return refuse(&mut inner, "not an authorization code grant");
    }
    let Some(grant) = inner.grants.get_mut(&form.code) else { return refuse(&mut inner, "unknown code") };
    if grant.used {
        return refuse(&mut inner, "the code was used already");
    }
    grant.used = true;
    let verifier = form.code_verifier.clone().unwrap_or_default();
    let challenge = Base64UrlUnpadded::encode_string(&Sha256::digest(verifier.as_bytes()));
    let (nonce, person, redirect_ok) = (grant.nonce.clone(), grant.person.clone(), grant.redirect_uri == form.redirect_uri);
    if challenge != grant.challenge {
        return refuse(&mut inner, "the PKCE verifier does not match");
    }
    if !redirect_ok {
        return refuse(&mut inner, "another redirect_uri");
    }
    let id_token = id_token(&inner, &person, &nonce);
    Json(json!({ "access_token": "at-1", "token_type": "Bearer", "expires_in": 300, "id_token": id_token })).into_response()
}

/// The client's id and secret, from Basic authentication or the form.
fn client_of(headers: &HeaderMap, form: &TokenForm) -> (String, String) {
    let basic = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|encoded| Base64::decode_vec(encoded).ok())
        .and_then(|raw| String::from_utf8(raw).ok());
    if let Some((id, secret)) = basic.as_deref().and_then(|pair| pair.split_once(':')) {
        let decode = |text: &str| urlencoding::decode(text).map(|text| text.into_owned()).unwrap_or_default();
        return (decode(id), decode(secret));
    }
    (form.client_id.clone().unwrap_or_default(), form.client_secret.clone().unwrap_or_default())
}

/// The ID token the provider is set to answer.
fn id_token(inner: &Inner, person: &Person, nonce: &str) -> String {
    let profile = Profile { preferred_username: person.preferred_username.clone(), email: person.email.clone() };
    let mut claims = Claims::with_custom_claims(profile, Duration::from_mins(5))
        .with_issuer(&inner.issuer)
        .with_subject(&person.subject)
        .with_audience(CLIENT_ID)
        .with_nonce(nonce);
    match inner.next_kind {
        TokenKind::WrongNonce => claims = claims.with_nonce("not-the-nonce"),
        TokenKind::WrongAudience => claims = claims.with_audience("someone-else"),
        TokenKind::Expired => {
            let now = web_push_native::jwt_simple::prelude::Clock::now_since_epoch();
            claims.issued_at = Some(now - Duration::from_hours(2));
            claims.expires_at = Some(now - Duration::from_hours(1));
        }
        _ => {}
    }
    let signer = inner.keys.last().expect("a key");
    match inner.next_kind {
        TokenKind::AlgNone => {
            let header = Base64UrlUnpadded::encode_string(br#"{"alg":"none","typ":"JWT"}"#);
            let body = Base64UrlUnpadded::encode_string(serde_json::to_string(&claims).unwrap().as_bytes());
            format!("{header}.{body}.")
        }
        TokenKind::UnknownKey => ES256KeyPair::generate().with_key_id("key-nobody-published").sign(claims).unwrap(),
        _ => signer.sign(claims).unwrap(),
    }
}
