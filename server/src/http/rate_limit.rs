//! A token bucket per client for expensive endpoints (a chat reply costs seconds of CPU). Over
//! the limit: 429 with Retry-After and a sentence. The client is the TCP peer, or, behind a
//! proxy that sets one (Fly.io's `Fly-Client-IP`), the header named by CLIENT_IP_HEADER.

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{Extensions, HeaderMap, HeaderName, HeaderValue, StatusCode, header};

pub use crate::services::limits::{ChatLimit, RateLimiter};
use axum::middleware::Next;
use axum::response::Response;
use std::net::SocketAddr;

/// The client: the proxy's header when one is named and present, otherwise the TCP peer.
fn client_of(
    headers: &HeaderMap,
    extensions: &Extensions,
    header_name: Option<&HeaderName>,
) -> String {
    if let Some(name) = header_name
        && let Some(value) = headers.get(name).and_then(|v| v.to_str().ok())
    {
        return value.trim().to_owned();
    }
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_owned(), |info| info.0.ip().to_string())
}

/// The client's address, as the limits see it (for the audit log).
pub struct ClientIp(pub String);

impl<S> axum::extract::FromRequestParts<S> for ClientIp
where
    S: Send + Sync,
    ChatLimit: axum::extract::FromRef<S>,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        let limit = <ChatLimit as axum::extract::FromRef<S>>::from_ref(state);
        let client = client_of(
            &parts.headers,
            &parts.extensions,
            limit.client_ip_header.as_ref(),
        );
        // A header is the client's to write: the log keeps a bounded part of it.
        Ok(ClientIp(client.chars().take(100).collect()))
    }
}

pub async fn limit_chat(State(limit): State<ChatLimit>, request: Request, next: Next) -> Response {
    let client = client_of(
        request.headers(),
        request.extensions(),
        limit.client_ip_header.as_ref(),
    );
    match limit.limiter.take(&client).await {
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
