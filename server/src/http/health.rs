//! `/health`: the process is alive. `/health/ready`: each component's state, 503 when the app
//! cannot serve (the database is down).

use crate::state::ServerState;
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use serde::Serialize;
use std::collections::BTreeMap;

/// `/health`.
#[derive(Serialize)]
struct Alive {
    status: &'static str,
    version: &'static str,
}

pub async fn alive() -> impl IntoResponse {
    Json(Alive {
        status: "alive",
        version: env!("CARGO_PKG_VERSION"),
    })
}

#[derive(Serialize)]
struct Database {
    /// up or down.
    status: &'static str,
    backend: store::Backend,
    #[serde(skip_serializing_if = "Option::is_none")]
    latency_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'static str>,
}

#[derive(Serialize)]
struct CloudLlm {
    provider: String,
    model: String,
    /// The circuit breaker: closed (answering), open or half-open.
    circuit: &'static str,
}

#[derive(Serialize)]
struct EmbeddedLlm {
    model: &'static str,
    state: crate::services::llm_registry::ModelState,
    file_present: bool,
}

#[derive(Serialize)]
struct Demo {
    backend: app::models::BackendKind,
    label: String,
}

#[derive(Serialize)]
struct Components {
    database: Database,
    knowledge_base: crate::services::knowledge::KnowledgeState,
    support_agent: String,
    cloud_llm: Option<CloudLlm>,
    embedded_llm: EmbeddedLlm,
    image_classifier: crate::services::classifier::ClassifierStatus,
    /// Where generated images' bytes are kept (local disk, the database, an S3 bucket).
    image_storage: String,
    custom_gpt: crate::services::gpt::GptStatus,
    voice: crate::services::voice::VoiceStatus,
    demos: BTreeMap<String, Demo>,
}

/// `/health/ready`.
#[derive(Serialize)]
struct Readiness {
    /// ready, or unavailable (the database is down).
    status: &'static str,
    components: Components,
}

pub async fn ready(State(server): State<ServerState>) -> impl IntoResponse {
    let ServerState {
        app: state,
        llm,
        support,
        knowledge,
        classifier,
        gpt,
        images,
        voice,
        ..
    } = server;
    let database = match state.store.ping().await {
        Ok(latency) => Database {
            status: "up",
            backend: state.store.backend(),
            latency_ms: Some((latency.as_secs_f64() * 1000.0 * 100.0).round() / 100.0),
            error: None,
        },
        Err(e) => {
            tracing::warn!(error = %e, "readiness: database ping failed");
            Database {
                status: "down",
                backend: state.store.backend(),
                latency_ms: None,
                error: Some("database not answering"),
            }
        }
    };
    let database_up = database.status == "up";
    let demos = state
        .backends
        .iter()
        .map(|b| {
            (
                b.slug.clone(),
                Demo {
                    backend: b.kind,
                    label: b.label.clone(),
                },
            )
        })
        .collect();
    let body = Readiness {
        status: if database_up { "ready" } else { "unavailable" },
        components: Components {
            database,
            knowledge_base: knowledge.state(),
            support_agent: support.agent().backend(),
            cloud_llm: llm
                .cloud_status()
                .map(|(provider, model, circuit)| CloudLlm {
                    provider,
                    model,
                    circuit,
                }),
            embedded_llm: EmbeddedLlm {
                model: llm::EMBEDDED_MODEL_NAME,
                state: llm.embedded_state(),
                file_present: llm.model_file_present(),
            },
            image_classifier: classifier.status(),
            image_storage: images.storage(),
            custom_gpt: gpt.status(),
            voice: voice.status(),
            demos,
        },
    };
    let code = if database_up {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(body))
}

/// `/health` and `/health/ready`.
pub fn router() -> Router<ServerState> {
    Router::new()
        .route("/health", get(alive))
        .route("/health/ready", get(ready))
}
