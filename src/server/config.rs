//! The `parlor` binary's flags. Every flag has an environment twin, so the same
//! settings work on a command line, in a service unit or in a container.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::Parser;
use ipnet::IpNet;

use crate::protocol::RegistrationMode;

/// How SQLite makes a commit durable.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum SqliteSync {
    /// Every commit is synced to disk before it returns: an acked message
    /// survives a power loss.
    #[default]
    Full,
    /// Commits are synced at WAL checkpoints: an acked message survives a crash
    /// of Parlor but may be lost with the machine's power.
    Normal,
}

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

    /// Channel layer: `memory` (one instance), a `redis://` URL (several instances
    /// over one Redis) or `redis-cluster://host:port,host:port,…` (several instances
    /// over a Redis Cluster's sharded pub/sub).
    #[arg(long, env = "PARLOR_CHANNEL_LAYER", default_value = "memory", value_parser = parse_layer)]
    pub channel_layer: ChannelLayerKind,

    /// Messages a room's fan-out buffer holds before a slow socket is caught up
    /// from the database instead.
    #[arg(long, env = "PARLOR_LAYER_CAPACITY", default_value_t = 1024,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub layer_capacity: u32,

    /// SQLite durability: `full` syncs every commit to disk before it is acked
    /// (survives power loss); `normal` syncs at checkpoints (survives a crash
    /// of Parlor, not of the machine). Ignored for PostgreSQL.
    #[arg(long, env = "PARLOR_SQLITE_SYNCHRONOUS", value_enum, default_value_t = SqliteSync::Full)]
    pub sqlite_synchronous: SqliteSync,

    /// Address of a second listener that serves only `/metrics` and the detailed
    /// `/healthz` (keep it off the public network). Without it, `/metrics` is
    /// served on `--addr`.
    #[arg(long, env = "PARLOR_METRICS_ADDR")]
    pub metrics_addr: Option<SocketAddr>,

    /// Reverse proxies (CIDRs, comma-separated) whose `X-Forwarded-For` is
    /// believed: the client is the right-most address not in this list.
    #[arg(long, env = "PARLOR_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<IpNet>,

    /// Mark the session cookie `Secure` (serve over HTTPS).
    #[arg(long, env = "PARLOR_SECURE_COOKIES", default_value_t = false)]
    pub secure_cookies: bool,

    /// Days a login session lasts without activity.
    #[arg(long, env = "PARLOR_SESSION_DAYS", default_value_t = 14)]
    pub session_days: u32,

    /// Log-in and registration attempts allowed per client IP per minute.
    #[arg(long, env = "PARLOR_AUTH_ATTEMPTS_PER_IP", default_value_t = 30)]
    pub auth_attempts_per_ip: u32,

    /// Log-in attempts allowed per username from one client IP per minute.
    #[arg(long, env = "PARLOR_AUTH_ATTEMPTS_PER_USERNAME", default_value_t = 10)]
    pub auth_attempts_per_username: u32,

    /// Log-in attempts allowed per username from all client IPs together per
    /// minute (a ceiling that a stranger alone cannot reach).
    #[arg(long, env = "PARLOR_AUTH_ATTEMPTS_PER_USERNAME_ALL_IPS", default_value_t = 100)]
    pub auth_attempts_per_username_all_ips: u32,

    /// Messages a user may send per second, over all rooms (bursts of three times that).
    #[arg(long, env = "PARLOR_MESSAGES_PER_SECOND", default_value_t = 10)]
    pub messages_per_second: u32,

    /// New rooms a user may create (by posting first) per hour.
    #[arg(long, env = "PARLOR_ROOMS_PER_HOUR", default_value_t = 30)]
    pub rooms_per_hour: u32,

    /// Room sockets one user may have open on this instance.
    #[arg(long, env = "PARLOR_MAX_SOCKETS_PER_USER", default_value_t = 20,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_sockets_per_user: u32,

    /// Sends that may wait for the database (a stall, a restart) before new ones
    /// are refused as `store_failed`, to be sent again: this bounds the writer's memory.
    #[arg(long, env = "PARLOR_WRITER_QUEUE", default_value_t = 8192,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub writer_queue: u32,

    /// Events a socket replays after `?after=`; past that it gets a `reset` frame
    /// and the client loads the newest page instead.
    #[arg(long, env = "PARLOR_REPLAY_LIMIT", default_value_t = 1000,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub replay_limit: u64,

    /// Seconds between the server's pings on a quiet socket; a socket that sends
    /// nothing (not even a pong) for three of these is closed.
    #[arg(long, env = "PARLOR_PING_SECS", default_value_t = 20,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub ping_secs: u64,

    /// Seconds a socket may take to accept its frames before it is dropped (it
    /// resyncs when it reconnects).
    #[arg(long, env = "PARLOR_WRITE_TIMEOUT_SECS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub write_timeout_secs: u64,

    /// Tests shorten the session lifetime to seconds; `--session-days` otherwise.
    #[arg(skip)]
    pub session_lifetime_override: Option<Duration>,

    /// WebSocket upgrades allowed per client IP per minute.
    #[arg(long, env = "PARLOR_UPGRADES_PER_IP", default_value_t = 120)]
    pub upgrades_per_ip: u32,

    /// Largest file a user may upload, in megabytes (10^6 bytes).
    #[arg(long, env = "PARLOR_MAX_UPLOAD_MB", default_value_t = 25,
          value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub max_upload_mb: u64,

    /// Files a user may upload per minute.
    #[arg(long, env = "PARLOR_UPLOADS_PER_MINUTE", default_value_t = 20)]
    pub uploads_per_minute: u32,

    /// Searches a user may run per minute.
    #[arg(long, env = "PARLOR_SEARCHES_PER_MINUTE", default_value_t = 30)]
    pub searches_per_minute: u32,

    /// Link previews: after a message with an `http(s)` link commits, the
    /// server reads the linked page (public addresses only) and shows its
    /// title, description and image under the message.
    #[arg(long, env = "PARLOR_LINK_PREVIEWS", value_enum, default_value_t = Switch::On)]
    pub link_previews: Switch,

    /// Link previews a user's messages may cause per minute.
    #[arg(long, env = "PARLOR_LINK_PREVIEWS_PER_USER_PER_MINUTE", default_value_t = 10)]
    pub link_previews_per_user_per_minute: u32,

    /// Pages one site (host) is asked for, for link previews, per minute.
    #[arg(long, env = "PARLOR_LINK_PREVIEWS_PER_SITE_PER_MINUTE", default_value_t = 20)]
    pub link_previews_per_site_per_minute: u32,

    /// FOR TESTS ONLY: addresses (`IP:PORT`, comma-separated) that link
    /// previews may fetch from although they are not public, such as a test's
    /// own server on 127.0.0.1. Empty by default; never set it in production.
    #[arg(long, env = "PARLOR_LINK_PREVIEWS_TEST_ALLOW", value_delimiter = ',')]
    pub link_previews_test_allow: Vec<SocketAddr>,
    /// Web Push: who runs this server, as push services are told (a
    /// `mailto:` or `https:` URL). Push is off without it.
    #[arg(long, env = "PARLOR_VAPID_SUBJECT", value_parser = parse_vapid_subject)]
    pub vapid_subject: Option<String>,
    /// FOR TESTS ONLY: addresses (`IP:PORT`, comma-separated) of push
    /// services that may be reached over plain `http://` although they are
    /// not public, such as a test's own push service on 127.0.0.1. Empty by
    /// default; never set it in production.
    #[arg(long, env = "PARLOR_PUSH_TEST_ALLOW", value_delimiter = ',')]
    pub push_test_allow: Vec<SocketAddr>,

    /// Requests one API token may make per minute (its sockets' upgrades included).
    #[arg(long, env = "PARLOR_API_REQUESTS_PER_MINUTE", default_value_t = 600)]
    pub api_requests_per_minute: u32,

    /// Messages one incoming webhook may post per minute.
    #[arg(long, env = "PARLOR_WEBHOOK_POSTS_PER_MINUTE", default_value_t = 60)]
    pub webhook_posts_per_minute: u32,

    /// Seconds a subscription's failing delivery is retried (with growing
    /// pauses) before the subscription is paused and its bot's maker told.
    #[arg(long, env = "PARLOR_DELIVERY_RETRY_SECS", default_value_t = 3 * 24 * 3600,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub delivery_retry_secs: u64,

    /// Who may make an account when the deployment starts (an administrator
    /// changes it on `/admin` afterwards): `open`, `invite` or `closed`.
    #[arg(long, env = "PARLOR_REGISTRATION", value_enum, default_value_t = RegistrationMode::Open)]
    pub registration: RegistrationMode,

    /// `on`: accounts log in with a password (and single sign-on when it is
    /// set up); `off`: single sign-on only.
    #[arg(long, env = "PARLOR_PASSWORD_LOGIN", value_enum, default_value_t = Switch::On)]
    pub password_login: Switch,

    /// The address people reach Parlor at (`https://chat.example.org`), for
    /// links in mails and single sign-on's return address. Default: `http://`
    /// and `--addr`.
    #[arg(long, env = "PARLOR_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// The language of pages, mails and pushes for whoever has not chosen one
    /// and whose browser asks for none Parlor speaks: `en` or `es`.
    #[arg(long, env = "PARLOR_DEFAULT_LOCALE", default_value = "en", value_parser = parse_locale)]
    pub default_locale: crate::i18n::Locale,

    /// E-mail: the SMTP server, `smtps://user:pass@host:465` (or
    /// `smtp://host:587?tls=required`). E-mail is off without it.
    #[arg(long, env = "PARLOR_SMTP_URL")]
    pub smtp_url: Option<String>,

    /// E-mail: who Parlor's mails come from.
    #[arg(long, env = "PARLOR_MAIL_FROM", default_value = "Parlor <parlor@localhost>")]
    pub mail_from: String,

    /// E-mail: seconds a mention or direct message waits to be read before it is mailed.
    #[arg(long, env = "PARLOR_MAIL_DELAY_SECS", default_value_t = 300)]
    pub mail_delay_secs: u64,

    /// Single sign-on: the OpenID provider's issuer URL (its discovery document
    /// is at `/.well-known/openid-configuration` below it).
    #[arg(long, env = "PARLOR_OIDC_ISSUER")]
    pub oidc_issuer: Option<String>,

    /// Single sign-on: Parlor's client id at the provider.
    #[arg(long, env = "PARLOR_OIDC_CLIENT_ID")]
    pub oidc_client_id: Option<String>,

    /// Single sign-on: Parlor's client secret at the provider.
    #[arg(long, env = "PARLOR_OIDC_CLIENT_SECRET")]
    pub oidc_client_secret: Option<String>,

    /// Single sign-on: the provider's name on the log-in button.
    #[arg(long, env = "PARLOR_OIDC_NAME", default_value = "single sign-on")]
    pub oidc_name: String,

    /// FOR TESTS ONLY: addresses (`IP:PORT`, comma-separated) that outgoing
    /// webhooks may reach although they are not public, such as a test's own
    /// receiver on 127.0.0.1. Empty by default; never set it in production.
    #[arg(long, env = "PARLOR_WEBHOOKS_TEST_ALLOW", value_delimiter = ',')]
    pub webhooks_test_allow: Vec<SocketAddr>,
}

