//! The original's REST contract: `POST /generate` {model, seed, temperature, max_tokens,
//! context} -> {model, text, tokens, generation_time}; `GET /health`, `GET /models`,
//! `GET /vocab/{model}`. Also `POST /generate/stream`, the same request answered as server-sent
//! events (meta, token, done, error) so a page can show characters as they are sampled.
//! Invalid parameters get a 422 that names the field, in FastAPI's shape (the original's).

use std::convert::Infallible;
use std::ops::ControlFlow;
use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use domain::api::gpt::{GptFailure, Limits, ModelList, StreamDone, StreamMeta, StreamToken};
use futures_util::Stream;
use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::Semaphore;
use tokio_stream::wrappers::ReceiverStream;

use crate::generate::{
    GenerateParams, Generation, MAX_CONTEXT_CHARS, MAX_TEMPERATURE, MAX_TOKENS, MIN_TEMPERATURE,
    generate,
};
use crate::shipped::{LoadedModel, ModelSet};

/// Called after each generation (the server records metrics with it).
pub type Observer = Arc<dyn Fn(&str, &Generation) + Send + Sync>;

pub struct GptService {
    models: ModelSet,
    /// Generation is CPU-bound: at most this many at once, the rest wait their turn.
    permits: Arc<Semaphore>,
    backend: String,
    observer: Option<Observer>,
}

impl GptService {
    pub fn new(models: ModelSet, concurrency: usize) -> Self {
        Self {
            models,
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            backend: "candle (CPU), in process".into(),
            observer: None,
        }
    }

    pub fn with_backend(mut self, backend: impl Into<String>) -> Self {
        self.backend = backend.into();
        self
    }

    pub fn with_observer(mut self, observer: Observer) -> Self {
        self.observer = Some(observer);
        self
    }

    pub fn models(&self) -> &ModelSet {
        &self.models
    }
}

pub fn router<S: Clone + Send + Sync + 'static>(service: Arc<GptService>) -> Router<S> {
    Router::new()
        .route("/health", get(health))
        .route("/models", get(models))
        .route("/vocab/{model}", get(vocab))
        .route("/generate", post(generate_once))
        .route("/generate/stream", post(generate_stream))
        .with_state(service)
}

/// A request error: status, the field at fault (if any) and a sentence.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    field: Option<&'static str>,
    message: String,
}

impl ApiError {
    fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            field: Some(field),
            message: message.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let loc: Vec<&str> = match self.field {
            Some(f) => vec!["body", f],
            None => vec!["body"],
        };
        let body = json!({
            "error": self.message,
            "field": self.field,
            "detail": [{ "loc": loc, "msg": self.message, "type": "value_error" }],
        });
        (self.status, Json(body)).into_response()
    }
}

#[derive(Debug, Clone)]
pub struct GenerateRequest {
    pub model: String,
    pub context: String,
    pub params: GenerateParams,
}

