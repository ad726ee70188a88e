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
///
/// Read through `KnowledgeStateWire`: a derived internally tagged enum first copies the object
/// into serde's generic buffer (`Content`) to find its tag, code the customer's page would carry
/// only for this; the flat struct reads the same JSON in one pass.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "state",
    rename_all = "snake_case",
    try_from = "KnowledgeStateWire"
)]
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

/// `KnowledgeState` as JSON has it: the tag and every variant's fields, those of the other
/// variants absent.
#[derive(Deserialize)]
struct KnowledgeStateWire {
    state: String,
    backend: Option<String>,
    embedding_model: Option<String>,
    chunks: Option<usize>,
    indexed_now: Option<usize>,
    elapsed_ms: Option<u64>,
    reason: Option<String>,
}

impl TryFrom<KnowledgeStateWire> for KnowledgeState {
    type Error = String;

    fn try_from(wire: KnowledgeStateWire) -> Result<Self, String> {
        let missing = |field: &str| format!("a {} knowledge state needs `{field}`", wire.state);
        match wire.state.as_str() {
            "loading" => Ok(KnowledgeState::Loading),
            "ready" => Ok(KnowledgeState::Ready {
                backend: wire.backend.ok_or_else(|| missing("backend"))?,
                embedding_model: wire
                    .embedding_model
                    .ok_or_else(|| missing("embedding_model"))?,
                chunks: wire.chunks.ok_or_else(|| missing("chunks"))?,
                indexed_now: wire.indexed_now.ok_or_else(|| missing("indexed_now"))?,
                elapsed_ms: wire.elapsed_ms.ok_or_else(|| missing("elapsed_ms"))?,
            }),
            "failed" => Ok(KnowledgeState::Failed {
                reason: wire.reason.ok_or_else(|| missing("reason"))?,
            }),
            other => Err(format!(
                "unknown knowledge state `{other}`: expected loading, ready or failed"
            )),
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_knowledge_state_reads_back_what_it_wrote() {
        for state in [
            KnowledgeState::Loading,
            KnowledgeState::Ready {
                backend: "Qdrant Edge (embedded)".into(),
                embedding_model: "bge-small".into(),
                chunks: 120,
                indexed_now: 3,
                elapsed_ms: 840,
            },
            KnowledgeState::Failed {
                reason: "the model is missing".into(),
            },
        ] {
            let json = serde_json::to_string(&state).expect("serialises");
            let back: KnowledgeState = serde_json::from_str(&json).expect("reads back");
            assert_eq!(back, state, "{json}");
        }
        assert_eq!(
            serde_json::to_value(KnowledgeState::Loading).expect("serialises"),
            serde_json::json!({"state": "loading"})
        );
        let partial = serde_json::from_str::<KnowledgeState>(r#"{"state":"ready","chunks":1}"#);
        assert!(partial.is_err_and(|e| e.to_string().contains("needs `backend`")));
        assert!(serde_json::from_str::<KnowledgeState>(r#"{"state":"gone"}"#).is_err());
    }
}
