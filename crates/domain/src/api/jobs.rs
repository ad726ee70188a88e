//! Background jobs (a document's ingestion, a re-index of everything) as clients and the desk
//! see them.

use crate::time::{DateTime, Utc};
use serde::{Deserialize, Serialize};

text_enum!(
    /// Queued (waiting, or waiting to retry), running on an instance, done, or failed for good.
    JobStatus, "job status" {
        Queued = "queued",
        Running = "running",
        Done = "done",
        Failed = "failed",
    }
);

text_enum!(
    /// What a job does.
    JobKind, "job kind" {
        /// Embeds and indexes an uploaded document's passages.
        Ingest = "ingest",
        /// Embeds every passage again and drops vectors no passage owns.
        Reindex = "reindex",
    }
);

/// A job and its progress (`GET /api/v1/jobs/{id}`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Job {
    pub id: i64,
    pub kind: JobKind,
    pub status: JobStatus,
    /// The document it indexes (none for a re-index).
    pub document_id: Option<i64>,
    /// Attempts so far (a failed one is retried after a growing delay).
    pub attempts: i64,
    /// Passages indexed of `total`.
    pub done: i64,
    pub total: i64,
    /// Why the last attempt failed.
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}
