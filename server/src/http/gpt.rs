//! Custom GPT under `/api/gpt/`: the `gpt` crate's REST contract served in process, or a proxy
//! to the remote service (`services::gpt` chooses). The page always calls this server.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use domain::api::gpt::{StreamDone, StreamMeta, StreamToken};

use crate::http::rate_limit::{self, ChatLimit};
use crate::http::sse;
use crate::services::gpt::{GptBackend, RemoteGpt};

impl GptBackend {
    /// The routes, generation rate limited per client.
    pub fn router<S: Clone + Send + Sync + 'static>(&self, limit: ChatLimit) -> Router<S> {
        let routes: Router<S> = match self {
            Self::Local(service) => gpt::service::router(service.clone()),
            Self::Remote(remote) => Router::new()
                .route("/{*path}", any(proxy))
                .with_state(remote.clone()),
        };
        routes
            .route_layer(axum::middleware::from_fn_with_state(
                limit,
                limit_generation,
            ))
            .layer(axum::extract::DefaultBodyLimit::max(128 * 1024))
    }
}

/// Only generation counts against the per-client limit; reading models and vocabularies is free.
async fn limit_generation(
    State(limit): State<ChatLimit>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if request.method() == Method::POST {
        rate_limit::limit_chat(State(limit), request, next).await
    } else {
        next.run(request).await
    }
}

/// Passes a response through, streaming its body (server-sent events stay live).
fn pass_through(response: reqwest::Response) -> Response {
    let status =
        StatusCode::from_u16(response.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| HeaderValue::from_bytes(v.as_bytes()).ok())
        .unwrap_or(HeaderValue::from_static("application/json"));
    let mut out = Response::new(Body::from_stream(response.bytes_stream()));
    *out.status_mut() = status;
    out.headers_mut().insert(header::CONTENT_TYPE, content_type);
    out
}

async fn proxy(
    State(remote): State<Arc<RemoteGpt>>,
    Path(path): Path<String>,
    method: Method,
    body: Bytes,
) -> Response {
    let response = match remote.send(method.clone(), &path, body.to_vec()).await {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    // The original service has no streaming route: answer the stream from /generate instead.
    let missing = matches!(response.status().as_u16(), 404 | 405);
    if path.trim_matches('/') == "generate/stream" && method == Method::POST && missing {
        return stream_from_generate(&remote, body).await;
    }
    pass_through(response)
}

async fn stream_from_generate(remote: &RemoteGpt, body: Bytes) -> Response {
    let response = match remote.send(Method::POST, "generate", body.to_vec()).await {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    if !response.status().is_success() {
        return pass_through(response);
    }
    /// What the original service's `/generate` answers (only the parts the stream needs).
    #[derive(serde::Deserialize)]
    struct Generated {
        #[serde(default)]
        model: String,
        #[serde(default)]
        text: String,
        #[serde(default)]
        tokens: Option<usize>,
        #[serde(default)]
        generation_time: f64,
    }
    let generated: Generated = match response.json().await {
        Ok(v) => v,
        Err(e) => {
            tracing::warn!(error = %e, "GPT service answered something that is not JSON");
            return crate::http::error::error(
                StatusCode::BAD_GATEWAY,
                "The GPT service gave an answer this app cannot read.",
            );
        }
    };
    let tokens = generated
        .tokens
        .unwrap_or_else(|| generated.text.chars().count());
    let time = generated.generation_time;
    let events = [
        sse::event(
            "meta",
            &StreamMeta {
                model: generated.model.clone(),
                backend: format!("GPT service at {}", remote.host()),
                seed: None,
            },
        ),
        sse::event(
            "token",
            &StreamToken {
                text: generated.text.clone(),
            },
        ),
        sse::event(
            "done",
            &StreamDone {
                model: generated.model,
                text: generated.text,
                tokens,
                generation_time: time,
                time_to_first_char: time,
                chars_per_second: tokens as f64 / time.max(1e-9),
            },
        ),
    ];
    let (tx, rx) = tokio::sync::mpsc::channel(events.len());
    for event in events {
        // The channel holds all three; the receiver is still here.
        let _ = tx.try_send(event);
    }
    sse::response(rx, None)
}
