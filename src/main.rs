//! The `parlor` server binary: parse flags, start, serve until SIGINT/SIGTERM.

use clap::Parser;
use parlor::server::{config::Config, shutdown, startup};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let config = Config::parse();
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .init();
    let running = match startup::start(config).await {
        Ok(running) => running,
        Err(err) => {
            eprintln!("parlor: {err}");
            return std::process::ExitCode::FAILURE;
        }
    };
    shutdown::os_signal().await;
    tracing::info!("shutting down");
    running.stop().await;
    std::process::ExitCode::SUCCESS
}
