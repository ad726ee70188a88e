//! `/health`: the process is alive. `/health/ready`: each component's state, 503 when the app
//! cannot serve (the database is down).

use crate::services::llm_registry::LlmRegistry;
use crate::state::ServerState;
use app::state::AppState;
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::json;
use std::sync::Arc;

pub async fn alive() -> impl IntoResponse {
    Json(json!({ "status": "alive", "version": env!("CARGO_PKG_VERSION") }))
}

pub async fn ready(
    State(state): State<AppState>,
    State(llm): State<Arc<LlmRegistry>>,
    State(support): State<Arc<crate::services::support::SupportService>>,
    State(knowledge): State<Arc<crate::services::knowledge::KnowledgeService>>,
    State(classifier): State<Arc<crate::services::classifier::ClassifierService>>,
    State(gpt): State<Arc<crate::http::gpt::GptBackend>>,
) -> impl IntoResponse {
    let database = match state.store.ping().await {
        Ok(latency) => json!({
            "status": "up",
            "backend": state.store.backend(),
            "latency_ms": (latency.as_secs_f64() * 1000.0 * 100.0).round() / 100.0,
        }),
        Err(e) => {
            tracing::warn!(error = %e, "readiness: database ping failed");
            json!({ "status": "down", "backend": state.store.backend(), "error": "database not answering" })
        }
    };
    let database_up = database["status"] == "up";
    let demos: serde_json::Map<String, serde_json::Value> = state
        .backends
        .iter()
        .map(|b| {
            (
                b.slug.clone(),
                json!({ "backend": b.kind, "label": b.label }),
            )
        })
        .collect();
    let body = json!({
        "status": if database_up { "ready" } else { "unavailable" },
        "components": {
            "database": database,
            "knowledge_base": knowledge.state(),
            "support_agent": support.agent().backend(),
            "cloud_llm": llm.cloud_status().map(|(provider, model, circuit)| json!({
                "provider": provider, "model": model, "circuit": circuit,
            })),
            "embedded_llm": {
                "model": llm::EMBEDDED_MODEL_NAME,
                "state": llm.embedded_state(),
                "file_present": llm.model_file_present(),
            },
            "image_classifier": classifier.status(),
            "custom_gpt": gpt.status(),
            "demos": demos,
        },
    });
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
