//! Rate limits (governor, GCRA): log-in and registration attempts per IP and per
//! username, messages per user per room, and WebSocket upgrades per IP. A refusal
//! says how long to wait.

use std::{net::IpAddr, num::NonZeroU32, time::Duration};

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

/// Every limiter of the server.
pub struct Limits {
    auth_per_ip: DefaultKeyedRateLimiter<IpAddr>,
    auth_per_username: DefaultKeyedRateLimiter<String>,
    messages: DefaultKeyedRateLimiter<(i64, String)>,
    upgrades_per_ip: DefaultKeyedRateLimiter<IpAddr>,
}

fn nonzero(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
}

impl Limits {
    pub fn new(config: &Config) -> Self {
        let per_minute = |n: u32| Quota::per_minute(nonzero(n)).allow_burst(nonzero(n));
        let messages = Quota::per_second(nonzero(config.messages_per_second))
            .allow_burst(nonzero(config.messages_per_second.saturating_mul(3)));
        Self {
            auth_per_ip: DefaultKeyedRateLimiter::keyed(per_minute(config.auth_attempts_per_ip)),
            auth_per_username: DefaultKeyedRateLimiter::keyed(per_minute(config.auth_attempts_per_username)),
            messages: DefaultKeyedRateLimiter::keyed(messages),
            upgrades_per_ip: DefaultKeyedRateLimiter::keyed(per_minute(config.upgrades_per_ip)),
        }
    }

    /// A log-in or registration attempt from `ip` for `username`.
    pub fn check_auth(&self, ip: IpAddr, username: &str) -> Result<(), Throttled> {
        check(&self.auth_per_ip, &ip)?;
        check(&self.auth_per_username, &username.trim().to_lowercase())
    }

    /// A message from user `user_id` in `room`.
    pub fn check_message(&self, user_id: i64, room: &str) -> Result<(), Throttled> {
        check(&self.messages, &(user_id, room.to_owned()))
    }

    /// A WebSocket upgrade from `ip`.
    pub fn check_upgrade(&self, ip: IpAddr) -> Result<(), Throttled> {
        check(&self.upgrades_per_ip, &ip)
    }

    /// Forgets keys whose allowance is full again, so memory stays bounded.
    pub fn forget_idle(&self) {
        self.auth_per_ip.retain_recent();
        self.auth_per_username.retain_recent();
        self.messages.retain_recent();
        self.upgrades_per_ip.retain_recent();
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

    #[test]
    fn auth_attempts_are_limited_per_ip_and_per_username() {
        let limits = limits(&["--auth-attempts-per-ip", "100", "--auth-attempts-per-username", "3"]);
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        for _ in 0..3 {
            assert_eq!(limits.check_auth(ip, "alice"), Ok(()));
        }
        let refused = limits.check_auth(ip, "Alice").unwrap_err();
        assert!(refused.retry_after_secs >= 1 && refused.retry_after_secs <= 20, "{refused:?}");
        assert_eq!(limits.check_auth(ip, "bob"), Ok(()), "other usernames are unaffected");
    }

    #[test]
    fn messages_have_a_burst_of_three_seconds_worth_per_room() {
        let limits = limits(&["--messages-per-second", "2"]);
        for _ in 0..6 {
            assert_eq!(limits.check_message(1, "general"), Ok(()));
        }
        assert!(limits.check_message(1, "general").is_err());
        assert_eq!(limits.check_message(1, "random"), Ok(()), "per room");
        assert_eq!(limits.check_message(2, "general"), Ok(()), "per user");
    }
}
