//! Start-up and serving: config -> database + migrations -> channel layer ->
//! router -> listener; and the orderly stop that closes sockets and waits for
//! in-flight messages to commit.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use axum::serve::ListenerExt;
use leptos::prelude::LeptosOptions;
use tokio::{net::TcpListener, task::JoinHandle};
use tokio_util::task::TaskTracker;
use tower_sessions::ExpiredDeletion;

use crate::server::{
    accounts::limits::Limits,
    config::{ChannelLayerKind, Config},
    http::routes,
    metrics,
    realtime::layer::{ChannelLayer, MemoryLayer, RedisLayer},
    shutdown::{self, ShutdownTrigger},
    state::AppState,
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
}

/// A Parlor server that is accepting connections.
pub struct Running {
    /// The address it listens on (useful when the port was 0).
    pub addr: SocketAddr,
    trigger: ShutdownTrigger,
    serving: JoinHandle<std::io::Result<()>>,
    sockets: TaskTracker,
    background: Background,
}

/// How long a stop waits for room sockets to finish their in-flight work.
const SOCKET_DRAIN: Duration = Duration::from_secs(10);

/// Opens the database, builds the app and starts serving in the background.
pub async fn start(config: Config) -> Result<Running, StartupError> {
    metrics::install();
    let background = Background::new();
    let layer: Arc<dyn ChannelLayer> = match &config.channel_layer {
        ChannelLayerKind::Memory => Arc::new(MemoryLayer::new(config.layer_capacity as usize)),
        ChannelLayerKind::Redis(url) => Arc::new(
            RedisLayer::connect(url, config.layer_capacity as usize, &background)
                .await
                .map_err(|err| StartupError::ChannelLayer(err.to_string()))?,
        ),
    };
    let store = Store::open(&config.database_url(), layer.clone(), &background).await?;
    let listener = TcpListener::bind(config.addr)
        .await
        .map_err(|source| StartupError::Bind { addr: config.addr, source })?;
    let addr = listener.local_addr().map_err(|source| StartupError::Bind { addr: config.addr, source })?;

    let (trigger, shutdown) = shutdown::channel();
    let sockets = TaskTracker::new();
    let state = AppState {
        leptos_options: leptos_options(addr)?,
        store: store.clone(),
        layer,
        shutdown: shutdown.clone(),
        sockets: sockets.clone(),
        limits: Arc::new(Limits::new(&config)),
    };
    schedule_cleanups(&background, state.limits.clone(), DbSessionStore::new(store.db().clone()));
    let app = routes::router(state, &config);
    let stop = shutdown;
    let serving = tokio::spawn(async move {
        // No Nagle delay: chat frames are small and should leave at once.
        let listener = listener.tap_io(|tcp| {
            if let Err(err) = tcp.set_nodelay(true) {
                tracing::debug!(%err, "could not set TCP_NODELAY");
            }
        });
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(async move { stop.wait().await })
            .await
    });
    tracing::info!(%addr, "Parlor is listening on http://{addr}");
    Ok(Running { addr, trigger, serving, sockets, background })
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
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(err))) => tracing::error!(%err, "server error"),
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
    let mut options = leptos::config::get_configuration(None)
        .map_err(|e| StartupError::Site(e.to_string()))?
        .leptos_options;
    if options.output_name.is_empty() {
        options.output_name = "parlor".into();
    }
    options.site_addr = addr;
    Ok(options)
}

/// Lets the rate limiters forget idle clients once a minute, and deletes
/// expired sessions once an hour.
fn schedule_cleanups(background: &Background, limits: Arc<Limits>, sessions: DbSessionStore) {
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
        }
    });
}
