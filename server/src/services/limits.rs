//! Request limits and their state: a token bucket per client for the expensive endpoints (a
//! chat reply costs seconds of CPU), and one per API key at that key's own rate. The HTTP layer
//! decides who the client is and answers 429 (`http::rate_limit`, `http::api_v1`).
//!
//! With REDIS_URL the buckets live in Redis (one GCRA script call per request, on Redis's own
//! clock); otherwise on PostgreSQL they are rows every instance shares (`Store::take_rate`, one
//! atomic upsert), so a client cannot get twice its allowance by landing on two machines. On
//! SQLite (one process) they are kept in memory. Should the shared store fail to answer, this
//! instance's own buckets decide: a limit, never an outage.

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

/// Where the buckets every instance shares live.
#[derive(Clone)]
pub enum SharedLimits {
    Postgres(Store),
    Redis(RedisLimits),
}

impl SharedLimits {
    /// Redis when configured, else the database when it is PostgreSQL, else none (SQLite).
    pub fn choose(redis: Option<RedisLimits>, store: &Store) -> Option<SharedLimits> {
        redis.map(SharedLimits::Redis).or_else(|| {
            (store.backend() == Backend::Postgres).then(|| SharedLimits::Postgres(store.clone()))
        })
    }

    /// Takes one token from the bucket `key`: the decision, or why the store could not answer.
    async fn take(&self, key: &str, per_minute: u32) -> Result<Result<(), Duration>, String> {
        match self {
            SharedLimits::Postgres(store) => {
                let now = chrono::Utc::now().timestamp_millis();
                store
                    .take_rate(key, per_minute, now)
                    .await
                    .map_err(|e| format!("PostgreSQL: {e}"))
            }
            SharedLimits::Redis(redis) => redis
                .take(key, per_minute)
                .await
                .map_err(|e| format!("Redis: {e}")),
        }
    }
}

/// The generic cell rate algorithm in one script: the key holds its theoretical arrival time;
/// a request moves it on by one interval unless that puts it more than a burst ahead of now.
/// Answers 0 (taken) or the milliseconds to wait. Redis's clock, so instances agree; times in
/// microseconds, so a high rate's interval does not round to zero.
const GCRA: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local next_tat = tat + interval
if next_tat - now <= burst then
  redis.call('SET', KEYS[1], string.format('%.0f', next_tat), 'PX', math.max(1, math.ceil((next_tat - now) / 1000)))
  return 0
end
return math.max(1, math.ceil((next_tat - burst - now) / 1000))
";

/// Request limits in Redis, connected on first use.
#[derive(Clone)]
pub struct RedisLimits {
    client: redis::Client,
    connection: Arc<tokio::sync::Mutex<Option<redis::aio::ConnectionManager>>>,
    script: Arc<redis::Script>,
}

impl RedisLimits {
    /// Checks the URL now; connects on the first request.
    pub fn new(url: &str) -> Result<RedisLimits, String> {
        let client =
            redis::Client::open(url).map_err(|e| format!("REDIS_URL is not usable: {e}"))?;
        Ok(RedisLimits {
            client,
            connection: Arc::default(),
            script: Arc::new(redis::Script::new(GCRA)),
        })
    }

    async fn take(
        &self,
        key: &str,
        per_minute: u32,
    ) -> Result<Result<(), Duration>, redis::RedisError> {
        let per_minute = i64::from(per_minute.max(1));
        let interval = 60_000_000 / per_minute;
        let burst = interval * per_minute;
        let mut slot = self.connection.lock().await;
        let mut connection = match slot.as_ref() {
            Some(c) => c.clone(),
            None => {
                let c = self.client.get_connection_manager().await?;
                *slot = Some(c.clone());
                c
            }
        };
        drop(slot);
        let wait_ms: i64 = self
            .script
            .key(format!("rate:{key}"))
            .arg(interval)
            .arg(burst)
            .invoke_async(&mut connection)
            .await?;
        Ok(if wait_ms <= 0 {
            Ok(())
        } else {
            Err(Duration::from_millis(u64::try_from(wait_ms).unwrap_or(1)))
        })
    }
}

pub struct RateLimiter {
    per_minute: u32,
    local: LocalBuckets,
    /// The buckets every instance shares, if any.
    shared: Option<SharedLimits>,
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

