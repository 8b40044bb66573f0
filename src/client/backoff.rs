//! Reconnect delays: exponential from 500 ms, capped at 15 s, with "equal jitter"
//! (half fixed, half random) so that clients dropped together do not return
//! together.

/// First retry delay, in milliseconds.
const BASE_MS: u32 = 500;
/// Longest delay between retries, in milliseconds.
const CAP_MS: u32 = 15_000;

/// Delay before the next attempt after `failures` failed attempts in a row;
/// `random` is uniform in `[0, 1)`.
pub fn delay_ms(failures: u32, random: f64) -> u32 {
    let ceiling = BASE_MS.saturating_mul(1 << failures.min(10)).min(CAP_MS);
    let half = ceiling / 2;
    half + (f64::from(half) * random.clamp(0.0, 1.0)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_then_stop_at_the_cap() {
        assert_eq!(delay_ms(0, 0.0), 250);
        assert_eq!(delay_ms(0, 1.0), 500);
        assert_eq!(delay_ms(3, 1.0), 4000);
        assert_eq!(delay_ms(20, 1.0), CAP_MS);
        assert_eq!(delay_ms(20, 0.0), CAP_MS / 2);
    }
}