fn parse_vapid_subject(value: &str) -> Result<String, String> {
    let ok = value.strip_prefix("mailto:").is_some_and(|address| address.contains('@'))
        || value.strip_prefix("https://").is_some_and(|rest| !rest.is_empty());
    if ok { Ok(value.to_owned()) } else { Err(format!("expected a mailto: or https: URL, got `{value}`")) }
}

/// A feature turned `on` or `off`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Switch {
    #[default]
    On,
    Off,
}

/// Which channel layer fans messages out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChannelLayerKind {
    /// In-process tokio broadcast: one instance serves every room.
    Memory,
    /// Redis pub/sub at the given URL: several instances share the rooms.
    Redis(String),
    /// Sharded pub/sub on the Redis Cluster these nodes (`redis://host:port`) belong to.
    RedisCluster(Vec<String>),
}

/// Reads a `--channel-layer` value.
/// `--default-locale`: a locale people may choose (not the test pseudo-locale).
pub fn parse_locale(value: &str) -> Result<crate::i18n::Locale, String> {
    crate::i18n::Locale::choosable(value).ok_or_else(|| format!("unknown locale {value:?} (known: en, es)"))
}

pub fn parse_layer(value: &str) -> Result<ChannelLayerKind, String> {
    match value {
        "memory" => Ok(ChannelLayerKind::Memory),
        url if url.starts_with("redis://") || url.starts_with("rediss://") => Ok(ChannelLayerKind::Redis(url.to_owned())),
        url if url.starts_with(CLUSTER_SCHEME) => cluster_nodes(&url[CLUSTER_SCHEME.len()..]).map(ChannelLayerKind::RedisCluster),
        other => Err(format!("expected `memory`, a redis:// URL or redis-cluster://host:port,host:port,…, got `{other}`")),
    }
}

