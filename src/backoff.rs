//! Retry delays: exponential from a base, capped, with "equal jitter" (half
//! fixed, half random) so that clients dropped together do not return together.
//! The browser's room socket, the server's Redis reconnect, its pushes and its
//! webhook deliveries use it.

/// A capped exponential backoff.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// Ceiling of the first retry's delay, in milliseconds.
    pub base_ms: u32,
    /// Longest delay between retries, in milliseconds.
    pub cap_ms: u32,
}

impl Backoff {
    /// The browser reconnecting its room socket: 0.5 s up to 15 s.
    pub const BROWSER: Self = Self { base_ms: 500, cap_ms: 15_000 };
    /// The browser resending a message the server asked to retry later: 1 s up to 30 s.
    pub const RESEND: Self = Self { base_ms: 1_000, cap_ms: 30_000 };
    /// The server reconnecting to Redis: 0.1 s up to 5 s.
    pub const REDIS: Self = Self { base_ms: 100, cap_ms: 5_000 };
    /// The server trying a push again that its push service put off: 2 s up to 10 min.
    pub const PUSH: Self = Self { base_ms: 2_000, cap_ms: 600_000 };
    /// The server trying an outgoing webhook's delivery again: 1 s up to 10 min.
    pub const DELIVERY: Self = Self { base_ms: 1_000, cap_ms: 600_000 };

    /// Delay before the next attempt after `failures` failed attempts in a row;
    /// `random` is uniform in `[0, 1)`.
    pub fn delay_ms(self, failures: u32, random: f64) -> u32 {
        let ceiling = self.base_ms.saturating_mul(1 << failures.min(16)).min(self.cap_ms);
        let half = ceiling / 2;
        half + (f64::from(half) * random.clamp(0.0, 1.0)) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_then_stop_at_the_cap() {
        let b = Backoff::BROWSER;
        assert_eq!(b.delay_ms(0, 0.0), 250);
        assert_eq!(b.delay_ms(0, 1.0), 500);
        assert_eq!(b.delay_ms(3, 1.0), 4000);
        assert_eq!(b.delay_ms(20, 1.0), b.cap_ms);
        assert_eq!(b.delay_ms(20, 0.0), b.cap_ms / 2);
        assert_eq!(Backoff::REDIS.delay_ms(30, 1.0), 5_000);
    }
}
