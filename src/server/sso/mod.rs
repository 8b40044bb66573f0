//! Single sign-on with OpenID Connect (`--oidc-issuer`, `--oidc-client-id`,
//! `--oidc-client-secret`): the authorization-code flow with PKCE (RFC 7636,
//! S256), `state` and `nonce`, through `openidconnect`. The ID token's
//! signature is checked against the issuer's JWKS (fetched again once when a
//! token names a key it does not have: keys rotate), and its `iss`, `aud`,
//! `exp` and `nonce`; `alg: none` is refused. Who someone is comes from
//! (`iss`, `sub`) only, never from an e-mail address. HTTP (`http::sso`)
//! keeps the flow's secrets in the browser's session between the two legs.

use std::time::Duration;

use openidconnect::{
    AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, SignatureVerificationError, TokenResponse,
    core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata},
};
use serde::{Deserialize, Serialize};
use tokio::sync::RwLock;

use crate::server::config::Config;

/// The path the provider sends the browser back to.
pub const CALLBACK: &str = "/auth/oidc/callback";
/// How long the provider may take to answer.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Why single sign-on failed (the details go to the log; the person is told it did not work).
#[derive(Debug, thiserror::Error)]
pub enum SsoError {
    #[error("the provider's configuration could not be read: {0}")]
    Discovery(String),
    #[error("the provider refused the code: {0}")]
    Exchange(String),
    #[error("the provider sent no ID token")]
    NoIdToken,
    #[error("the ID token was refused: {0}")]
    Token(String),
}

/// What a flow keeps between its two legs (in the browser's session).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Flow {
    pub state: String,
    nonce: String,
    verifier: String,
    /// Where to go afterwards.
    pub next: String,
}

/// Who the provider says someone is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub issuer: String,
    pub subject: String,
    pub preferred_username: Option<String>,
    pub email: Option<String>,
    pub name: Option<String>,
}

/// The OpenID provider, when single sign-on is on.
pub struct Sso {
    issuer: IssuerUrl,
    client_id: ClientId,
    client_secret: Option<ClientSecret>,
    redirect: RedirectUrl,
    /// What the button says ("Log in with …").
    pub name: String,
    /// The provider's metadata and keys, read once and again when its keys rotate.
    metadata: RwLock<Option<CoreProviderMetadata>>,
    http: reqwest::Client,
}

impl Sso {
    /// The provider the flags name, or `None` without `--oidc-issuer`.
    pub fn from_config(config: &Config) -> Result<Option<Self>, String> {
        let Some(issuer) = &config.oidc_issuer else { return Ok(None) };
        let client_id = config.oidc_client_id.clone().ok_or("--oidc-issuer needs --oidc-client-id")?;
        let issuer = IssuerUrl::new(issuer.clone()).map_err(|err| format!("--oidc-issuer: {err}"))?;
        let redirect =
            RedirectUrl::new(format!("{}{CALLBACK}", config.public_url())).map_err(|err| format!("--public-url: {err}"))?;
        let http = reqwest::Client::builder()
            // Following redirects would let a provider's answer send Parlor anywhere.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(TIMEOUT)
            .build()
            .map_err(|err| err.to_string())?;
        Ok(Some(Self {
            issuer,
            client_id: ClientId::new(client_id),
            client_secret: config.oidc_client_secret.clone().map(ClientSecret::new),
            redirect,
            name: config.oidc_name.clone(),
            metadata: RwLock::new(None),
            http,
        }))
    }

    /// The provider's metadata (read from its discovery document; again when `refresh`).
    async fn metadata(&self, refresh: bool) -> Result<CoreProviderMetadata, SsoError> {
        if !refresh && let Some(metadata) = self.metadata.read().await.as_ref() {
            return Ok(metadata.clone());
        }
        let metadata = CoreProviderMetadata::discover_async(self.issuer.clone(), &self.http)
            .await
            .map_err(|err| SsoError::Discovery(err.to_string()))?;
        *self.metadata.write().await = Some(metadata.clone());
        Ok(metadata)
    }

    /// The first leg: where to send the browser, and what to keep until it comes back.
    pub async fn begin(&self, next: String) -> Result<(String, Flow), SsoError> {
        let metadata = self.metadata(false).await?;
        let client = CoreClient::from_provider_metadata(metadata, self.client_id.clone(), self.client_secret.clone())
            .set_redirect_uri(self.redirect.clone());
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
            .add_scope(Scope::new("email".to_owned()))
            .add_scope(Scope::new("profile".to_owned()))
            .set_pkce_challenge(challenge)
            .url();
        let flow =
            Flow { state: state.secret().clone(), nonce: nonce.secret().clone(), verifier: verifier.secret().clone(), next };
        Ok((url.to_string(), flow))
    }

    /// The second leg: the code exchanged (with the PKCE verifier), the ID
    /// token verified (signature by the issuer's keys, `iss`, `aud`, `exp`,
    /// `nonce`), and who it says the person is. The caller has checked `state`.
    pub async fn finish(&self, flow: Flow, code: String) -> Result<Identity, SsoError> {
        let metadata = self.metadata(false).await?;
        let client = CoreClient::from_provider_metadata(metadata, self.client_id.clone(), self.client_secret.clone())
            .set_redirect_uri(self.redirect.clone());
        let exchange = client.exchange_code(AuthorizationCode::new(code)).map_err(|err| SsoError::Exchange(err.to_string()))?;
        let response = exchange
            .set_pkce_verifier(PkceCodeVerifier::new(flow.verifier))
            .request_async(&self.http)
            .await
            .map_err(|err| SsoError::Exchange(err.to_string()))?;
        let id_token = response.id_token().ok_or(SsoError::NoIdToken)?.clone();
        let nonce = Nonce::new(flow.nonce);
        let claims = match id_token.claims(&client.id_token_verifier(), &nonce) {
            Ok(claims) => claims.clone(),
            // A key it does not know: the provider may have rotated its keys.
            Err(ClaimsVerificationError::SignatureVerification(SignatureVerificationError::NoMatchingKey)) => {
                let metadata = self.metadata(true).await?;
                let client = CoreClient::from_provider_metadata(metadata, self.client_id.clone(), self.client_secret.clone())
                    .set_redirect_uri(self.redirect.clone());
                id_token.claims(&client.id_token_verifier(), &nonce).map_err(|err| SsoError::Token(err.to_string()))?.clone()
            }
            Err(err) => return Err(SsoError::Token(err.to_string())),
        };
        Ok(Identity {
            issuer: claims.issuer().to_string(),
            subject: claims.subject().to_string(),
            preferred_username: claims.preferred_username().map(|name| name.to_string()),
            email: claims.email().map(|email| email.to_string()),
            name: claims.name().and_then(|name| name.get(None)).map(|name| name.to_string()),
        })
    }
}