/// Reads and checks a generate request; every problem names its field.
pub fn parse_request(
    body: &[u8],
    models: &ModelSet,
) -> Result<(GenerateRequest, Arc<LoadedModel>), ApiError> {
    let value: Value = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        serde_json::from_slice(body).map_err(|e| ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            field: None,
            message: format!("the body is not valid JSON: {e}"),
        })?
    };
    let Value::Object(obj) = value else {
        return Err(ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            field: None,
            message: "the body must be a JSON object".into(),
        });
    };
    const FIELDS: [&str; 6] = [
        "model",
        "seed",
        "temperature",
        "max_tokens",
        "context",
        "top_k",
    ];
    if let Some(extra) = obj.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            field: None,
            message: format!("unknown field {extra:?}; expected {}", FIELDS.join(", ")),
        });
    }
    let present = |k: &str| obj.get(k).filter(|v| !v.is_null());
    let model_name = match present("model") {
        None => models.default_name().ok_or_else(|| ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            field: None,
            message: "no model is loaded".into(),
        })?,
        Some(Value::String(s)) => s.trim().to_string(),
        Some(_) => return Err(ApiError::invalid("model", "model must be a string")),
    };
    let model = models.get(&model_name).ok_or_else(|| {
        ApiError::invalid(
            "model",
            format!(
                "unknown model {model_name:?}; available: {}",
                models.names().join(", ")
            ),
        )
    })?;
    let defaults = GenerateParams::default();
    let seed = match present("seed") {
        None => defaults.seed,
        Some(v) => v
            .as_u64()
            .ok_or_else(|| ApiError::invalid("seed", "seed must be a whole number, 0 or more"))?,
    };
    let temperature = match present("temperature") {
        None => defaults.temperature,
        Some(v) => v
            .as_f64()
            .ok_or_else(|| ApiError::invalid("temperature", "temperature must be a number"))?,
    };
    if !(MIN_TEMPERATURE..=MAX_TEMPERATURE).contains(&temperature) {
        return Err(ApiError::invalid(
            "temperature",
            format!("temperature must be between {MIN_TEMPERATURE} and {MAX_TEMPERATURE}"),
        ));
    }
    let max_tokens = match present("max_tokens") {
        None => defaults.max_tokens,
        Some(v) => v.as_u64().map(|n| n as usize).unwrap_or(0),
    };
    if !(1..=MAX_TOKENS).contains(&max_tokens) {
        return Err(ApiError::invalid(
            "max_tokens",
            format!("max_tokens must be a whole number from 1 to {MAX_TOKENS}"),
        ));
    }
    let top_k = match present("top_k") {
        None => None,
        Some(v) => match v.as_u64() {
            Some(k) if k >= 1 => Some(k as usize),
            _ => {
                return Err(ApiError::invalid(
                    "top_k",
                    "top_k must be a whole number, 1 or more",
                ));
            }
        },
    };
    let context = match present("context") {
        None => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => {
            return Err(ApiError::invalid(
                "context",
                "context must be a string or null",
            ));
        }
    };
    if context.chars().count() > MAX_CONTEXT_CHARS {
        return Err(ApiError::invalid(
            "context",
            format!("context is longer than {MAX_CONTEXT_CHARS} characters"),
        ));
    }
    let context = model.vocab.normalise(&context);
    if let Err(e) = model.vocab.encode(&context) {
        return Err(ApiError::invalid("context", e.to_string()));
    }
    Ok((
        GenerateRequest {
            model: model_name,
            context,
            params: GenerateParams {
                seed,
                temperature,
                max_tokens,
                top_k,
            },
        },
        model,
    ))
}

async fn health(State(service): State<Arc<GptService>>) -> Json<Value> {
    Json(json!({
        "status": if service.models.is_empty() { "degraded" } else { "ok" },
        "models": service.models.names(),
        "backend": service.backend,
    }))
}

async fn models(State(service): State<Arc<GptService>>) -> Json<ModelList> {
    Json(ModelList {
        models: service.models.infos(),
        default: service.models.default_name(),
        backend: service.backend.clone(),
        limits: Limits {
            temperature: [MIN_TEMPERATURE, MAX_TEMPERATURE],
            max_tokens: [1, MAX_TOKENS],
            context_chars: MAX_CONTEXT_CHARS,
        },
    })
}

async fn vocab(State(service): State<Arc<GptService>>, Path(name): Path<String>) -> Response {
    match service.models.get(&name) {
        Some(m) => Json(json!({
            "model": name,
            "vocab_size": m.vocab.len(),
            "chars": m.vocab.chars().iter().map(|c| c.to_string()).collect::<Vec<_>>(),
        }))
        .into_response(),
        None => (
            StatusCode::NOT_FOUND,
            Json(GptFailure {
                error: format!(
                    "unknown model {name:?}; available: {}",
                    service.models.names().join(", ")
                ),
            }),
        )
            .into_response(),
    }
}

#[derive(Serialize)]
struct GenerateResponse {
    model: String,
    text: String,
    tokens: usize,
    generation_time: f64,
    time_to_first_char: f64,
    seed: u64,
    temperature: f64,
    backend: String,
}