/// How `--channel-layer` names a Redis Cluster.
const CLUSTER_SCHEME: &str = "redis-cluster://";

/// `[user:password@]host:port,host:port,…` as one `redis://` URL per node
/// (each with the credentials).
fn cluster_nodes(list: &str) -> Result<Vec<String>, String> {
    let (credentials, hosts) = match list.rsplit_once('@') {
        Some((credentials, hosts)) => (format!("{credentials}@"), hosts),
        None => (String::new(), list),
    };
    let nodes: Vec<String> = hosts
        .trim_end_matches('/')
        .split(',')
        .map(str::trim)
        .filter(|host| !host.is_empty())
        .map(|host| match host.rsplit_once(':') {
            Some((name, port)) if !name.is_empty() && port.parse::<u16>().is_ok() => Ok(format!("redis://{credentials}{host}")),
            _ => Err(format!("a cluster node is host:port, got `{host}`")),
        })
        .collect::<Result<_, _>>()?;
    if nodes.is_empty() {
        return Err("redis-cluster:// names at least one node (host:port)".into());
    }
    Ok(nodes)
}

impl Config {
    /// `--max-upload-mb` in bytes.
    pub fn max_upload_bytes(&self) -> u64 {
        self.max_upload_mb * 1_000_000
    }

    /// How long a session lasts without activity.
    pub fn session_lifetime(&self) -> Duration {
        self.session_lifetime_override.unwrap_or(Duration::from_secs(u64::from(self.session_days) * 24 * 3600))
    }

