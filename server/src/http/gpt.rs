//! Custom GPT under `/api/gpt/`: the shipped models served in process (the `gpt` crate's REST
//! contract), or, with GPT_API_URL set, a proxy to that remote service (the standalone
//! `gpt-service`, or the original on Cloud Run). The page always calls this server.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use domain::api::gpt::{StreamDone, StreamMeta, StreamToken};
use gpt::ModelSet;
use gpt::service::GptService;
use url::Url;

use crate::config::Config;
use crate::http::rate_limit::{self, ChatLimit};
use crate::services::metrics::Metrics;

/// What answers `/api/gpt/`.
pub enum GptBackend {
    Local(Arc<GptService>),
    Remote(Arc<RemoteGpt>),
}

impl GptBackend {
    pub fn new(config: &Config, metrics: Metrics) -> Self {
        if let Some(url) = &config.gpt_api_url {
            return Self::Remote(Arc::new(RemoteGpt::new(url.clone())));
        }
        let mut models = ModelSet::shipped().unwrap_or_else(|e| {
            tracing::error!(error = %e, "cannot load the shipped GPT models");
            ModelSet::default()
        });
        let extra = config.models_dir.join("gpt");
        match models.add_dir(&extra) {
            Ok(added) if !added.is_empty() => {
                tracing::info!(models = ?added, dir = %extra.display(), "added GPT models")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, dir = %extra.display(), "cannot load GPT models"),
        }
        tracing::info!(models = ?models.names(), "custom GPT ready");
        let observer: gpt::service::Observer =
            Arc::new(move |model: &str, generation: &gpt::Generation| {
                metrics.count(
                    "gpt_generations_total",
                    vec![("model", model.to_string())],
                    1.0,
                );
                metrics.count(
                    "gpt_generated_chars_total",
                    vec![("model", model.to_string())],
                    generation.tokens as f64,
                );
                metrics.observe(
                    "model_inference_duration_seconds",
                    vec![("model", format!("gpt-{model}"))],
                    generation.generation_time,
                );
            });
        Self::Local(Arc::new(GptService::new(models, 2).with_observer(observer)))
    }

    pub fn status(&self) -> GptStatus {
        match self {
            Self::Local(service) => GptStatus {
                state: if service.models().is_empty() {
                    "failed"
                } else {
                    "ready"
                },
                backend: "embedded",
                models: service.models().names(),
                url: None,
            },
            Self::Remote(remote) => GptStatus {
                state: "remote",
                backend: "cloud",
                models: Vec::new(),
                url: Some(remote.host()),
            },
        }
    }

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

pub struct RemoteGpt {
    base: Url,
    client: reqwest::Client,
}

impl RemoteGpt {
    fn new(base: Url) -> Self {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            // A cold start on Cloud Run can take tens of seconds; the page says so after 6 s.
            .timeout(Duration::from_secs(120))
            .build()
            .unwrap_or_default();
        Self { base, client }
    }

    fn host(&self) -> String {
        self.base.host_str().unwrap_or("remote").to_string()
    }

    fn url(&self, path: &str) -> Option<Url> {
        let mut base = self.base.clone();
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        base.join(path.trim_start_matches('/')).ok()
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Bytes,
    ) -> Result<reqwest::Response, Response> {
        let Some(url) = self.url(path) else {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "that is not a GPT service path".into(),
            ));
        };
        let mut request = self.client.request(method.clone(), url);
        if method == Method::POST {
            request = request
                .header(header::CONTENT_TYPE, "application/json")
                .body(body);
        }
        request.send().await.map_err(|e| {
            tracing::warn!(error = %e, host = %self.host(), "GPT service request failed");
            let why = if e.is_timeout() {
                "did not answer in time"
            } else {
                "cannot be reached"
            };
            error(
                StatusCode::BAD_GATEWAY,
                format!(
                    "The GPT service at {} {why}; try again shortly.",
                    self.host()
                ),
            )
        })
    }
}

fn error(status: StatusCode, message: String) -> Response {
    crate::http::error::error(status, &message)
}

/// Where the Custom GPT stands (`/health/ready`).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct GptStatus {
    /// ready, failed (no model loaded) or remote.
    pub state: &'static str,
    pub backend: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub models: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
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
    let response = match remote.send(method.clone(), &path, body.clone()).await {
        Ok(r) => r,
        Err(e) => return e,
    };
    // The original service has no streaming route: answer the stream from /generate instead.
    let missing = matches!(response.status().as_u16(), 404 | 405);
    if path.trim_matches('/') == "generate/stream" && method == Method::POST && missing {
        return stream_from_generate(&remote, body).await;
    }
    pass_through(response)
}

async fn stream_from_generate(remote: &RemoteGpt, body: Bytes) -> Response {
    let response = match remote.send(Method::POST, "generate", body).await {
        Ok(r) => r,
        Err(e) => return e,
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
            return error(
                StatusCode::BAD_GATEWAY,
                "The GPT service gave an answer this app cannot read.".into(),
            );
        }
    };
    let tokens = generated
        .tokens
        .unwrap_or_else(|| generated.text.chars().count());
    let time = generated.generation_time;
    fn data(value: &impl serde::Serialize) -> String {
        serde_json::to_string(value).unwrap_or_default()
    }
    let events = [
        (
            "meta",
            data(&StreamMeta {
                model: generated.model.clone(),
                backend: format!("GPT service at {}", remote.host()),
                seed: None,
            }),
        ),
        (
            "token",
            data(&StreamToken {
                text: generated.text.clone(),
            }),
        ),
        (
            "done",
            data(&StreamDone {
                model: generated.model,
                text: generated.text,
                tokens,
                generation_time: time,
                time_to_first_char: time,
                chars_per_second: tokens as f64 / time.max(1e-9),
            }),
        ),
    ];
    let body: String = events
        .iter()
        .map(|(name, data)| format!("event: {name}\ndata: {data}\n\n"))
        .collect();
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/event-stream"),
        )],
        body,
    )
        .into_response()
}
