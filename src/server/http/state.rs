//! `AppState`: what every handler and server function shares — one
//! allocation, so a request holds a pointer to it, not a copy. The sockets'
//! share of it is [`Realtime`], handed to each consumer after the upgrade.

use std::{ops::Deref, sync::Arc};

use crate::server::{
    accounts::{auth::Passwords, known_browsers::KnownBrowsers, limits::Limits, session_control::SessionControl},
    bus::ChannelLayer,
    config::Config,
    http::{client_ip::TrustedProxies, hosts::HostGuard},
    integrations::Deliveries,
    mail::Mailer,
    push::WebPush,
    realtime::{Realtime, presence::PresenceHub},
    sso::Sso,
    storage::Store,
};
use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;

/// The server's shared parts; cloning it is one reference count.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The client address extractor (`client_ip::ClientIp`) reads the trusted proxies from it.
impl FromRef<AppState> for TrustedProxies {
    fn from_ref(state: &AppState) -> Self {
        state.proxies.clone()
    }
}

/// leptos_axum reads the site settings from the router's state.
impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// What [`AppState`] points to.
pub struct Shared {
    /// Leptos' site settings (asset paths, output name).
    pub leptos_options: LeptosOptions,
    /// The database and its message writer.
    pub store: Store,
    /// Fans committed messages out to the room's sockets.
    pub layer: Arc<dyn ChannelLayer>,
    /// What the room and inbox sockets share.
    pub realtime: Realtime,
    /// Rate limits for log-ins, messages, new rooms and upgrades.
    pub limits: Arc<Limits>,
    /// The settings the server started with.
    pub config: Arc<Config>,
    /// Log-in, log-out, keeping sessions alive and ending their sockets.
    pub sessions: SessionControl,
    /// Password hashing, bounded to the machine's cores.
    pub passwords: Passwords,
    /// Signs and recognises the cookies of browsers that logged in before.
    pub known_browsers: KnownBrowsers,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub proxies: TrustedProxies,
    /// The one host requests may name (`--public-url`), if known.
    pub hosts: HostGuard,
    /// Who is in which room, on every instance.
    pub presence: PresenceHub,
    /// Web Push, when it is on (`--vapid-subject`).
    pub push: Option<WebPush>,
    /// Outgoing webhooks' deliveries.
    pub deliveries: Deliveries,
    /// E-mail, when it is on (`--smtp-url`).
    pub mail: Option<Mailer>,
    /// Single sign-on, when it is on (`--oidc-issuer`).
    pub sso: Option<Arc<Sso>>,
}
