//! Durable jobs: a queued document ingestion or re-index survives a restart and is taken over
//! from an instance that died. An instance claims one runnable job at a time (queued and due, or running
//! with an expired lease) and keeps renewing its lease while it works; every change names the
//! owner, so an instance that lost its lease cannot overwrite the new owner's work.

use crate::claim::{Claim, ExtraBind};
use crate::{BeginWrite, Result, Store, with_pool};
use chrono::{DateTime, Utc};
use domain::api::jobs::{Job, JobKind, JobStatus};

/// A job as stored.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct JobRow {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub kind: JobKind,
    pub document_id: Option<i64>,
    #[sqlx(try_from = "String")]
    pub status: JobStatus,
    pub attempts: i64,
    pub done: i64,
    pub total: i64,
    pub error: Option<String>,
    pub created_ms: i64,
    pub finished_ms: Option<i64>,
}

impl From<JobRow> for Job {
    fn from(row: JobRow) -> Job {
        let at = |ms: i64| DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or_default();
        Job {
            id: row.id,
            kind: row.kind,
            status: row.status,
            document_id: row.document_id,
            attempts: row.attempts,
            done: row.done,
            total: row.total,
            error: row.error,
            created_at: at(row.created_ms),
            finished_at: row.finished_ms.map(at),
        }
    }
}

const JOB_COLUMNS: &str =
    "id, kind, document_id, status, attempts, done, total, error, created_ms, finished_ms";

