//! The `parlor` binary's flags. Every flag has an environment twin, so the same
//! settings work on a command line, in a service unit or in a container.

use std::{net::SocketAddr, path::PathBuf};

use clap::Parser;

/// How Parlor is configured at start-up.
#[derive(Clone, Debug, Parser)]
#[command(name = "parlor", version, about = "Parlor: self-hosted real-time group chat")]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "PARLOR_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,

    /// Database URL: `sqlite://path?mode=rwc` or `postgres://...`.
    /// Defaults to `parlor.db` in the data directory.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,

    /// Directory for the default SQLite database; created if missing.
    #[arg(long, env = "PARLOR_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,

    /// Channel layer: `memory` (one instance) or a `redis://` URL (several instances).
    #[arg(long, env = "PARLOR_CHANNEL_LAYER", default_value = "memory", value_parser = parse_layer)]
    pub channel_layer: ChannelLayerKind,

    /// Messages a room's fan-out buffer holds before a slow socket is caught up
    /// from the database instead.
    #[arg(long, env = "PARLOR_LAYER_CAPACITY", default_value_t = 1024,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub layer_capacity: u32,

    /// Mark the session cookie `Secure` (serve over HTTPS).
    #[arg(long, env = "PARLOR_SECURE_COOKIES", default_value_t = false)]
    pub secure_cookies: bool,

    /// Days a login session lasts without activity.
    #[arg(long, env = "PARLOR_SESSION_DAYS", default_value_t = 14)]
    pub session_days: u32,

    /// Log-in and registration attempts allowed per client IP per minute.
    #[arg(long, env = "PARLOR_AUTH_ATTEMPTS_PER_IP", default_value_t = 30)]
    pub auth_attempts_per_ip: u32,

    /// Log-in attempts allowed per username per minute.
    #[arg(long, env = "PARLOR_AUTH_ATTEMPTS_PER_USERNAME", default_value_t = 10)]
    pub auth_attempts_per_username: u32,

    /// Messages a user may send per room per second (bursts of three times that).
    #[arg(long, env = "PARLOR_MESSAGES_PER_SECOND", default_value_t = 10)]
    pub messages_per_second: u32,

    /// WebSocket upgrades allowed per client IP per minute.
    #[arg(long, env = "PARLOR_UPGRADES_PER_IP", default_value_t = 120)]
    pub upgrades_per_ip: u32,
}

/// Which channel layer fans messages out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChannelLayerKind {
    /// In-process tokio broadcast: one instance serves every room.
    Memory,
    /// Redis pub/sub at the given URL: several instances share the rooms.
    Redis(String),
}

fn parse_layer(value: &str) -> Result<ChannelLayerKind, String> {
    match value {
        "memory" => Ok(ChannelLayerKind::Memory),
        url if url.starts_with("redis://") || url.starts_with("rediss://") => {
            Ok(ChannelLayerKind::Redis(url.to_owned()))
        }
        other => Err(format!("expected `memory` or a redis:// URL, got `{other}`")),
    }
}

impl Config {
    /// The database URL to use: the flag, or a SQLite file in the data directory.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}?mode=rwc", self.data_dir.join("parlor.db").display()),
        }
    }

    /// A configuration for tests and embedding: defaults, with the given database.
    pub fn for_database(database_url: impl Into<String>) -> Self {
        let mut config = Self::parse_from(["parlor"]);
        config.addr = "127.0.0.1:0".parse().expect("valid literal address");
        config.database_url = Some(database_url.into());
        config
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layer_flag_accepts_memory_and_redis_urls_only() {
        assert_eq!(parse_layer("memory"), Ok(ChannelLayerKind::Memory));
        assert!(matches!(parse_layer("redis://127.0.0.1:6379"), Ok(ChannelLayerKind::Redis(_))));
        assert!(parse_layer("carrier-pigeon").is_err());
    }

    #[test]
    fn default_database_is_a_file_in_the_data_directory() {
        let config = Config::parse_from(["parlor", "--data-dir", "/tmp/x"]);
        assert_eq!(config.database_url(), "sqlite:///tmp/x/parlor.db?mode=rwc");
    }
}
