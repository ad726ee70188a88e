//! The Custom GPT's backend: the shipped models in process (the `gpt` crate's service), or, with
//! GPT_API_URL set, a remote GPT service (the standalone `gpt-service`, or the original on Cloud
//! Run). `http::gpt` serves either under `/api/gpt/`.

use crate::config::Config;
use crate::services::ServiceError;
use crate::services::metrics::Metrics;
use gpt::ModelSet;
use gpt::service::GptService;
use std::sync::Arc;
use std::time::Duration;
use url::Url;

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

    pub fn host(&self) -> String {
        self.base.host_str().unwrap_or("remote").to_string()
    }

    fn url(&self, path: &str) -> Option<Url> {
        let mut base = self.base.clone();
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        base.join(path.trim_start_matches('/')).ok()
    }

    /// Sends one request to the remote service; a failure is a sentence for the page.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Vec<u8>,
    ) -> Result<reqwest::Response, ServiceError> {
        let Some(url) = self.url(path) else {
            return Err(ServiceError::invalid("that is not a GPT service path"));
        };
        let mut request = self.client.request(method.clone(), url);
        if method == reqwest::Method::POST {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body);
        }
        request.send().await.map_err(|e| {
            tracing::warn!(error = %e, host = %self.host(), "GPT service request failed");
            let why = if e.is_timeout() {
                "did not answer in time"
            } else {
                "cannot be reached"
            };
            ServiceError::Upstream(format!(
                "The GPT service at {} {why}; try again shortly.",
                self.host()
            ))
        })
    }
}
