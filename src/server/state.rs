//! `AppState`: what every handler, server function and socket shares.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use tokio_util::task::TaskTracker;

use crate::server::{
    accounts::limits::Limits, realtime::layer::ChannelLayer, shutdown::Shutdown, storage::Store,
};

#[derive(Clone, FromRef)]
pub struct AppState {
    /// Leptos' site settings (asset paths, output name).
    pub leptos_options: LeptosOptions,
    /// The database and its message writer.
    pub store: Store,
    /// Fans committed messages out to the room's sockets.
    pub layer: Arc<dyn ChannelLayer>,
    /// Tells room sockets to close when the server stops.
    pub shutdown: Shutdown,
    /// Room socket tasks, so shutdown can wait for them to finish.
    pub sockets: TaskTracker,
    /// Rate limits for log-ins, messages and upgrades.
    pub limits: Arc<Limits>,
}
