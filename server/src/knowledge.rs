//! Knowledge-base management: upload a document (type checked by content, size limited), cut it
//! into heading-aware overlapping chunks, embed and upsert them with progress on the live
//! stream, list documents and chunks, delete a document with its vectors, re-index everything.

use crate::auth::{Admin, Refused, error, refuse};
use crate::support::SupportService;
use axum::Json;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kb::ingest::{self, ChunkOptions, DocumentLabels, MAX_DOCUMENT_BYTES};
use serde_json::json;
use std::sync::Arc;
use std::time::Instant;
use store::Store;
use store::operations::{Document, DocumentChunk, NewDocument};
use tokio::sync::Mutex;

/// The request body limit of an upload: the document plus its form fields.
pub const UPLOAD_BODY_LIMIT: usize = MAX_DOCUMENT_BYTES + 64 * 1024;

/// One indexing job at a time: embedding holds the CPU, and two re-indexes must not interleave.
#[derive(Clone, Default)]
pub struct IndexingLock(Arc<Mutex<()>>);

/// A stored chunk back into the knowledge base's form.
pub fn chunk_of(row: DocumentChunk) -> kb::Chunk {
    kb::Chunk::from_stored(
        row.id,
        row.audience,
        row.doc_type,
        row.category,
        row.title,
        &row.tags,
        row.content,
    )
}

/// An upload as read from a multipart form.
pub struct Upload {
    pub filename: String,
    pub bytes: Vec<u8>,
    pub title: Option<String>,
    pub audience: String,
    pub doc_type: String,
    pub category: String,
}

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

/// What an accepted upload became, and the job indexing it.
pub struct Accepted {
    pub document: Document,
    pub indexing: tokio::task::JoinHandle<()>,
}

/// Checks and cuts the document now (so a bad file is refused at once), records it, and indexes
/// it in the background with progress on the live stream.
pub async fn accept(
    service: &Arc<SupportService>,
    lock: &IndexingLock,
    upload: Upload,
    uploaded_by: &str,
) -> Result<Accepted, Refused> {
    let Some(kb) = service.knowledge_base() else {
        return Err(refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "The knowledge base is still loading; try again in a moment.",
        ));
    };
    let started = Instant::now();
    let filename: String = upload.filename.chars().take(200).collect();
    let bytes = upload.bytes;
    let name = filename.clone();
    let extracted = tokio::task::spawn_blocking(move || {
        ingest::extract(&name, &bytes).map(|e| (e, bytes.len()))
    })
    .await
    .map_err(|_| {
        refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "The document could not be read.",
        )
    })?
    .map_err(|e| refuse(StatusCode::UNPROCESSABLE_ENTITY, &e.to_string()))?;
    let (extracted, size) = extracted;
    let title: String = upload
        .title
        .or_else(|| extracted.title.clone())
        .unwrap_or_else(|| {
            filename
                .rsplit_once('.')
                .map_or(filename.clone(), |(stem, _)| stem.to_owned())
        })
        .chars()
        .take(200)
        .collect();
    let mut labels = DocumentLabels {
        document_id: 0,
        title: title.clone(),
        audience: upload.audience,
        doc_type: upload.doc_type,
        category: upload.category,
    };
    labels
        .validate()
        .map_err(|m| refuse(StatusCode::UNPROCESSABLE_ENTITY, &m))?;
    let store = service.store();
    let id = store
        .create_document(&NewDocument {
            title: &title,
            filename: &filename,
            media_type: extracted.kind.media_type(),
            bytes: size as i64,
            audience: &labels.audience,
            doc_type: &labels.doc_type,
            category: &labels.category,
            uploaded_by,
        })
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "cannot record a document");
            refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "The document could not be saved; try again.",
            )
        })?;
    labels.document_id = id;
    let chunks = ingest::chunk(&extracted, &labels, &ChunkOptions::default());
    let document = store.document(id).await.ok().flatten().ok_or_else(|| {
        refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "The document could not be saved; try again.",
        )
    })?;
    tracing::info!(
        document_id = id,
        kind = extracted.kind.label(),
        bytes = size,
        chunks = chunks.len(),
        parse_ms = started.elapsed().as_millis() as u64,
        "document accepted"
    );
    let hub = service.hub().clone();
    let lock = lock.clone();
    let indexing = tokio::spawn(async move {
        let _turn = lock.0.lock().await;
        let total = chunks.len();
        let progress_hub = hub.clone();
        let progress = move |done: usize, total: usize| {
            progress_hub.publish_to_staff(
                "kb",
                json!({ "document_id": id, "status": "indexing", "done": done, "total": total }),
            );
        };
        let started = Instant::now();
        let rows: Vec<(String, String, String, String)> = chunks
            .iter()
            .map(|c| {
                (
                    c.id.clone(),
                    c.title.clone(),
                    c.tags_csv(),
                    c.content.clone(),
                )
            })
            .collect();
        let outcome = match kb.add_chunks(chunks, &progress).await {
            Ok(()) => store
                .finish_document(id, &rows)
                .await
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        let (status, message) = match outcome {
            Ok(()) => {
                let secs = started.elapsed().as_secs_f64();
                tracing::info!(
                    document_id = id,
                    chunks = total,
                    seconds = secs,
                    chunks_per_second = total as f64 / secs.max(1e-9),
                    "document indexed"
                );
                ("ready", None)
            }
            Err(e) => {
                tracing::error!(document_id = id, error = %e, "document indexing failed");
                // Whatever reached the index is taken out again.
                let _ = kb.remove_prefix(&ingest::chunk_id_prefix(id)).await;
                let message = format!("Indexing failed: {e}");
                let _ = store.fail_document(id, &message).await;
                ("failed", Some(message))
            }
        };
        hub.publish_to_staff("kb", json!({ "document_id": id, "status": status, "done": total, "total": total, "error": message }));
    });
    Ok(Accepted { document, indexing })
}

