//! Graceful shutdown: one signal (SIGINT, SIGTERM or a test's trigger) that the
//! listener and every room socket watch.

use tokio_util::sync::CancellationToken;

/// Fires the shutdown signal.
pub struct ShutdownTrigger(CancellationToken);

/// Watches for the shutdown signal. Cheap to clone.
#[derive(Clone)]
pub struct Shutdown(CancellationToken);

/// A connected trigger and watcher.
pub fn channel() -> (ShutdownTrigger, Shutdown) {
    let token = CancellationToken::new();
    (ShutdownTrigger(token.clone()), Shutdown(token))
}

impl ShutdownTrigger {
    pub fn trigger(&self) {
        self.0.cancel();
    }
}

impl Shutdown {
    /// Resolves once shutdown has begun (at once if it already has).
    pub async fn wait(&self) {
        self.0.cancelled().await;
    }
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
pub async fn os_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