impl Store {
    /// Stores a document's passages (still `indexing`) and queues the job that indexes them, in
    /// one transaction: either both are there or neither. `chunks`: (id, title, tags, content).
    pub async fn queue_ingest(
        &self,
        document_id: i64,
        chunks: &[(String, String, String, String)],
        now_ms: i64,
    ) -> Result<i64> {
        let id = with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM kb_chunks WHERE document_id = $1").bind(document_id).execute(&mut *tx).await?;
            for (position, (chunk_id, title, tags, content)) in chunks.iter().enumerate() {
                sqlx::query("INSERT INTO kb_chunks (id, document_id, position, title, tags, content) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(chunk_id).bind(document_id).bind(position as i64).bind(title).bind(tags).bind(content)
                    .execute(&mut *tx).await?;
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO jobs (kind, document_id, status, total, created_ms) VALUES ($1, $2, 'queued', $3, $4) RETURNING id",
            )
            .bind(JobKind::Ingest.as_str()).bind(document_id).bind(chunks.len() as i64).bind(now_ms)
            .fetch_one(&mut *tx).await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(id)
        })?;
        Ok(id)
    }

    /// Queues a re-index of `chunks` passages; `None` when one is already queued or running (on
    /// any instance: a partial unique index keeps it to one, even when two ask at once).
    pub async fn queue_reindex(&self, chunks: i64, now_ms: i64) -> Result<Option<i64>> {
        let queued = with_pool!(self, pool => sqlx::query_scalar::<_, i64>(
            "INSERT INTO jobs (kind, status, total, created_ms) VALUES ($1, 'queued', $2, $3) RETURNING id",
        ).bind(JobKind::Reindex.as_str()).bind(chunks).bind(now_ms).fetch_one(pool).await);
        match queued {
            Ok(id) => Ok(Some(id)),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Claims the oldest runnable job for `owner` until `now_ms + lease_ms`: a queued one that
    /// is due, or a running one whose lease has run out (its instance died). `None`: nothing to do.
    pub async fn claim_job(
        &self,
        owner: &str,
        now_ms: i64,
        lease_ms: i64,
    ) -> Result<Option<JobRow>> {
        self.claim_one(Claim {
            table: "jobs",
            due: "(status = 'queued' AND run_after_ms <= $1) OR (status = 'running' AND lease_until_ms < $1)",
            set: "status = 'running', owner = $2, lease_until_ms = $1 + $3, attempts = attempts + 1",
            columns: JOB_COLUMNS,
            now_ms,
            extra: vec![ExtraBind::Text(owner.to_owned()), ExtraBind::Int(lease_ms)],
        })
        .await
    }

    /// Renews `owner`'s lease and records progress; `false` when the job is no longer its own.
    pub async fn heartbeat_job(
        &self,
        id: i64,
        owner: &str,
        lease_until_ms: i64,
        done: i64,
    ) -> Result<bool> {
        let n = with_pool!(self, pool => sqlx::query(
            "UPDATE jobs SET lease_until_ms = $1, done = $2 WHERE id = $3 AND owner = $4 AND status = 'running'",
        ).bind(lease_until_ms).bind(done).bind(id).bind(owner).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Marks the job done and its document ready, in one transaction; `false` when the job is no
    /// longer `owner`'s (another instance took it over, and finishes it).
    pub async fn finish_ingest(
        &self,
        id: i64,
        owner: &str,
        document_id: i64,
        chunks: i64,
        now_ms: i64,
    ) -> Result<bool> {
        let finished = with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query(
                "UPDATE jobs SET status = 'done', done = total, error = NULL, finished_ms = $1 WHERE id = $2 AND owner = $3 AND status = 'running'",
            ).bind(now_ms).bind(id).bind(owner).execute(&mut *tx).await?.rows_affected();
            if n == 1 {
                sqlx::query("UPDATE kb_documents SET status = 'ready', chunks = $1, error = NULL, indexed_at = $2 WHERE id = $3")
                    .bind(chunks).bind(Utc::now()).bind(document_id).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(n == 1)
        })?;
        Ok(finished)
    }

    /// Marks a job without a document (a re-index) done with `total` passages; `false` when the
    /// job is no longer `owner`'s.
    pub async fn finish_job(&self, id: i64, owner: &str, total: i64, now_ms: i64) -> Result<bool> {
        let n = with_pool!(self, pool => sqlx::query(
            "UPDATE jobs SET status = 'done', done = $1, total = $1, error = NULL, finished_ms = $2 WHERE id = $3 AND owner = $4 AND status = 'running'",
        ).bind(total).bind(now_ms).bind(id).bind(owner).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// A failed attempt: queued again to run after `run_after_ms`, or, with `give_up`, failed
    /// for good with its document. `false` when the job is no longer `owner`'s.
    pub async fn fail_job_attempt(
        &self,
        id: i64,
        owner: &str,
        error: &str,
        run_after_ms: i64,
        give_up: bool,
        now_ms: i64,
    ) -> Result<bool> {
        let changed = with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = if give_up {
                sqlx::query("UPDATE jobs SET status = 'failed', error = $1, finished_ms = $2 WHERE id = $3 AND owner = $4 AND status = 'running'")
                    .bind(error).bind(now_ms).bind(id).bind(owner).execute(&mut *tx).await?.rows_affected()
            } else {
                sqlx::query("UPDATE jobs SET status = 'queued', error = $1, run_after_ms = $2, owner = NULL WHERE id = $3 AND owner = $4 AND status = 'running'")
                    .bind(error).bind(run_after_ms).bind(id).bind(owner).execute(&mut *tx).await?.rows_affected()
            };
            if n == 1 && give_up {
                sqlx::query("UPDATE kb_documents SET status = 'failed', error = $1 WHERE id = (SELECT document_id FROM jobs WHERE id = $2)")
                    .bind(error).bind(id).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(n == 1)
        })?;
        Ok(changed)
    }

    pub async fn job(&self, id: i64) -> Result<Option<JobRow>> {
        let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1");
        let row = with_pool!(self, pool => sqlx::query_as::<_, JobRow>(&sql).bind(id).fetch_optional(pool).await)?;
        Ok(row)
    }

    /// The newest job of a document.
    pub async fn document_job(&self, document_id: i64) -> Result<Option<JobRow>> {
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE document_id = $1 ORDER BY id DESC LIMIT 1"
        );
        let row = with_pool!(self, pool => sqlx::query_as::<_, JobRow>(&sql).bind(document_id).fetch_optional(pool).await)?;
        Ok(row)
    }

    /// Jobs not done (queued, running, failed), newest first, at most `limit`.
    pub async fn open_jobs(&self, limit: i64) -> Result<Vec<JobRow>> {
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE status <> 'done' ORDER BY id DESC LIMIT $1"
        );
        let rows = with_pool!(self, pool => sqlx::query_as::<_, JobRow>(&sql).bind(limit).fetch_all(pool).await)?;
        Ok(rows)
    }
}
