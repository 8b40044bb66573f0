//! Background tasks (the message writer, the Redis layer's tasks, clean-ups),
//! spawned through one tracker so that stopping the server ends every one of
//! them and waits for it, instead of leaving detached `tokio::spawn`s behind.

use std::{future::Future, time::Duration};

use tokio_util::{sync::CancellationToken, task::TaskTracker};

/// The server's background tasks. Cheap to clone.
#[derive(Clone, Default)]
pub struct Background {
    tracker: TaskTracker,
    /// Cancelled when the server stops; each task watches it.
    stop: CancellationToken,
}

impl Background {
    pub fn new() -> Self {
        Self::default()
    }

    /// Spawns `task`, which gets the token that says when to stop.
    pub fn spawn<F>(&self, task: impl FnOnce(CancellationToken) -> F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.tracker.spawn(task(self.stop.clone()));
    }

    /// Spawns `task` on a thread of its own with a single-threaded runtime, so
    /// that its wake-ups wait behind nothing else.
    pub fn spawn_on_own_thread<F>(&self, name: &str, task: impl FnOnce(CancellationToken) -> F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let future = task(self.stop.clone());
        let (done, finished) = tokio::sync::oneshot::channel::<()>();
        let runtime =
            tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime for a task of its own");
        std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                runtime.block_on(future);
                let _ = done.send(());
            })
            .expect("a thread for a task of its own");
        self.tracker.spawn(async move {
            let _ = finished.await;
        });
    }

    /// Runs `tick` every `period` (first after one period) until the server stops.
    pub fn every<F>(&self, period: Duration, mut tick: impl FnMut() -> F + Send + 'static)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.spawn(|stop| async move {
            let mut interval = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
            loop {
                tokio::select! {
                    _ = interval.tick() => tick().await,
                    () = stop.cancelled() => return,
                }
            }
        });
    }

    /// Tells every task to stop and waits for them, at most `grace`.
    pub async fn stop(&self, grace: Duration) {
        self.stop.cancel();
        self.tracker.close();
        if tokio::time::timeout(grace, self.tracker.wait()).await.is_err() {
            tracing::warn!("some background tasks did not stop in time");
        }
    }
}
