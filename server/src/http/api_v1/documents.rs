//! Knowledge-base documents uploaded by machine clients.

use super::body::PathParam;
use super::client::{JobsRead, KbWrite, Scoped};
use super::wire::*;
use crate::http::error::error;
use crate::services::knowledge::KnowledgeService;
use crate::services::support::SupportService;
use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
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
        (status = 400, description = "The multipart body cannot be read", body = ErrorBody),
        (status = 401, description = "No, unknown or revoked API key", body = ErrorBody),
        (status = 403, description = "The key lacks the kb:write scope", body = ErrorBody),
        (status = 413, description = "Over 10 MB", body = ErrorBody),
        (status = 415, description = "The body is not multipart/form-data", body = ErrorBody),
        (status = 422, description = "No file, a file that is no supported type or holds no text, a field the form does not have, or a value out of its range; `field` names it", body = ErrorBody),
        (status = 429, description = "Over the key's rate", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds until the key may call again"))),
        (status = 503, description = "The knowledge base is still loading, or the store cannot be reached", body = ErrorBody),
    ),
    security(("api_key" = ["kb:write"]))
)]
pub async fn upload_document(
    State(service): State<Arc<SupportService>>,
    State(knowledge): State<Arc<KnowledgeService>>,
    State(audit): State<crate::services::audit::Audit>,
    Scoped(key, _): Scoped<KbWrite>,
    crate::http::rate_limit::ClientIp(ip): crate::http::rate_limit::ClientIp,
    form: Result<Multipart, MultipartRejection>,
) -> Response {
    let Ok(form) = form else {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Send the document as multipart/form-data with a \"file\" field.",
        );
    };
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
    audit
        .record(store::audit::NewAuditEntry {
            actor: format!("API key {} ({})", key.name, key.prefix),
            staff_id: None,
            action: "kb.upload".into(),
            target: format!(
                "document {} ({})",
                accepted.document.id, accepted.document.filename
            ),
            detail: format!("{} bytes", accepted.document.bytes),
            ip,
        })
        .await;
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
        (status = 403, description = "The key lacks the jobs:read scope", body = ErrorBody),
        (status = 404, description = "No such job", body = ErrorBody),
        (status = 422, description = "The id is not an integer", body = ErrorBody),
        (status = 429, description = "Over the key's rate", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds until the key may call again"))),
        (status = 503, description = "The store cannot be reached; try again", body = ErrorBody),
    ),
    security(("api_key" = ["jobs:read"]))
)]
pub async fn get_job(
    State(service): State<Arc<SupportService>>,
    Scoped(_key, _): Scoped<JobsRead>,
    PathParam(id): PathParam<i64>,
) -> Response {
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