async fn generate_once(State(service): State<Arc<GptService>>, body: Bytes) -> Response {
    let (request, model) = match parse_request(&body, &service.models) {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let Ok(_permit) = service.permits.clone().acquire_owned().await else {
        return unavailable();
    };
    let req = request.clone();
    let result = tokio::task::spawn_blocking(move || {
        generate(
            &model.model,
            &model.vocab,
            &req.context,
            &req.params,
            |_| ControlFlow::Continue(()),
        )
    })
    .await;
    match result {
        Ok(Ok(generation)) => {
            if let Some(observe) = &service.observer {
                observe(&request.model, &generation);
            }
            Json(GenerateResponse {
                model: request.model,
                text: generation.text,
                tokens: generation.tokens,
                generation_time: generation.generation_time,
                time_to_first_char: generation.time_to_first_char,
                seed: request.params.seed,
                temperature: request.params.temperature,
                backend: service.backend.clone(),
            })
            .into_response()
        }
        Ok(Err(e)) => {
            tracing::error!(error = %e, "generation failed");
            failed()
        }
        Err(e) => {
            tracing::error!(error = %e, "generation task failed");
            failed()
        }
    }
}

fn unavailable() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(GptFailure {
            error: "the model service is shutting down; try again shortly".into(),
        }),
    )
        .into_response()
}

fn failed() -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Json(GptFailure {
            error: "generation failed; please try again".into(),
        }),
    )
        .into_response()
}

fn event(name: &str, data: &impl Serialize) -> Result<Event, Infallible> {
    Ok(Event::default()
        .event(name)
        .data(serde_json::to_string(data).unwrap_or_default()))
}

fn stream_failure(message: &str) -> Result<Event, Infallible> {
    event(
        "error",
        &GptFailure {
            error: message.into(),
        },
    )
}

async fn generate_stream(State(service): State<Arc<GptService>>, body: Bytes) -> Response {
    let (request, model) = match parse_request(&body, &service.models) {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Event, Infallible>>(256);
    let service = service.clone();
    tokio::spawn(async move {
        let _ = tx
            .send(event(
                "meta",
                &StreamMeta {
                    model: request.model.clone(),
                    backend: service.backend.clone(),
                    seed: Some(request.params.seed),
                },
            ))
            .await;
        let Ok(_permit) = service.permits.clone().acquire_owned().await else {
            let _ = tx
                .send(stream_failure("the model service is shutting down"))
                .await;
            return;
        };
        let token_tx = tx.clone();
        let req = request.clone();
        let result = tokio::task::spawn_blocking(move || {
            generate(&model.model, &model.vocab, &req.context, &req.params, |c| {
                // A closed channel means the reader left: stop sampling for nobody.
                let token = StreamToken {
                    text: c.to_string(),
                };
                match token_tx.blocking_send(event("token", &token)) {
                    Ok(()) => ControlFlow::Continue(()),
                    Err(_) => ControlFlow::Break(()),
                }
            })
        })
        .await;
        let done = match result {
            Ok(Ok(g)) => {
                if let Some(observe) = &service.observer {
                    observe(&request.model, &g);
                }
                event(
                    "done",
                    &StreamDone {
                        model: request.model.clone(),
                        chars_per_second: g.tokens as f64 / g.generation_time.max(1e-9),
                        text: g.text,
                        tokens: g.tokens,
                        generation_time: g.generation_time,
                        time_to_first_char: g.time_to_first_char,
                    },
                )
            }
            Ok(Err(e)) => {
                tracing::error!(error = %e, "generation failed");
                stream_failure("generation failed; please try again")
            }
            Err(e) => {
                tracing::error!(error = %e, "generation task failed");
                stream_failure("generation failed; please try again")
            }
        };
        let _ = tx.send(done).await;
    });
    let stream: ReceiverStream<Result<Event, Infallible>> = ReceiverStream::new(rx);
    sse(stream).into_response()
}

fn sse(
    stream: impl Stream<Item = Result<Event, Infallible>> + Send + 'static,
) -> impl IntoResponse {
    Sse::new(stream).keep_alive(KeepAlive::default())
}
