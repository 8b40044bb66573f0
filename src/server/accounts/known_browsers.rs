//! Known browsers (OWASP's "device cookies"): a browser that logged in to an
//! account with its password is given a signed cookie naming that account.
//! A log-in attempt that carries a valid one is limited per that browser
//! instead of per username (`limits::Limits::check_login`), so that strangers
//! guessing a person's password from many addresses cannot lock her out of
//! her own browser. The cookie grants nothing else: it is no session, and a
//! stolen one buys only its own small allowance of guesses.

use axum::http::{HeaderMap, header};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::server::storage::{Store, StoreError, integrations::random_bytes};

/// Cookie names are this and the account's (canonical) username, so one
/// browser may know several accounts.
const COOKIE_PREFIX: &str = "parlor_known_";
/// How long a browser stays known without logging in again.
const LIFETIME_SECS: u64 = 365 * 24 * 3600;
/// The name of the signing key in the shared secrets.
const KEY_NAME: &str = "known_browser_key";

/// Makes and recognises known-browser cookies with the deployment's key.
#[derive(Clone)]
pub struct KnownBrowsers {
    key: [u8; 32],
}

impl KnownBrowsers {
    /// With the key every instance shares (made at the first start).
    pub async fn load(store: &Store) -> Result<Self, StoreError> {
        Ok(Self { key: store.secrets().server_secret(KEY_NAME).await? })
    }

    fn signature(&self, username: &str, nonce: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes a key of any length");
        mac.update(b"known-browser\0");
        mac.update(username.as_bytes());
        mac.update(b"\0");
        mac.update(nonce.as_bytes());
        mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The `Set-Cookie` value that makes this browser known for `username`
    /// (canonical), `Secure` when `secure`.
    pub fn cookie(&self, username: &str, secure: bool) -> String {
        let nonce: String = random_bytes::<16>().iter().map(|b| format!("{b:02x}")).collect();
        let signature = self.signature(username, &nonce);
        let secure = if secure { "; Secure" } else { "" };
        format!(
            "{COOKIE_PREFIX}{username}={nonce}.{signature}; Path=/api/; Max-Age={LIFETIME_SECS}; HttpOnly; SameSite=Strict{secure}"
        )
    }

    /// The browser's own name (its cookie's nonce) when `headers` carry a
    /// valid known-browser cookie for `username` (canonical).
    pub fn recognise(&self, username: &str, headers: &HeaderMap) -> Option<String> {
        let name = format!("{COOKIE_PREFIX}{username}");
        let value = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find_map(|(key, value)| (key == name).then_some(value))?;
        let (nonce, signature) = value.split_once('.')?;
        let expected = self.signature(username, nonce);
        // The same time whatever the first differing byte.
        let same = expected.len() == signature.len()
            && expected.bytes().zip(signature.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
        same.then(|| format!("{username}/{nonce}"))
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(cookie: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_str(cookie).unwrap());
        headers
    }

    /// The cookie's `name=value` pair, as a browser sends it back.
    fn sent(set_cookie: &str) -> String {
        set_cookie.split(';').next().unwrap().to_owned()
    }

    #[test]
    fn a_browser_is_known_only_for_the_account_its_signed_cookie_names() {
        let known = KnownBrowsers { key: [7; 32] };
        let cookie = sent(&known.cookie("alice", false));
        let recognised = known.recognise("alice", &headers(&format!("parlor_session=x; {cookie}"))).expect("known");
        assert!(recognised.starts_with("alice/"));
        assert_eq!(known.recognise("bob", &headers(&cookie)), None, "another account");
        let forged = cookie.replace("parlor_known_alice", "parlor_known_bob");
        assert_eq!(known.recognise("bob", &headers(&forged)), None, "renamed");
        let (name, value) = cookie.split_once('=').unwrap();
        let (_, signature) = value.split_once('.').unwrap();
        assert_eq!(known.recognise("alice", &headers(&format!("{name}=another.{signature}"))), None, "another nonce");
        let other_key = KnownBrowsers { key: [8; 32] };
        assert_eq!(other_key.recognise("alice", &headers(&cookie)), None, "another deployment's key");
        assert!(known.cookie("alice", true).ends_with("; Secure"));
    }
}