    /// Where people reach Parlor (`--public-url`, else `http://` and `--addr`), without a trailing slash.
    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.addr),
        }
    }

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
    fn push_is_off_by_default_and_its_subject_is_a_mailto_or_https_url() {
        let config = Config::parse_from(["parlor"]);
        assert_eq!((config.vapid_subject, config.push_test_allow.len()), (None, 0));
        let on = Config::parse_from(["parlor", "--vapid-subject", "mailto:ops@example.org"]);
        assert_eq!(on.vapid_subject.as_deref(), Some("mailto:ops@example.org"));
        assert!(Config::try_parse_from(["parlor", "--vapid-subject", "https://chat.example.org"]).is_ok());
        for bad in ["ops@example.org", "mailto:", "http://example.org", "https://"] {
            assert!(Config::try_parse_from(["parlor", "--vapid-subject", bad]).is_err(), "{bad}");
        }
    }

    #[test]
    fn layer_flag_accepts_memory_redis_urls_and_cluster_nodes_only() {
        assert_eq!(parse_layer("memory"), Ok(ChannelLayerKind::Memory));
        assert!(matches!(parse_layer("redis://127.0.0.1:6379"), Ok(ChannelLayerKind::Redis(_))));
        assert!(parse_layer("carrier-pigeon").is_err());
        assert_eq!(
            parse_layer("redis-cluster://10.0.0.1:7000, redis-b:7001/"),
            Ok(ChannelLayerKind::RedisCluster(vec!["redis://10.0.0.1:7000".into(), "redis://redis-b:7001".into()]))
        );
        assert_eq!(
            parse_layer("redis-cluster://parlor:s3cret@a:1,b:2"),
            Ok(ChannelLayerKind::RedisCluster(vec!["redis://parlor:s3cret@a:1".into(), "redis://parlor:s3cret@b:2".into()]))
        );
        for bad in ["redis-cluster://", "redis-cluster://a", "redis-cluster://a:port", "redis-cluster://:7000"] {
            assert!(parse_layer(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn trusted_proxies_are_a_list_of_networks() {
        let config = Config::parse_from(["parlor", "--trusted-proxies", "127.0.0.1/32,10.0.0.0/8,::1/128"]);
        assert_eq!(config.trusted_proxies.len(), 3);
        assert!(Config::try_parse_from(["parlor", "--trusted-proxies", "not-a-network"]).is_err());
        assert_eq!(Config::parse_from(["parlor"]).sqlite_synchronous, SqliteSync::Full);
    }

    #[test]
    fn default_database_is_a_file_in_the_data_directory() {
        let config = Config::parse_from(["parlor", "--data-dir", "/tmp/x"]);
        assert_eq!(config.database_url(), "sqlite:///tmp/x/parlor.db?mode=rwc");
    }

    #[test]
    fn link_previews_are_on_and_allow_no_private_address_by_default() {
        let config = Config::parse_from(["parlor"]);
        assert_eq!((config.link_previews, config.link_previews_test_allow.len()), (Switch::On, 0));
        let testing = Config::parse_from(["parlor", "--link-previews", "off", "--link-previews-test-allow", "127.0.0.1:8080"]);
        assert_eq!(testing.link_previews, Switch::Off);
        assert_eq!(testing.link_previews_test_allow, ["127.0.0.1:8080".parse::<SocketAddr>().unwrap()]);
        assert!(Config::try_parse_from(["parlor", "--link-previews", "maybe"]).is_err());
    }
}
