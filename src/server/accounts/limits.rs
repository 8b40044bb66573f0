//! Rate limits (governor, GCRA): log-in and registration attempts per client,
//! per (username, client) and per username — or, from a browser that logged in
//! to that account before (a known browser), per that browser instead of the
//! two per-username limits, so that others' guesses do not lock its owner out;
//! other doors of the same worth (reset links, a password change, single
//! sign-on's start) per client; messages per user over all rooms;
//! new rooms per user; file uploads per user; searches per user; WebSocket upgrades per client;
//! API requests per token; posts per incoming webhook. A client is its IP address,
//! an IPv6 client its /64 network (one host usually holds a whole /64). A
//! refusal says how long to wait.

use std::{
    net::{IpAddr, Ipv6Addr},
    num::NonZeroU32,
    time::Duration,
};

use governor::{
    DefaultKeyedRateLimiter, Quota,
    clock::{Clock, DefaultClock},
};

use crate::server::config::Config;

/// A request over its limit: it may be retried after `retry_after_secs`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Throttled {
    pub retry_after_secs: u64,
}

/// The key that stands for one client: its IPv4 address, or its IPv6 /64.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClientKey(IpAddr);

impl From<IpAddr> for ClientKey {
    fn from(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Self(IpAddr::V4(v4)),
                None => {
                    let network = u128::from(v6) & !((1u128 << 64) - 1);
                    Self(IpAddr::V6(Ipv6Addr::from(network)))
                }
            },
            v4 => Self(v4),
        }
    }
}

/// Every limiter of the server.
pub struct Limits {
    auth_per_client: DefaultKeyedRateLimiter<ClientKey>,
    auth_per_username_and_client: DefaultKeyedRateLimiter<(String, ClientKey)>,
    auth_per_username: DefaultKeyedRateLimiter<String>,
    auth_per_known_browser: DefaultKeyedRateLimiter<String>,
    hooks_per_user: DefaultKeyedRateLimiter<i64>,
    messages_per_user: DefaultKeyedRateLimiter<i64>,
    rooms_per_user: DefaultKeyedRateLimiter<i64>,
    uploads_per_user: DefaultKeyedRateLimiter<i64>,
    upgrades_per_client: DefaultKeyedRateLimiter<ClientKey>,
    searches_per_user: DefaultKeyedRateLimiter<i64>,
    api_per_token: DefaultKeyedRateLimiter<i64>,
    posts_per_hook: DefaultKeyedRateLimiter<i64>,
}

/// Incoming webhooks one person may make per hour (each is an account row;
/// the number working at once is capped apart, `http::integrations::hooks`).
pub const HOOKS_PER_HOUR: u32 = 30;

fn nonzero(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
}

impl Limits {
    pub fn new(config: &Config) -> Self {
        let per_minute = |n: u32| Quota::per_minute(nonzero(n)).allow_burst(nonzero(n));
        let messages = Quota::per_second(nonzero(config.messages_per_second))
            .allow_burst(nonzero(config.messages_per_second.saturating_mul(3)));
        let rooms = Quota::per_hour(nonzero(config.rooms_per_hour)).allow_burst(nonzero(config.rooms_per_hour));
        Self {
            auth_per_client: DefaultKeyedRateLimiter::keyed(per_minute(config.auth_attempts_per_ip)),
            auth_per_username_and_client: DefaultKeyedRateLimiter::keyed(per_minute(config.auth_attempts_per_username)),
            auth_per_username: DefaultKeyedRateLimiter::keyed(per_minute(config.auth_attempts_per_username_all_ips)),
            auth_per_known_browser: DefaultKeyedRateLimiter::keyed(per_minute(config.auth_attempts_per_username)),
            hooks_per_user: DefaultKeyedRateLimiter::keyed(
                Quota::per_hour(nonzero(HOOKS_PER_HOUR)).allow_burst(nonzero(HOOKS_PER_HOUR)),
            ),
            messages_per_user: DefaultKeyedRateLimiter::keyed(messages),
            rooms_per_user: DefaultKeyedRateLimiter::keyed(rooms),
            uploads_per_user: DefaultKeyedRateLimiter::keyed(per_minute(config.uploads_per_minute)),
            upgrades_per_client: DefaultKeyedRateLimiter::keyed(per_minute(config.upgrades_per_ip)),
            searches_per_user: DefaultKeyedRateLimiter::keyed(per_minute(config.searches_per_minute)),
            api_per_token: DefaultKeyedRateLimiter::keyed(per_minute(config.api_requests_per_minute)),
            posts_per_hook: DefaultKeyedRateLimiter::keyed(per_minute(config.webhook_posts_per_minute)),
        }
    }

