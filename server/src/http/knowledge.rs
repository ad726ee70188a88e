//! Knowledge-base management endpoints (admin): upload a document, list documents and chunks,
//! delete one, re-index everything. The work is `services::knowledge`'s.

use crate::http::auth::Admin;
use crate::http::error::{ApiError, Refused, error, refuse};
use crate::http::rate_limit::ClientIp;
use crate::services::audit::Audit;
use crate::services::knowledge::{KnowledgeService, Upload};
use crate::state::ServerState;
use axum::Json;
use axum::Router;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use domain::api::knowledge::{
    DocumentAccepted, DocumentChunks, DocumentDeleted, DocumentList, ReindexStarted,
};
use domain::api::routes::desk_api;
use kb::ingest::MAX_DOCUMENT_BYTES;
use std::sync::Arc;
use store::Store;

/// The request body limit of an upload: the document plus its form fields.
pub const UPLOAD_BODY_LIMIT: usize = MAX_DOCUMENT_BYTES + 64 * 1024;

/// A multipart error as a sentence: over the size limit, or unreadable.
fn unreadable(e: &axum::extract::multipart::MultipartError, what: &str) -> Refused {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!(
                "Documents are limited to {} MB.",
                MAX_DOCUMENT_BYTES / (1024 * 1024)
            ),
        )
    } else {
        refuse(
            StatusCode::BAD_REQUEST,
            &format!("{what} could not be read: {e}"),
        )
    }
}

/// Reads `file` and the optional `title` (up to 200 characters), `audience` and `doc_type` (one
/// of their values, exactly), `category` (up to 40 characters; blank: general). A field the form
/// does not have is refused, as the API's document states.
pub async fn read_upload(mut form: Multipart) -> Result<Upload, Refused> {
    let mut upload = Upload {
        filename: String::new(),
        bytes: Vec::new(),
        title: None,
        audience: "customer".into(),
        doc_type: "policy".into(),
        category: "general".into(),
    };
    let invalid = |field: &str, message: String| -> Refused {
        Box::new(
            ApiError::status(StatusCode::UNPROCESSABLE_ENTITY, message)
                .on_field(field)
                .into_response(),
        )
    };
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(unreadable(&e, "The upload")),
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            upload.filename = field.file_name().unwrap_or("document").to_owned();
            upload.bytes = match field.bytes().await {
                Ok(b) => b.to_vec(),
                Err(e) => return Err(unreadable(&e, "The file")),
            };
            continue;
        }
        if !UPLOAD_FIELDS.contains(&name.as_str()) {
            return Err(invalid(
                &name,
                format!(
                    "The form has no field {name:?}; it takes file, {}.",
                    UPLOAD_FIELDS.join(", ")
                ),
            ));
        }
        let value = match field.text().await {
            Ok(v) => v,
            Err(e) => return Err(unreadable(&e, "A form field")),
        };
        match name.as_str() {
            "title" if value.chars().count() > MAX_TITLE_CHARS => {
                return Err(invalid(
                    "title",
                    format!("Keep the title to {MAX_TITLE_CHARS} characters."),
                ));
            }
            "title" => upload.title = Some(value.trim().to_owned()).filter(|t| !t.is_empty()),
            "audience" | "doc_type" => {
                let allowed = if name == "audience" {
                    kb::chunks::AUDIENCES
                } else {
                    kb::chunks::DOC_TYPES
                };
                if !allowed.contains(&value.as_str()) {
                    return Err(invalid(
                        &name,
                        format!("{name} must be one of: {}.", allowed.join(", ")),
                    ));
                }
                if name == "audience" {
                    upload.audience = value;
                } else {
                    upload.doc_type = value;
                }
            }
            _ if value.chars().count() > MAX_CATEGORY_CHARS => {
                return Err(invalid(
                    "category",
                    format!("Keep the category to {MAX_CATEGORY_CHARS} characters."),
                ));
            }
            _ if value.trim().is_empty() => {}
            _ => upload.category = value.trim().to_lowercase(),
        }
    }
    if upload.filename.is_empty() {
        return Err(invalid(
            "file",
            "Choose a file to upload (form field \"file\").".into(),
        ));
    }
    Ok(upload)
}

/// The form fields of an upload besides `file`.
const UPLOAD_FIELDS: &[&str] = &["title", "audience", "doc_type", "category"];
/// The longest title and category an upload may give.
pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_CATEGORY_CHARS: usize = 40;

