//! `GET /metrics` (the registry in the Prometheus text format) and the middleware that counts
//! and times every request.

use crate::services::metrics::Metrics;
use crate::state::ServerState;
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::time::Instant;

/// `GET /metrics`
pub async fn render(State(metrics): State<Metrics>) -> Response {
    let mut response = metrics.render().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

/// Counts every request and times it, labelled by the route pattern (never the raw path, so a
/// URL full of ids cannot blow up the label set).
pub async fn track(State(metrics): State<Metrics>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| {
            let path = request.uri().path();
            if path.starts_with("/pkg/") {
                "/pkg/*".into()
            } else {
                "other".into()
            }
        });
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = format!("{}xx", response.status().as_u16() / 100);
    metrics.count(
        "http_requests_total",
        vec![
            ("route", route.clone()),
            ("method", method),
            ("status", status),
        ],
        1.0,
    );
    metrics.observe(
        "http_request_duration_seconds",
        vec![("route", route)],
        started.elapsed().as_secs_f64(),
    );
    response
}

/// `/metrics` for the private metrics port: anyone who can reach that port may read it.
pub fn router() -> Router<ServerState> {
    Router::new().route("/metrics", get(render))
}

/// `/metrics` on the public port, for a request bearing `token` (`METRICS_TOKEN`) only.
pub fn router_with_token(token: crate::config::Secret) -> Router<ServerState> {
    use secrecy::ExposeSecret;
    let expected = std::sync::Arc::new(crate::services::staff::token_hash(token.expose_secret()));
    Router::new().route(
        "/metrics",
        get(
            move |State(metrics): State<Metrics>, headers: axum::http::HeaderMap| {
                let expected = expected.clone();
                async move {
                    let presented = headers
                        .get(header::AUTHORIZATION)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.strip_prefix("Bearer "))
                        .map(|t| crate::services::staff::token_hash(t.trim()));
                    // Hashes compared, so the time taken says nothing about the token.
                    if presented.as_deref() != Some(expected.as_str()) {
                        let mut response = crate::http::error::error(
                            axum::http::StatusCode::UNAUTHORIZED,
                            "Send the metrics token as 'Authorization: Bearer <METRICS_TOKEN>'.",
                        );
                        response
                            .headers_mut()
                            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                        return response;
                    }
                    render(State(metrics)).await
                }
            },
        ),
    )
}
