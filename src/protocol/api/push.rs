//! The answers of Web Push's paths: the server's key and a user's push
//! subscriptions (one per browser, tied to its session).

use serde::{Deserialize, Serialize};

/// `GET /api/push/key` → `{"public_key"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushKey {
    /// The VAPID public key: an uncompressed P-256 point, base64url (the
    /// browser's `applicationServerKey`).
    pub public_key: String,
}

/// `POST /api/push/subscriptions` → 201 `{"created", "device"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushSubscribed {
    /// When the subscription was kept.
    pub created: String,
    /// The handle of the session (device) it belongs to.
    pub device: String,
}

/// One of a user's push subscriptions, as `GET /api/push/subscriptions` lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushDevice {
    /// The push service's URL for this browser.
    pub endpoint: String,
    /// The handle of the session (device) it belongs to.
    pub device: String,
    /// The browser as the settings describe it ("Firefox on Linux"); `null`
    /// when its session is gone.
    pub browser: Option<String>,
    /// When it was kept.
    pub created: String,
    /// When a push was last accepted; `null` before.
    pub last_success: Option<String>,
    /// Whether it is this session's.
    pub current: bool,
}

/// `GET /api/push/subscriptions` → `{"subscriptions": [...]}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushDevices {
    /// The user's subscriptions, newest first.
    pub subscriptions: Vec<PushDevice>,
}

/// `POST /api/push/subscriptions/remove` → `{"removed": true}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushRemoved {
    /// Always `true`.
    pub removed: bool,
}

/// `POST /api/push/test` → `{"queued"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushTestQueued {
    /// Test pushes queued: one per subscription of this device.
    pub queued: u64,
}
