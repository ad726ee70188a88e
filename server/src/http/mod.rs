//! The HTTP layer: one module per area, each with its own `router()`, and the only place a
//! service's result or error becomes a response. Nothing below `services/` knows about HTTP.

mod alerts;
mod analytics;
pub mod api_keys;
pub mod api_v1;
mod assist;
mod audit;
pub mod auth;
pub mod classifier;
mod cookies;
pub mod desk;
pub mod error;
mod export;
pub mod gpt;
mod health;
pub mod images;
pub mod knowledge;
pub mod live;
pub mod metrics;
pub mod pirate;
pub mod privacy;
pub mod rate_limit;
mod sse;
pub mod support;
mod team;
mod tickets;
pub mod upload;
pub mod visitor;
pub mod voice;

/// The body limit of a JSON request (a chat message, a prompt): far above any valid one.
pub const JSON_BODY_LIMIT: usize = 64 * 1024;

use crate::state::ServerState;
use app::{App, shell};
use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use leptos_axum::{LeptosRoutes, file_and_error_handler_with_context, generate_route_list};
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// The Leptos routes, generated once per process. Generating them runs the app with a
/// process-global "suppress resource loads" flag set, and a resource first polled by any other
/// render while it is set waits forever (leptos issue #4773). Generated once, before any router
/// exists, no render can overlap it: the test apps of one process each built their own and hung a
/// render now and then (`scripts/stress-pages.sh` reproduced it: 3 of 30 runs).
fn leptos_routes() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// `/metrics` alone, for the private metrics port (`METRICS_PORT`).
pub fn metrics_router(state: ServerState) -> Router {
    metrics::router().with_state(state)
}

/// Every route: health, CSV export, static files, Leptos pages and server functions.
pub fn router(state: ServerState) -> Router {
    let routes = leptos_routes();
    let pkg_dir = std::path::Path::new(&*state.leptos_options.site_root)
        .join(&*state.leptos_options.site_pkg_dir);
    let static_files = Router::new()
        .nest_service(
            "/pkg",
            ServeDir::new(pkg_dir)
                .precompressed_br()
                .precompressed_gzip(),
        )
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=300"),
        ));
    let x_request_id = HeaderName::from_static("x-request-id");

    // With a private metrics port, /metrics is served there only (`metrics_router`); without
    // one, on this port to the holder of METRICS_TOKEN; with neither, nowhere.
    let public_metrics = match (state.config.metrics_port, &state.config.metrics_token) {
        (None, Some(token)) => metrics::router_with_token(token.clone()),
        _ => Router::new(),
    };
    Router::new()
        .merge(health::router())
        .merge(public_metrics)
        .merge(export::router())
        .merge(pirate::router(&state))
        .merge(voice::router(&state))
        .merge(support::router(&state))
        .merge(images::router(&state))
        .merge(classifier::router(&state))
        .nest(domain::api::routes::gpt_api::PREFIX, state.gpt.router(state.chat_limit.clone()))
        .merge(auth::router(&state))
        .merge(team::router())
        .merge(audit::router())
        .merge(privacy::router())
        .merge(desk::router())
        .merge(tickets::router())
        .merge(assist::router())
        .merge(alerts::router())
        .merge(analytics::router())
        .merge(api_keys::router())
        .merge(knowledge::router(&state))
        .nest("/api/v1", api_v1::router())
        .merge(api_v1::docs())
        .merge(static_files)
        .leptos_routes_with_context(
            &state,
            routes,
            {
                let app = state.app.clone();
                move || leptos::prelude::provide_context(app.clone())
            },
            {
                let options = state.leptos_options.clone();
                move || shell(options.clone())
            },
        )
        // After the pages, so it wraps them: /desk needs the session looked up before it renders.
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::page_session))
        .fallback(file_and_error_handler_with_context::<ServerState, _>(
            {
                let app = state.app.clone();
                move || leptos::prelude::provide_context(app.clone())
            },
            shell,
        ))
        .layer(axum::middleware::from_fn_with_state(state.metrics.clone(), metrics::track))
        .layer(CompressionLayer::new())
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(axum::middleware::from_fn(strict_transport_security))
        .layer(PropagateRequestIdLayer::new(x_request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
            let request_id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id)
        }))
        .layer(SetRequestIdLayer::new(x_request_id, MakeRequestUuid))
        .with_state(state)
}

/// HSTS when the request reached the proxy over TLS (Fly.io's proxy says so in
/// X-Forwarded-Proto); over plain HTTP the header would be meaningless.
async fn strict_transport_security(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let over_tls = request
        .headers()
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"));
    let mut response = next.run(request).await;
    if over_tls {
        response.headers_mut().insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    response
}
