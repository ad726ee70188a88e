//! Knowledge-base management endpoints (admin): upload a document, list documents and chunks,
//! delete one, re-index everything. The work is `services::knowledge`'s.

use crate::http::auth::Admin;
use crate::http::error::{Refused, error, refuse};
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

/// Reads `file` and the optional `title`, `audience`, `doc_type`, `category` fields.
pub async fn read_upload(mut form: Multipart) -> Result<Upload, Refused> {
    let mut upload = Upload {
        filename: String::new(),
        bytes: Vec::new(),
        title: None,
        audience: "customer".into(),
        doc_type: "policy".into(),
        category: "general".into(),
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
        } else {
            let Ok(value) = field.text().await else {
                return Err(refuse(
                    StatusCode::BAD_REQUEST,
                    "A form field could not be read.",
                ));
            };
            let value = value.trim().to_owned();
            match name.as_str() {
                "title" if !value.is_empty() => upload.title = Some(value),
                "audience" if !value.is_empty() => upload.audience = value,
                "doc_type" if !value.is_empty() => upload.doc_type = value,
                "category" if !value.is_empty() => upload.category = value.to_lowercase(),
                _ => {}
            }
        }
    }
    if upload.filename.is_empty() {
        return Err(refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Choose a file to upload (form field \"file\").",
        ));
    }
    Ok(upload)
}

/// `POST /api/desk/kb/documents` (admin, multipart): 202 with the document; progress follows
/// on the live stream.
pub async fn upload(
    State(service): State<Arc<KnowledgeService>>,
    Admin(admin): Admin,
    form: Multipart,
) -> Response {
    let upload = match read_upload(form).await {
        Ok(u) => u,
        Err(r) => return *r,
    };
    match service.accept(upload, &admin.email).await {
        Ok(accepted) => (
            StatusCode::ACCEPTED,
            Json(DocumentAccepted {
                document: accepted.document,
                job_id: accepted.job_id,
            }),
        )
            .into_response(),
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
    Admin(_): Admin,
    Path(id): Path<i64>,
) -> Response {
    match service.remove(id).await {
        Ok(removed) => Json(DocumentDeleted {
            deleted: id,
            chunks_removed: removed,
        })
        .into_response(),
        Err(e) => e.into_response(),
    }
}

/// `POST /api/desk/kb/reindex` (admin): embeds every chunk again; 202, progress on the stream.
pub async fn reindex(
    State(service): State<Arc<KnowledgeService>>,
    Admin(admin): Admin,
) -> Response {
    match service.start_reindex() {
        Ok(chunks) => {
            tracing::info!(admin = admin.id, "re-index started");
            (
                StatusCode::ACCEPTED,
                Json(ReindexStarted {
                    started: true,
                    chunks,
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