    /// A log-in or registration attempt from `client` for `username`. A stranger
    /// guessing from one address exhausts only that address's allowance for the
    /// name; the per-username ceiling over all addresses is much looser.
    pub fn check_auth(&self, client: IpAddr, username: &str) -> Result<(), Throttled> {
        self.check_login(client, username, None)
    }

    /// A log-in attempt for `username` from `client`, from a browser that
    /// logged in to that account before when `known` names it (its cookie's
    /// nonce): that browser has an allowance of its own, which guesses from
    /// elsewhere do not spend.
    pub fn check_login(&self, client: IpAddr, username: &str, known: Option<&str>) -> Result<(), Throttled> {
        let client = ClientKey::from(client);
        let username = username.trim().to_lowercase();
        check(&self.auth_per_client, &client)?;
        if let Some(browser) = known {
            return check(&self.auth_per_known_browser, &browser.to_owned());
        }
        check(&self.auth_per_username_and_client, &(username.clone(), client))?;
        check(&self.auth_per_username, &username)
    }

    /// An attempt at a door worth a log-in that names no username (a reset
    /// link, single sign-on's start) from `client`.
    pub fn check_client(&self, client: IpAddr) -> Result<(), Throttled> {
        check(&self.auth_per_client, &ClientKey::from(client))
    }

    /// User `user_id` making an incoming webhook.
    pub fn check_new_hook(&self, user_id: i64) -> Result<(), Throttled> {
        check(&self.hooks_per_user, &user_id)
    }

    /// A message from user `user_id`, in any room.
    pub fn check_message(&self, user_id: i64) -> Result<(), Throttled> {
        check(&self.messages_per_user, &user_id)
    }

    /// User `user_id` creating a room (by posting its first message).
    pub fn check_new_room(&self, user_id: i64) -> Result<(), Throttled> {
        check(&self.rooms_per_user, &user_id)
    }

    /// A file upload by user `user_id`.
    pub fn check_upload(&self, user_id: i64) -> Result<(), Throttled> {
        check(&self.uploads_per_user, &user_id)
    }

    /// A search by user `user_id`.
    pub fn check_search(&self, user_id: i64) -> Result<(), Throttled> {
        check(&self.searches_per_user, &user_id)
    }

    /// A request authenticated by API token `token_id`.
    pub fn check_api(&self, token_id: i64) -> Result<(), Throttled> {
        check(&self.api_per_token, &token_id)
    }

    /// A post to incoming webhook `hook_id`.
    pub fn check_hook(&self, hook_id: i64) -> Result<(), Throttled> {
        check(&self.posts_per_hook, &hook_id)
    }

    /// A WebSocket upgrade from `client`.
    pub fn check_upgrade(&self, client: IpAddr) -> Result<(), Throttled> {
        check(&self.upgrades_per_client, &ClientKey::from(client))
    }

    /// Forgets keys whose allowance is full again, so memory stays bounded.
    pub fn forget_idle(&self) {
        self.auth_per_client.retain_recent();
        self.auth_per_username_and_client.retain_recent();
        self.auth_per_username.retain_recent();
        self.auth_per_known_browser.retain_recent();
        self.hooks_per_user.retain_recent();
        self.messages_per_user.retain_recent();
        self.rooms_per_user.retain_recent();
        self.uploads_per_user.retain_recent();
        self.upgrades_per_client.retain_recent();
        self.searches_per_user.retain_recent();
        self.api_per_token.retain_recent();
        self.posts_per_hook.retain_recent();
    }
}