/// `POST /api/staff/kb/documents` (admin, multipart): 202 with the document; progress follows
/// on the live stream.
pub async fn upload(
    State(service): State<Arc<SupportService>>,
    State(lock): State<IndexingLock>,
    Admin(admin): Admin,
    form: Multipart,
) -> Response {
    let upload = match read_upload(form).await {
        Ok(u) => u,
        Err(r) => return *r,
    };
    match accept(&service, &lock, upload, &admin.email).await {
        Ok(accepted) => (
            StatusCode::ACCEPTED,
            Json(json!({ "document": accepted.document })),
        )
            .into_response(),
        Err(r) => *r,
    }
}

/// `GET /api/staff/kb/documents` (admin).
pub async fn list(
    State(store): State<Store>,
    State(service): State<Arc<SupportService>>,
    Admin(_): Admin,
) -> Response {
    match store.list_documents().await {
        Ok(documents) => Json(json!({
            "documents": documents,
            "shipped_chunks": kb::catalogue().len(),
            "searchable_chunks": service.knowledge_base().map(|k| k.chunks().len()),
            "knowledge": service.knowledge(),
        }))
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

/// `GET /api/staff/kb/documents/{id}/chunks` (admin).
pub async fn chunks(State(store): State<Store>, Admin(_): Admin, Path(id): Path<i64>) -> Response {
    match (store.document(id).await, store.document_chunks(id).await) {
        (Ok(Some(document)), Ok(chunks)) => {
            Json(json!({ "document": document, "chunks": chunks })).into_response()
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

/// Deletes a document: searches stop finding it, its vectors go, then its rows.
pub async fn remove(service: &SupportService, id: i64) -> Result<usize, Refused> {
    let store = service.store();
    match store.document(id).await {
        Ok(Some(_)) => {}
        Ok(None) => return Err(refuse(StatusCode::NOT_FOUND, "There is no such document.")),
        Err(e) => {
            tracing::error!(error = %e, "cannot read a document");
            return Err(refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "The document could not be deleted; try again.",
            ));
        }
    }
    let removed = match service.knowledge_base() {
        Some(kb) => kb
            .remove_prefix(&ingest::chunk_id_prefix(id))
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "cannot delete a document's vectors");
                refuse(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "The document's vectors could not be deleted; try again.",
                )
            })?,
        None => 0,
    };
    store.delete_document(id).await.map_err(|e| {
        tracing::error!(error = %e, "cannot delete a document");
        refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "The document could not be deleted; try again.",
        )
    })?;
    service
        .hub()
        .publish_to_staff("kb", json!({ "document_id": id, "status": "deleted" }));
    Ok(removed)
}

/// `DELETE /api/staff/kb/documents/{id}` (admin).
pub async fn delete(
    State(service): State<Arc<SupportService>>,
    Admin(_): Admin,
    Path(id): Path<i64>,
) -> Response {
    match remove(&service, id).await {
        Ok(removed) => Json(json!({ "deleted": id, "chunks_removed": removed })).into_response(),
        Err(r) => *r,
    }
}

/// `POST /api/staff/kb/reindex` (admin): embeds every chunk again; 202, progress on the stream.
pub async fn reindex(
    State(service): State<Arc<SupportService>>,
    State(lock): State<IndexingLock>,
    Admin(admin): Admin,
) -> Response {
    let Some(kb) = service.knowledge_base() else {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "The knowledge base is still loading; try again in a moment.",
        );
    };
    let Ok(guard) = lock.0.clone().try_lock_owned() else {
        return error(
            StatusCode::CONFLICT,
            "Indexing is already running; wait for it to finish.",
        );
    };
    let hub = service.hub().clone();
    tracing::info!(admin = admin.id, "re-index started");
    tokio::spawn(async move {
        let _guard = guard;
        let progress_hub = hub.clone();
        let progress = move |done: usize, total: usize| {
            progress_hub.publish_to_staff(
                "kb",
                json!({ "reindex": true, "status": "indexing", "done": done, "total": total }),
            );
        };
        let data = match kb.reindex(&progress).await {
            Ok(report) => {
                tracing::info!(
                    chunks = report.total,
                    removed = report.removed,
                    elapsed_ms = report.elapsed_ms,
                    "re-index finished"
                );
                json!({ "reindex": true, "status": "ready", "done": report.total, "total": report.total, "elapsed_ms": report.elapsed_ms })
            }
            Err(e) => {
                tracing::error!(error = %e, "re-index failed");
                json!({ "reindex": true, "status": "failed", "error": e.to_string() })
            }
        };
        hub.publish_to_staff("kb", data);
    });
    (StatusCode::ACCEPTED, Json(json!({ "started": true, "chunks": service.knowledge_base().map(|k| k.chunks().len()) }))).into_response()
}
