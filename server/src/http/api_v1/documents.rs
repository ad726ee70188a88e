//! Knowledge-base documents uploaded by machine clients.

use super::client::ApiClient;
use super::wire::*;
use crate::http::error::error;
use crate::services::knowledge::KnowledgeService;
use crate::services::support::SupportService;
use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::api::jobs::Job;
use std::sync::Arc;

/// Upload a knowledge-base document: stored at once, indexed by a background job.
#[utoipa::path(
    post, path = "/api/v1/kb/documents", tag = "knowledge base",
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 202, description = "Stored; the job indexes it (follow GET /api/v1/jobs/{id})", body = DocumentQueued),
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
    match service.store().job(accepted.job_id).await {
        Ok(Some(job)) => (
            StatusCode::ACCEPTED,
            Json(DocumentQueued {
                document: DocumentOut::from(accepted.document),
                job: job.into(),
            }),
        )
            .into_response(),
        _ => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "The document's job could not be read.",
        ),
    }
}

/// A background job and its progress.
#[utoipa::path(
    get, path = "/api/v1/jobs/{id}", tag = "knowledge base",
    params(("id" = i64, Path, description = "The job's id, from the upload's answer")),
    responses(
        (status = 200, description = "The job", body = Job),
        (status = 401, description = "No, unknown or revoked API key", body = ErrorBody),
        (status = 404, description = "No such job", body = ErrorBody),
        (status = 429, description = "Over the key's rate; see Retry-After", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub async fn get_job(
    State(service): State<Arc<SupportService>>,
    ApiClient(_key): ApiClient,
    id: Result<Path<i64>, PathRejection>,
) -> Response {
    let Ok(Path(id)) = id else {
        return error(StatusCode::NOT_FOUND, "There is no such job.");
    };
    match service.store().job(id).await {
        Ok(Some(job)) => Json(Job::from(job)).into_response(),
        Ok(None) => error(StatusCode::NOT_FOUND, "There is no such job."),
        Err(e) => {
            tracing::error!(error = %e, "cannot read a job");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "The job could not be read; try again.",
            )
        }
    }
}
