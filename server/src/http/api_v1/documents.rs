//! Knowledge-base documents uploaded by machine clients.

use super::client::ApiClient;
use super::wire::*;
use crate::http::error::error;
use crate::services::knowledge::KnowledgeService;
use crate::services::support::SupportService;
use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// Upload a knowledge-base document; answers when it is indexed and searchable.
#[utoipa::path(
    post, path = "/api/v1/kb/documents", tag = "knowledge base",
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Indexed and searchable (or failed: see status and error)", body = DocumentOut),
        (status = 401, description = "No, unknown or revoked API key", body = ErrorBody),
        (status = 413, description = "Over 10 MB", body = ErrorBody),
        (status = 422, description = "No file, an unsupported or mislabelled type, or no text", body = ErrorBody),
        (status = 429, description = "Over the key's rate; see Retry-After", body = ErrorBody),
        (status = 503, description = "The knowledge base is still loading", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub async fn upload_document(
    State(service): State<Arc<SupportService>>,
    State(knowledge): State<Arc<KnowledgeService>>,
    ApiClient(key): ApiClient,
    form: Multipart,
) -> Response {
    let upload = match crate::http::knowledge::read_upload(form).await {
        Ok(u) => u,
        Err(r) => return *r,
    };
    let accepted = match knowledge
        .accept(upload, &format!("API key {}", key.name))
        .await
    {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    let id = accepted.document.id;
    let _ = accepted.indexing.await;
    match service.store().document(id).await {
        Ok(Some(d)) => (StatusCode::CREATED, Json(DocumentOut::from(d))).into_response(),
        _ => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "The document's state could not be read.",
        ),
    }
}
