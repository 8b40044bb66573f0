//! The server's VAPID key pair (RFC 8292): made at the first start and kept
//! in the database, so every instance signs with the same key; and the JWT
//! that proves a push comes from this server (ES256, `aud` the push
//! service's origin, `exp` within 12 hours, `sub` the operator's contact).

use std::time::Duration;

use base64ct::{Base64UrlUnpadded, Encoding};
use reqwest::Url;
use web_push_native::jwt_simple::{
    algorithms::{ECDSAP256KeyPairLike, ECDSAP256PublicKeyLike, ES256KeyPair},
    claims::Claims,
};

use crate::server::storage::{Store, StoreError};

/// How long a signature is good for (RFC 8292 allows at most 24 hours;
/// push services such as Mozilla's take at most 12).
pub const SIGNATURE_LIFETIME: Duration = Duration::from_secs(12 * 3600);

/// Why the key could not be had.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the VAPID key could not be read or stored: {0}")]
    Store(#[from] StoreError),
    #[error("the stored VAPID key is not a P-256 private key: {0}")]
    Invalid(String),
}

/// The key pair, ready to sign.
pub struct Keys {
    pair: ES256KeyPair,
    /// The public key as browsers take it (`applicationServerKey`):
    /// base64url of the uncompressed point.
    public: String,
}

impl Keys {
    /// The stored key pair, or a new one stored now.
    pub async fn load(store: &Store) -> Result<Self, KeyError> {
        let fresh = ES256KeyPair::generate();
        let made = (Base64UrlUnpadded::encode_string(&fresh.to_bytes()), public_of(&fresh));
        let (private, _) = store.push().push_key(made).await?;
        let bytes = Base64UrlUnpadded::decode_vec(&private).map_err(|err| KeyError::Invalid(err.to_string()))?;
        let pair = ES256KeyPair::from_bytes(&bytes).map_err(|err| KeyError::Invalid(err.to_string()))?;
        Ok(Self { public: public_of(&pair), pair })
    }

    /// `applicationServerKey`: base64url, uncompressed point.
    pub fn public(&self) -> &str {
        &self.public
    }

    /// The `Authorization` header for a push to `endpoint`:
    /// `vapid t=<JWT>, k=<public key>`.
    pub fn authorization(&self, endpoint: &Url, subject: &str) -> Result<String, String> {
        let audience = endpoint.origin().ascii_serialization();
        let claims = Claims::create(SIGNATURE_LIFETIME.into()).with_audience(audience).with_subject(subject);
        let token = self.pair.sign(claims).map_err(|err| err.to_string())?;
        Ok(format!("vapid t={token}, k={}", self.public))
    }
}

fn public_of(pair: &ES256KeyPair) -> String {
    Base64UrlUnpadded::encode_string(&pair.public_key().public_key().to_bytes_uncompressed())
}
