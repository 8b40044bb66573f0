//! The `parlor` server binary: parse flags, start, serve until SIGINT/SIGTERM.

use clap::Parser;
use parlor::server::{config::Config, shutdown};
use tracing_subscriber::EnvFilter;

/// mimalloc instead of glibc's malloc: a page render allocates thousands of
/// small, short-lived objects across worker threads, where glibc's arenas spent
/// a quarter of the room page's CPU (`scripts/profile.sh page`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let config = match Config::try_parse() {
        Ok(config) => config,
        Err(err) if !err.use_stderr() => err.exit(), // --help, --version
        Err(err) => {
            // One clear line; `--help` has the rest.
            let rendered = err.to_string();
            let first = rendered.lines().next().unwrap_or("invalid arguments");
            eprintln!("parlor: {}", first.trim_start_matches("error: "));
            return std::process::ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .init();
    let running = match parlor::start(config).await {
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