/// `POST /api/desk/kb/documents` (admin, multipart): 202 with the document; progress follows
/// on the live stream.
pub async fn upload(
    State(service): State<Arc<KnowledgeService>>,
    State(audit): State<Audit>,
    Admin(admin): Admin,
    ClientIp(ip): ClientIp,
    form: Multipart,
) -> Response {
    let upload = match read_upload(form).await {
        Ok(u) => u,
        Err(r) => return *r,
    };
    match service.accept(upload, &admin.email).await {
        Ok(accepted) => {
            let target = format!(
                "document {} ({})",
                accepted.document.id, accepted.document.filename
            );
            let detail = format!("{} bytes", accepted.document.bytes);
            audit
                .staff(&admin, &ip, "kb.upload", &target, &detail)
                .await;
            (
                StatusCode::ACCEPTED,
                Json(DocumentAccepted {
                    document: accepted.document,
                    job_id: accepted.job_id,
                }),
            )
                .into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// `GET /api/desk/kb/documents` (admin).
pub async fn list(
    State(store): State<Store>,
    State(service): State<Arc<KnowledgeService>>,
    Admin(_): Admin,
) -> Response {
    let listed = async {
        let documents = store.list_documents().await?;
        let jobs = store.open_jobs(50).await?;
        Ok::<_, store::StoreError>((documents, jobs))
    };
    match listed.await {
        Ok((documents, jobs)) => Json(DocumentList {
            documents,
            shipped_chunks: kb::catalogue().len(),
            searchable_chunks: service.knowledge_base().map(|k| k.chunks().len()),
            knowledge: service.state(),
            jobs: jobs.into_iter().map(Into::into).collect(),
        })
        .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "cannot list documents");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "The documents could not be loaded.",
            )
        }
    }
}

/// `GET /api/desk/kb/documents/{id}/chunks` (admin).
pub async fn chunks(State(store): State<Store>, Admin(_): Admin, Path(id): Path<i64>) -> Response {
    match (store.document(id).await, store.document_chunks(id).await) {
        (Ok(Some(document)), Ok(chunks)) => {
            Json(DocumentChunks { document, chunks }).into_response()
        }
        (Ok(None), _) => error(StatusCode::NOT_FOUND, "There is no such document."),
        (Err(e), _) | (_, Err(e)) => {
            tracing::error!(error = %e, "cannot read a document's chunks");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "The chunks could not be loaded.",
            )
        }
    }
}

/// `DELETE /api/desk/kb/documents/{id}` (admin).
pub async fn delete(
    State(service): State<Arc<KnowledgeService>>,
    State(audit): State<Audit>,
    Admin(admin): Admin,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
) -> Response {
    match service.remove(id).await {
        Ok(removed) => {
            let detail = format!("{removed} chunks removed");
            audit
                .staff(&admin, &ip, "kb.delete", &format!("document {id}"), &detail)
                .await;
            Json(DocumentDeleted {
                deleted: id,
                chunks_removed: removed,
            })
            .into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// `POST /api/desk/kb/reindex` (admin): queues the job that embeds every chunk again; 202 with
/// the job, progress on the stream; 409 while one is queued or running.
pub async fn reindex(
    State(service): State<Arc<KnowledgeService>>,
    State(audit): State<Audit>,
    Admin(admin): Admin,
    ClientIp(ip): ClientIp,
) -> Response {
    match service.start_reindex().await {
        Ok((chunks, job_id)) => {
            tracing::info!(admin = admin.id, "re-index started");
            let detail = format!("{chunks} chunks, job {job_id}");
            audit.staff(&admin, &ip, "kb.reindex", "", &detail).await;
            (
                StatusCode::ACCEPTED,
                Json(ReindexStarted {
                    started: true,
                    chunks,
                    job_id,
                }),
            )
                .into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// Knowledge-base documents (admin): upload (rate limited, with its body limit), list, delete,
/// chunks, re-index.
pub fn router(state: &ServerState) -> Router<ServerState> {
    Router::new()
        .route(
            desk_api::DOCUMENTS.template(),
            get(list)
                .post(upload)
                .route_layer(axum::middleware::from_fn_with_state(
                    state.chat_limit.clone(),
                    crate::http::rate_limit::limit_chat,
                ))
                .layer(axum::extract::DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route(
            desk_api::DELETE_DOCUMENT.template(),
            axum::routing::delete(delete),
        )
        .route(desk_api::DOCUMENT_CHUNKS.template(), get(chunks))
        .route(desk_api::REINDEX.template(), axum::routing::post(reindex))
}
