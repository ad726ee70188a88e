//! REST API v1 for machine clients: send a customer message and get the agent's reply, read a
//! conversation, escalate, resolve, list a customer's conversations, upload a knowledge-base
//! document. Every call needs an API key (created on the support desk, stored hashed) and is
//! limited per key (429 with Retry-After). The OpenAPI document is generated from these
//! handlers (utoipa) and served with Swagger UI, offline.

mod body;
mod client;
mod conversations;
mod documents;
mod feedback;
mod privacy;
mod wire;

pub use crate::services::limits::KeyLimits;
pub use client::ApiClient;

use crate::ServerState;
use axum::Router;
use axum::http::{Method, header};
use axum::routing::{get, post};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

struct ApiKeyScheme;

impl Modify for ApiKeyScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("aip_…")
                    .description(Some(scope_list()))
                    .build(),
            ),
        );
    }
}

/// The scopes a key can be given, as the security scheme describes them (each operation names
/// the one it needs; a key without it gets 403).
fn scope_list() -> String {
    let lines: Vec<String> = domain::api::desk::ApiScope::ALL
        .iter()
        .map(|s| format!("- `{}`: {}", s.as_str(), s.description()))
        .collect();
    format!(
        "An API key, created on the support desk with the scopes it may use:\n{}",
        lines.join("\n")
    )
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "AI Portfolio support API",
        version = "1.0.0",
        description = "The electronics store's support agent for machine clients. Create a key on the support desk (Team & API keys), choosing its scopes, and send it as a Bearer token. Each operation needs one scope (a key without it gets 403). Each key has its own rate limit; over it the API answers 429 with Retry-After. Every error is `{\"error\": {\"code\", \"message\", \"field\"?}}`."
    ),
    paths(
        conversations::send_message,
        conversations::decide,
        conversations::get_conversation,
        conversations::escalate,
        conversations::resolve,
        conversations::customer_conversations,
        feedback::reply_feedback,
        feedback::rating,
        privacy::export,
        privacy::erase,
        documents::upload_document,
        documents::get_job
    ),
    modifiers(&ApiKeyScheme),
    tags(
        (name = "conversations", description = "Customer messages, transcripts, escalation and resolution"),
        (name = "knowledge base", description = "Documents the agent searches, and the jobs indexing them"),
        (name = "privacy", description = "A customer's data on request: export or erase everything kept about an email")
    )
)]
pub struct ApiDoc;

/// The v1 routes (the OpenAPI document and Swagger UI are merged beside them), with CORS for browsers on other origins
/// (keys are sent as headers, never cookies, so no credentials are allowed).
pub fn router() -> Router<ServerState> {
    let cors = tower_http::cors::CorsLayer::new()
        .allow_origin(tower_http::cors::Any)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            axum::http::HeaderName::from_static("x-api-key"),
        ])
        .expose_headers([header::RETRY_AFTER])
        .max_age(std::time::Duration::from_secs(3_600));
    use conversations::{
        customer_conversations, decide, escalate, get_conversation, resolve, send_message,
    };
    use documents::{get_job, upload_document};
    Router::new()
        .route("/messages", post(send_message))
        .route("/conversations/{id}", get(get_conversation))
        .route("/conversations/{id}/decision", post(decide))
        .route("/conversations/{id}/escalate", post(escalate))
        .route("/conversations/{id}/resolve", post(resolve))
        .route(
            "/conversations/{id}/feedback",
            post(feedback::reply_feedback),
        )
        .route("/conversations/{id}/rating", post(feedback::rating))
        .route(
            "/customers/{email}/conversations",
            get(customer_conversations),
        )
        .route(
            "/kb/documents",
            post(upload_document).layer(axum::extract::DefaultBodyLimit::max(
                crate::http::knowledge::UPLOAD_BODY_LIMIT,
            )),
        )
        .route("/jobs/{id}", get(get_job))
        .route("/customers/{email}/export", get(privacy::export))
        .route("/customers/{email}/erase", post(privacy::erase))
        // After the routes: each route's other methods answer 405 (with Allow) in the API's shape.
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found)
        .layer(axum::extract::DefaultBodyLimit::max(
            crate::http::JSON_BODY_LIMIT,
        ))
        .layer(cors)
}

async fn not_found() -> axum::response::Response {
    crate::http::error::error(
        axum::http::StatusCode::NOT_FOUND,
        "There is no such API operation; see /api/v1/openapi.json.",
    )
}

async fn method_not_allowed() -> axum::response::Response {
    crate::http::error::error(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "This operation does not take that method; the Allow header lists the ones it takes.",
    )
}

/// Swagger UI at /api/v1/docs over the document at /api/v1/openapi.json (files from the
/// vendored crate: nothing is fetched from the network).
pub fn docs() -> utoipa_swagger_ui::SwaggerUi {
    utoipa_swagger_ui::SwaggerUi::new("/api/v1/docs").url("/api/v1/openapi.json", ApiDoc::openapi())
}
