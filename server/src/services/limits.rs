//! Request limits and their state: a token bucket per client for the expensive endpoints (a
//! chat reply costs seconds of CPU), and one per API key at that key's own rate. The HTTP layer
//! decides who the client is and answers 429 (`http::rate_limit`, `http::api_v1`).
//!
//! On PostgreSQL the buckets are rows every instance shares (`Store::take_rate`, one atomic
//! upsert), so a client cannot get twice its allowance by landing on two machines. On SQLite
//! (one process) they are kept in memory. Should the database fail to answer, this instance's
//! own buckets decide: a limit, never an outage.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use store::{Backend, Store};

/// Buckets kept in memory; past it, idle ones are dropped, then the longest unseen.
const MAX_CLIENTS: usize = 10_000;

/// Token buckets in this process's memory.
struct LocalBuckets {
    capacity: f64,
    per_second: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl LocalBuckets {
    fn per_minute(per_minute: u32) -> LocalBuckets {
        let capacity = f64::from(per_minute.max(1));
        LocalBuckets {
            capacity,
            per_second: capacity / 60.0,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn check(&self, client: &str, now: Instant) -> Result<(), Duration> {
        let Ok(mut buckets) = self.buckets.lock() else {
            return Ok(());
        };
        if buckets.len() >= MAX_CLIENTS && !buckets.contains_key(client) {
            // A bucket idle long enough to be full again is the same as no bucket.
            let full = Duration::from_secs_f64(self.capacity / self.per_second);
            buckets.retain(|_, (_, seen)| now.saturating_duration_since(*seen) < full);
            if buckets.len() >= MAX_CLIENTS {
                // Still full of active clients: forget the half seen longest ago.
                let mut seen: Vec<Instant> = buckets.values().map(|(_, s)| *s).collect();
                seen.sort_unstable();
                let cutoff = seen[seen.len() / 2];
                buckets.retain(|_, (_, s)| *s > cutoff);
            }
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

    fn len(&self) -> usize {
        self.buckets.lock().map_or(0, |b| b.len())
    }
}

pub struct RateLimiter {
    per_minute: u32,
    local: LocalBuckets,
    /// The database every instance shares (PostgreSQL only).
    shared: Option<Store>,
    /// Distinguishes this limiter's rows from another's in the shared table.
    scope: &'static str,
}

impl RateLimiter {
    /// `per_minute` requests a minute, in bursts of up to `per_minute`, in memory.
    pub fn per_minute(per_minute: u32) -> RateLimiter {
        RateLimiter {
            per_minute,
            local: LocalBuckets::per_minute(per_minute),
            shared: None,
            scope: "",
        }
    }

    /// The same limit shared through `store` when it is PostgreSQL (rows named `scope:client`).
    pub fn shared(per_minute: u32, store: &Store, scope: &'static str) -> RateLimiter {
        RateLimiter {
            shared: (store.backend() == Backend::Postgres).then(|| store.clone()),
            scope,
            ..RateLimiter::per_minute(per_minute)
        }
    }

    /// Takes one token for `client`, or says how long until one is free.
    pub async fn take(&self, client: &str) -> Result<(), Duration> {
        if let Some(store) = &self.shared {
            let key = format!("{}:{client}", self.scope);
            let now = chrono::Utc::now().timestamp_millis();
            match store.take_rate(&key, self.per_minute, now).await {
                Ok(decision) => return decision,
                Err(e) => {
                    tracing::warn!(error = %e, "shared rate limit unavailable; limiting locally")
                }
            }
        }
        self.local.check(client, Instant::now())
    }

    /// Takes one token from this process's own bucket for `client` (the in-memory decision).
    pub fn check(&self, client: &str, now: Instant) -> Result<(), Duration> {
        self.local.check(client, now)
    }

    /// Clients with a bucket in memory.
    pub fn clients_in_memory(&self) -> usize {
        self.local.len()
    }
}

#[derive(Clone)]
pub struct ChatLimit {
    pub limiter: Arc<RateLimiter>,
    pub client_ip_header: Option<http::HeaderName>,
}

/// A key's rate and its bucket.
type KeyBucket = (i64, Arc<RateLimiter>);

/// Per-key token buckets; each key has its own rate. Shared across instances on PostgreSQL.
#[derive(Clone, Default)]
pub struct KeyLimits {
    buckets: Arc<Mutex<HashMap<i64, KeyBucket>>>,
    shared: Option<Store>,
}

impl KeyLimits {
    pub fn new(store: &Store) -> KeyLimits {
        KeyLimits {
            buckets: Arc::default(),
            shared: Some(store.clone()),
        }
    }

    /// Takes one request from the key's own bucket, or says how long until one is free.
    pub async fn check(&self, key: &store::staff::ApiKey) -> Result<(), std::time::Duration> {
        let limiter = {
            let Ok(mut limits) = self.buckets.lock() else {
                return Ok(());
            };
            let rate = key.rate_per_minute;
            let make = || {
                let per_minute = u32::try_from(rate).unwrap_or(1);
                Arc::new(match &self.shared {
                    Some(store) => RateLimiter::shared(per_minute, store, "api_key"),
                    None => RateLimiter::per_minute(per_minute),
                })
            };
            let entry = limits.entry(key.id).or_insert_with(|| (rate, make()));
            if entry.0 != rate {
                *entry = (rate, make());
            }
            entry.1.clone()
        };
        limiter.take(&key.id.to_string()).await
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

    #[test]
    fn the_bucket_map_stays_bounded_even_when_every_client_is_active() {
        let limiter = RateLimiter::per_minute(5);
        let start = Instant::now();
        for n in 0..(MAX_CLIENTS * 3) {
            let _ = limiter.check(
                &format!("client-{n}"),
                start + Duration::from_millis(n as u64),
            );
        }
        assert!(
            limiter.clients_in_memory() <= MAX_CLIENTS,
            "{}",
            limiter.clients_in_memory()
        );
    }
}
