//! Request limits and their state: a token bucket per client for the expensive endpoints (a
//! chat reply costs seconds of CPU), and one per API key at that key's own rate. The HTTP layer
//! decides who the client is and answers 429 (`http::rate_limit`, `http::api_v1`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Buckets kept before idle ones are dropped.
const MAX_CLIENTS: usize = 10_000;

pub struct RateLimiter {
    capacity: f64,
    per_second: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    /// `per_minute` requests a minute, in bursts of up to `per_minute`.
    pub fn per_minute(per_minute: u32) -> RateLimiter {
        let capacity = f64::from(per_minute.max(1));
        RateLimiter {
            capacity,
            per_second: capacity / 60.0,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `client`, or says how long until one is free.
    pub fn check(&self, client: &str, now: Instant) -> Result<(), Duration> {
        let Ok(mut buckets) = self.buckets.lock() else {
            return Ok(());
        };
        if buckets.len() >= MAX_CLIENTS {
            let full = Duration::from_secs_f64(self.capacity / self.per_second);
            buckets.retain(|_, (_, seen)| now.saturating_duration_since(*seen) < full);
        }
        let (tokens, last) = buckets
            .entry(client.to_owned())
            .or_insert((self.capacity, now));
        let refilled = (*tokens
            + now.saturating_duration_since(*last).as_secs_f64() * self.per_second)
            .min(self.capacity);
        *last = now;
        if refilled >= 1.0 {
            *tokens = refilled - 1.0;
            Ok(())
        } else {
            *tokens = refilled;
            Err(Duration::from_secs_f64((1.0 - refilled) / self.per_second))
        }
    }
}

#[derive(Clone)]
pub struct ChatLimit {
    pub limiter: Arc<RateLimiter>,
    pub client_ip_header: Option<http::HeaderName>,
}

/// A key's rate and its bucket.
type KeyBucket = (i64, Arc<RateLimiter>);

/// Per-key token buckets; each key has its own rate.
#[derive(Clone, Default)]
pub struct KeyLimits(Arc<Mutex<HashMap<i64, KeyBucket>>>);

impl KeyLimits {
    /// Takes one request from the key's own bucket, or says how long until one is free.
    pub fn check(&self, key: &store::staff::ApiKey) -> Result<(), std::time::Duration> {
        let limiter = {
            let Ok(mut limits) = self.0.lock() else {
                return Ok(());
            };
            let entry = limits.entry(key.id).or_insert_with(|| {
                (
                    key.rate_per_minute,
                    Arc::new(RateLimiter::per_minute(key.rate_per_minute as u32)),
                )
            });
            if entry.0 != key.rate_per_minute {
                *entry = (
                    key.rate_per_minute,
                    Arc::new(RateLimiter::per_minute(key.rate_per_minute as u32)),
                );
            }
            entry.1.clone()
        };
        limiter.check("key", Instant::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_a_burst_then_refills_over_time() {
        let limiter = RateLimiter::per_minute(3);
        let start = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check("a", start).is_ok());
        }
        let wait = limiter.check("a", start).expect_err("over the limit");
        assert!(
            wait <= Duration::from_secs(20) && wait > Duration::from_secs(19),
            "{wait:?}"
        );
        // Another client has its own bucket.
        assert!(limiter.check("b", start).is_ok());
        // 20 s later one token is back (3 a minute).
        assert!(limiter.check("a", start + Duration::from_secs(21)).is_ok());
        assert!(limiter.check("a", start + Duration::from_secs(21)).is_err());
    }
}