fn check<K: std::hash::Hash + Eq + Clone>(limiter: &DefaultKeyedRateLimiter<K>, key: &K) -> Result<(), Throttled> {
    limiter.check_key(key).map_err(|not_until| {
        let wait: Duration = not_until.wait_time_from(DefaultClock::default().now());
        Throttled { retry_after_secs: wait.as_secs_f64().ceil().max(1.0) as u64 }
    })
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    fn limits(args: &[&str]) -> Limits {
        let mut all = vec!["parlor"];
        all.extend_from_slice(args);
        Limits::new(&Config::parse_from(all))
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn a_stranger_cannot_lock_a_user_out_from_elsewhere() {
        let limits = limits(&["--auth-attempts-per-ip", "100", "--auth-attempts-per-username", "3"]);
        for _ in 0..3 {
            assert_eq!(limits.check_auth(ip("10.0.0.1"), "alice"), Ok(()));
        }
        let refused = limits.check_auth(ip("10.0.0.1"), "Alice").unwrap_err();
        assert!(refused.retry_after_secs >= 1 && refused.retry_after_secs <= 20, "{refused:?}");
        assert_eq!(limits.check_auth(ip("10.0.0.1"), "bob"), Ok(()), "other usernames are unaffected");
        assert_eq!(limits.check_auth(ip("192.0.2.7"), "alice"), Ok(()), "alice from her own address still can");
    }

    #[test]
    fn a_known_browser_is_not_locked_out_by_guesses_from_elsewhere() {
        let limits = limits(&[
            "--auth-attempts-per-ip",
            "100",
            "--auth-attempts-per-username",
            "2",
            "--auth-attempts-per-username-all-ips",
            "3",
        ]);
        for n in 0..3 {
            assert_eq!(limits.check_login(ip(&format!("10.0.0.{n}")), "alice", None), Ok(()));
        }
        assert!(limits.check_login(ip("192.0.2.7"), "alice", None).is_err(), "an unknown browser waits");
        assert_eq!(limits.check_login(ip("192.0.2.7"), "alice", Some("n1")), Ok(()), "her own browser does not");
        assert_eq!(limits.check_login(ip("192.0.2.7"), "alice", Some("n1")), Ok(()));
        assert!(limits.check_login(ip("192.0.2.7"), "alice", Some("n1")).is_err(), "it has an allowance of its own");
    }

    #[test]
    fn a_username_has_a_ceiling_over_all_addresses() {
        let limits = limits(&["--auth-attempts-per-ip", "100", "--auth-attempts-per-username-all-ips", "4"]);
        for n in 0..4 {
            assert_eq!(limits.check_auth(ip(&format!("10.0.0.{n}")), "alice"), Ok(()));
        }
        assert!(limits.check_auth(ip("10.0.0.9"), "alice").is_err());
    }

    #[test]
    fn ipv6_clients_are_grouped_by_their_64() {
        let limits = limits(&["--upgrades-per-ip", "2"]);
        assert_eq!(limits.check_upgrade(ip("2001:db8:1:2::1")), Ok(()));
        assert_eq!(limits.check_upgrade(ip("2001:db8:1:2:ffff::9")), Ok(()));
        assert!(limits.check_upgrade(ip("2001:db8:1:2:abcd::1")).is_err(), "same /64");
        assert_eq!(limits.check_upgrade(ip("2001:db8:1:3::1")), Ok(()), "another /64");
        assert_eq!(ClientKey::from(ip("::ffff:10.1.2.3")), ClientKey::from(ip("10.1.2.3")));
    }

    #[test]
    fn messages_are_limited_per_user_over_all_rooms() {
        let limits = limits(&["--messages-per-second", "2"]);
        for _ in 0..6 {
            assert_eq!(limits.check_message(1), Ok(()));
        }
        assert!(limits.check_message(1).is_err());
        assert_eq!(limits.check_message(2), Ok(()), "per user");
    }

    #[test]
    fn new_rooms_are_limited_per_user() {
        let limits = limits(&["--rooms-per-hour", "2"]);
        assert_eq!(limits.check_new_room(1), Ok(()));
        assert_eq!(limits.check_new_room(1), Ok(()));
        assert!(limits.check_new_room(1).unwrap_err().retry_after_secs > 60);
        assert_eq!(limits.check_new_room(2), Ok(()));
    }
}
