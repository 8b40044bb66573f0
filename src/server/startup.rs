//! Start-up and serving: config -> database + migrations -> channel layer ->
//! router -> listener; and the orderly stop that closes sockets and waits for
//! in-flight messages to commit.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use leptos::prelude::LeptosOptions;
use tokio::{net::TcpListener, task::JoinHandle};
use tokio_util::task::TaskTracker;
use tower_sessions::ExpiredDeletion;

use crate::server::{
    accounts::{auth::Passwords, known_browsers::KnownBrowsers, limits::Limits, session_control::SessionControl},
    bus::{ChannelLayer, MemoryLayer, RedisLayer},
    config::{ChannelLayerKind, Config, Switch},
    http::{
        assets::Assets,
        client_ip::TrustedProxies,
        hosts::HostGuard,
        routes::{self, Site},
        serve,
        state::{AppState, Shared},
    },
    integrations::Deliveries,
    mail::{MailSetupError, Mailer},
    metrics, previews,
    push::{KeyError, WebPush},
    realtime::{self, Realtime, presence::PresenceHub},
    shutdown::{self, ShutdownTrigger},
    sso::Sso,
    storage::{Store, db::DbSetupError, sessions::DbSessionStore},
    tasks::Background,
};

/// Why Parlor could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Database(#[from] DbSetupError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("cannot connect to the channel layer: {0}")]
    ChannelLayer(String),
    #[error("cannot read the Leptos site configuration: {0}")]
    Site(String),
    #[error(transparent)]
    Push(#[from] KeyError),
    #[error(transparent)]
    Mail(#[from] MailSetupError),
    #[error("single sign-on: {0}")]
    Sso(String),
    #[error("cannot read or write the server's settings: {0}")]
    Settings(String),
}

/// A Parlor server that is accepting connections.
pub struct Running {
    /// The address it listens on (useful when the port was 0).
    pub addr: SocketAddr,
    /// The address of the operations listener (`/metrics`, detailed `/healthz`), if any.
    pub metrics_addr: Option<SocketAddr>,
    /// The server's password hashing (its count of argon2 runs).
    pub passwords: Passwords,
    trigger: ShutdownTrigger,
    serving: JoinHandle<()>,
    sockets: TaskTracker,
    background: Background,
}

/// How long a stop waits for room sockets to finish their in-flight work.
const SOCKET_DRAIN: Duration = Duration::from_secs(10);

/// Opens the database, builds the app around `site`'s pages and starts
/// serving in the background.
pub async fn start(config: Config, site: Site) -> Result<Running, StartupError> {
    if config.password_login == Switch::Off && config.oidc_issuer.is_none() {
        return Err(StartupError::Sso("--password-login off needs --oidc-issuer: nobody could log in".into()));
    }
    metrics::install();
    let background = Background::new();
    let layer: Arc<dyn ChannelLayer> = match &config.channel_layer {
        ChannelLayerKind::Memory => Arc::new(MemoryLayer::new(config.layer_capacity as usize)),
        ChannelLayerKind::Redis(url) => Arc::new(
            RedisLayer::connect(url, config.layer_capacity as usize, &background)
                .await
                .map_err(|err| StartupError::ChannelLayer(err.to_string()))?,
        ),
        ChannelLayerKind::RedisCluster(nodes) => Arc::new(
            RedisLayer::connect_cluster(nodes, config.layer_capacity as usize, &background)
                .await
                .map_err(|err| StartupError::ChannelLayer(err.to_string()))?,
        ),
    };
    let store =
        Store::open(&config.database_url(), config.sqlite_synchronous, config.writer_queue as usize, layer.clone(), &background)
            .await?;
    let listener = bind(config.addr).await?;
    let addr = listener.local_addr().map_err(|source| StartupError::Bind { addr: config.addr, source })?;
    let metrics_listener = match config.metrics_addr {
        Some(metrics_addr) => Some(bind(metrics_addr).await?),
        None => None,
    };
    let metrics_addr = match &metrics_listener {
        Some(listener) => Some(listener.local_addr().map_err(|source| StartupError::Bind { addr, source })?),
        None => None,
    };

    let (trigger, shutdown) = shutdown::channel();
    let sockets = TaskTracker::new();
    let session_store = DbSessionStore::new(&store);
    let mut config = config;
    let hosts = HostGuard::from_public_url(config.public_url.as_deref()).map_err(StartupError::Settings)?;
    // Links in mails and single sign-on's return address: where this listener is, unless told.
    config.public_url.get_or_insert_with(|| format!("http://{addr}"));
    let config = Arc::new(config);
    let limits = Arc::new(Limits::new(&config));
    let sessions = SessionControl::new(layer.clone(), session_store.clone(), store.clone(), config.session_lifetime());
    let presence = PresenceHub::start(layer.clone(), &background);
    let push = WebPush::start(&store, layer.clone(), &config, &background).await?;
    let deliveries = Deliveries::start(&store, &config, &background);
    store
        .registration()
        .seed_registration_mode(config.registration)
        .await
        .map_err(|err| StartupError::Settings(err.to_string()))?;
    let mail = Mailer::start(&store, layer.clone(), &config, &background)?;
    let passwords = Passwords::default();
    let known_browsers = KnownBrowsers::load(&store).await.map_err(|err| StartupError::Settings(err.to_string()))?;
    let sso = Sso::from_config(&config).map_err(StartupError::Sso)?.map(Arc::new);
    let realtime = Realtime::new(realtime::Parts {
        store: store.clone(),
        layer: layer.clone(),
        sessions: sessions.clone(),
        limits: limits.clone(),
        presence: presence.clone(),
        open_sockets: Arc::default(),
        shutdown: shutdown.clone(),
        tasks: sockets.clone(),
        config: config.clone(),
    });
    let state = AppState::new(Shared {
        leptos_options: leptos_options(addr)?,
        store: store.clone(),
        layer: layer.clone(),
        realtime,
        limits,
        sessions,
        passwords: passwords.clone(),
        known_browsers,
        proxies: TrustedProxies::new(config.trusted_proxies.clone()),
        hosts,
        presence,
        push,
        deliveries,
        mail,
        sso,
        config,
    });
    previews::start(&store, &state.config, &background);
    schedule_cleanups(&background, state.limits.clone(), session_store, state.store.clone());
    let serving = tokio::spawn(serve::serve(listener, routes::router(state.clone(), site), shutdown.clone()));
    if let Some(listener) = metrics_listener {
        let operations = routes::operations_router(state);
        let stop = shutdown.clone();
        background.spawn(|_| async move {
            let served = axum::serve(listener, operations).with_graceful_shutdown(async move { stop.wait().await }).await;
            if let Err(err) = served {
                tracing::error!(%err, "the metrics listener failed");
            }
        });
    }
    tracing::info!(%addr, "Parlor is listening on http://{addr}");
    Ok(Running { addr, metrics_addr, passwords, trigger, serving, sockets, background })
}

async fn bind(addr: SocketAddr) -> Result<TcpListener, StartupError> {
    TcpListener::bind(addr).await.map_err(|source| StartupError::Bind { addr, source })
}

impl Running {
    /// Stops accepting, tells every room socket to close and waits for them, then
    /// stops the background tasks (the writer stores what is still queued).
    pub async fn stop(self) {
        self.trigger.trigger();
        self.sockets.close();
        if tokio::time::timeout(SOCKET_DRAIN, self.sockets.wait()).await.is_err() {
            tracing::warn!("some room sockets did not finish in time");
        }
        match tokio::time::timeout(SOCKET_DRAIN, self.serving).await {
            Ok(Ok(())) => {}
            Ok(Err(err)) => tracing::error!(%err, "server task failed"),
            Err(_) => tracing::warn!("HTTP connections did not close in time"),
        }
        self.background.stop(SOCKET_DRAIN).await;
        tracing::info!("Parlor stopped");
    }
}

/// Leptos' site settings: from cargo-leptos' environment when present, with
/// defaults that find the built site under `target/site` from the repo root.
fn leptos_options(addr: SocketAddr) -> Result<LeptosOptions, StartupError> {
    let mut options = leptos::config::get_configuration(None).map_err(|e| StartupError::Site(e.to_string()))?.leptos_options;
    // The bundle is loaded by its content-hashed name (`http::assets`).
    options.output_name = Assets::load(&options.site_root).output_name.as_str().into();
    options.site_addr = addr;
    Ok(options)
}

/// Lets the rate limiters forget idle clients once a minute, and deletes
/// expired sessions (and their devices) and uploads never sent (after a day)
/// once an hour.
fn schedule_cleanups(background: &Background, limits: Arc<Limits>, sessions: DbSessionStore, store: Store) {
    background.every(Duration::from_secs(60), move || {
        limits.forget_idle();
        std::future::ready(())
    });
    background.every(Duration::from_secs(3600), move || {
        let sessions = sessions.clone();
        async move {
            if let Err(err) = sessions.delete_expired().await {
                tracing::warn!(%err, "deleting expired sessions failed");
            }
            if let Err(err) = sessions.forget_ended_devices().await {
                tracing::warn!(%err, "forgetting the devices of ended sessions failed");
            }
        }
    });
    background.every(Duration::from_secs(3600), move || {
        let store = store.clone();
        async move {
            let a_day_ago = chrono::Utc::now() - chrono::Duration::days(1);
            match store.attachments().sweep_unsent_uploads(a_day_ago).await {
                Ok(0) => {}
                Ok(swept) => tracing::info!(swept, "removed uploads never sent"),
                Err(err) => tracing::warn!(%err, "removing uploads never sent failed"),
            }
        }
    });
}