    /// The same limit shared by every instance through `shared` (buckets named
    /// `scope:client`); in memory when there is none.
    pub fn shared(
        per_minute: u32,
        shared: Option<SharedLimits>,
        scope: &'static str,
    ) -> RateLimiter {
        RateLimiter {
            shared,
            scope,
            ..RateLimiter::per_minute(per_minute)
        }
    }

    /// Takes one token for `client`, or says how long until one is free.
    pub async fn take(&self, client: &str) -> Result<(), Duration> {
        if let Some(shared) = &self.shared {
            let key = format!("{}:{client}", self.scope);
            match shared.take(&key, self.per_minute).await {
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
/// Also the keys' last use, kept in memory and written in batches (`flush_uses`), so a request
/// costs no database write.
#[derive(Clone, Default)]
pub struct KeyLimits {
    buckets: Arc<Mutex<HashMap<i64, KeyBucket>>>,
    shared: Option<SharedLimits>,
    uses: Arc<Mutex<HashMap<i64, chrono::DateTime<chrono::Utc>>>>,
}

impl KeyLimits {
    pub fn new(shared: Option<SharedLimits>) -> KeyLimits {
        KeyLimits {
            buckets: Arc::default(),
            shared,
            uses: Arc::default(),
        }
    }

    /// Notes that the key was used now; written with the next `flush_uses`.
    pub fn record_use(&self, key_id: i64) {
        if let Ok(mut uses) = self.uses.lock() {
            uses.insert(key_id, chrono::Utc::now());
        }
    }

    /// Writes the uses noted since the last flush in one batch; on failure they are kept for the
    /// next one. Returns how many keys were written.
    pub async fn flush_uses(&self, store: &store::Store) -> usize {
        let batch: Vec<(i64, chrono::DateTime<chrono::Utc>)> = match self.uses.lock() {
            Ok(mut uses) => uses.drain().collect(),
            Err(_) => return 0,
        };
        if batch.is_empty() {
            return 0;
        }
        match store.touch_api_keys(&batch).await {
            Ok(()) => batch.len(),
            Err(e) => {
                tracing::warn!(error = %e, keys = batch.len(), "cannot record API key use; kept for the next flush");
                if let Ok(mut uses) = self.uses.lock() {
                    for (id, at) in batch {
                        let entry = uses.entry(id).or_insert(at);
                        *entry = (*entry).max(at);
                    }
                }
                0
            }
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
                Arc::new(RateLimiter::shared(
                    per_minute,
                    self.shared.clone(),
                    "api_key",
                ))
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

    /// Two instances' limiters on one Redis let exactly the allowance through a race.
    #[tokio::test]
    async fn a_redis_limit_holds_across_instances() {
        let url =
            std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
        let reachable = match redis::Client::open(url.as_str()) {
            Ok(client) => client.get_multiplexed_async_connection().await.is_ok(),
            Err(_) => false,
        };
        if !reachable {
            assert!(
                std::env::var("REQUIRE_REDIS").as_deref() != Ok("1"),
                "Redis at {url} is required (REQUIRE_REDIS=1) but unreachable"
            );
            eprintln!("\n!! SKIPPING the Redis limit test: {url} did not answer.\n");
            return;
        }
        let instance = || {
            let redis = RedisLimits::new(&url).unwrap_or_else(|e| panic!("{e}"));
            Arc::new(RateLimiter::shared(
                6,
                Some(SharedLimits::Redis(redis)),
                "test",
            ))
        };
        let (a, b) = (instance(), instance());
        // A client no earlier run has used.
        let client = format!("203.0.113.7-{}", uuid::Uuid::new_v4().simple());
        let mut tasks = Vec::new();
        for n in 0..20 {
            let limiter = if n % 2 == 0 { a.clone() } else { b.clone() };
            let client = client.clone();
            tasks.push(tokio::spawn(async move { limiter.take(&client).await }));
        }
        let mut allowed = 0;
        for task in tasks {
            match task.await {
                Ok(Ok(())) => allowed += 1,
                Ok(Err(wait)) => assert!(
                    wait > Duration::ZERO && wait <= Duration::from_secs(10),
                    "{wait:?}"
                ),
                Err(e) => panic!("{e}"),
            }
        }
        assert_eq!(allowed, 6);
        // Memory was never the judge: the local buckets are empty.
        assert_eq!(a.clients_in_memory() + b.clients_in_memory(), 0);
    }
}
