//! The knowledge base on the desk (admins): uploaded documents, their passages, re-indexing,
//! and where the base stands.

use crate::time::{DateTime, Utc};
use serde::{Deserialize, Serialize};

text_enum!(
    DocumentStatus, "document status" {
        Indexing = "indexing",
        Ready = "ready",
        Failed = "failed",
    }
);

/// An uploaded document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Document {
    pub id: i64,
    pub title: String,
    pub filename: String,
    pub media_type: String,
    pub bytes: i64,
    pub audience: String,
    pub doc_type: String,
    pub category: String,
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "String"))]
    pub status: DocumentStatus,
    pub chunks: i64,
    pub error: Option<String>,
    pub uploaded_by: String,
    pub created_at: DateTime<Utc>,
    pub indexed_at: Option<DateTime<Utc>>,
}

/// A stored passage of an uploaded document, with its document's labels.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct DocumentChunk {
    pub id: String,
    pub document_id: i64,
    pub position: i64,
    pub title: String,
    /// Comma-separated.
    pub tags: String,
    pub content: String,
    pub audience: String,
    pub doc_type: String,
    pub category: String,
}

/// Where the knowledge base stands, for the desk and /health/ready.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum KnowledgeState {
    Loading,
    Ready {
        backend: String,
        embedding_model: String,
        chunks: usize,
        indexed_now: usize,
        elapsed_ms: u64,
    },
    Failed {
        reason: String,
    },
}

/// `GET /api/desk/kb/documents`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DocumentList {
    pub documents: Vec<Document>,
    /// Passages that ship with the app.
    pub shipped_chunks: usize,
    /// Everything searchable now; absent while the base loads.
    pub searchable_chunks: Option<usize>,
    pub knowledge: KnowledgeState,
    /// The jobs not done yet (queued, running or failed), newest first: where each upload's
    /// indexing stands, on whichever instance runs it.
    #[serde(default)]
    pub jobs: Vec<super::jobs::Job>,
}

/// `POST /api/desk/kb/documents` (202): indexing goes on; progress comes on the live stream.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentAccepted {
    pub document: Document,
    /// The job indexing it (`GET /api/v1/jobs/{id}`).
    pub job_id: i64,
}

/// `GET /api/desk/kb/documents/{id}/chunks`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentChunks {
    pub document: Document,
    pub chunks: Vec<DocumentChunk>,
}

/// `DELETE /api/desk/kb/documents/{id}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentDeleted {
    pub deleted: i64,
    pub chunks_removed: usize,
}

/// `POST /api/desk/kb/reindex` (202).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReindexStarted {
    pub started: bool,
    pub chunks: usize,
    /// The durable job that runs it (`GET /api/v1/jobs/{id}`): whichever instance claims it.
    pub job_id: i64,
}

/// Indexing progress on the live stream (event `kb`): one document, or the whole re-index.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IndexingProgress {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_id: Option<i64>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reindex: bool,
    /// indexing, ready, failed or deleted.
    pub status: String,
    #[serde(default)]
    pub done: usize,
    #[serde(default)]
    pub total: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elapsed_ms: Option<u64>,
}
