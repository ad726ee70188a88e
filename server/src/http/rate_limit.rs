//! A token bucket per client for expensive endpoints (a chat reply costs seconds of CPU). Over
//! the limit: 429 with Retry-After and a sentence. The client is the TCP peer, or, behind a
//! proxy that sets one (Fly.io's `Fly-Client-IP`), the header named by CLIENT_IP_HEADER.

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use std::collections::HashMap;
use std::net::SocketAddr;
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
    pub client_ip_header: Option<HeaderName>,
}

fn client_of(request: &Request, header_name: Option<&HeaderName>) -> String {
    if let Some(name) = header_name
        && let Some(value) = request.headers().get(name).and_then(|v| v.to_str().ok())
    {
        return value.trim().to_owned();
    }
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_owned(), |info| info.0.ip().to_string())
}

pub async fn limit_chat(State(limit): State<ChatLimit>, request: Request, next: Next) -> Response {
    let client = client_of(&request, limit.client_ip_header.as_ref());
    match limit.limiter.check(&client, Instant::now()) {
        Ok(()) => next.run(request).await,
        Err(wait) => {
            let seconds = wait.as_secs().max(1);
            tracing::info!(client = %client, retry_after = seconds, "chat rate limit reached");
            let mut response = crate::http::error::error(
                StatusCode::TOO_MANY_REQUESTS,
                &format!(
                    "You are sending messages faster than this demo can answer; try again in {seconds} s."
                ),
            );
            if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
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
