//! The job runner: each instance claims runnable jobs (a document's ingestion, a re-index) from
//! the database (`store::jobs`), one at a time, renews its lease while it works, and retries a failed attempt after a growing delay.
//! A job whose instance died is claimed again once its lease runs out, so a restart or a lost
//! machine loses no upload and no re-index. On shutdown the runner stops claiming and the job in hand gets the
//! drain time to finish (`TaskTracker`); if it does not, its lease lapses and another instance
//! (or this one, restarted) takes it over.

use crate::services::live::Hub;
use domain::api::jobs::JobKind;
use domain::api::knowledge::IndexingProgress;
use kb::ingest;
use std::sync::Arc;
use std::time::Duration;
use store::Store;
use store::jobs::JobRow;
use tokio::sync::Notify;
use tokio_util::task::TaskTracker;

/// Attempts before a job fails for good.
const MAX_ATTEMPTS: i64 = 3;
/// How often an idle runner looks for work another instance queued.
const POLL: Duration = Duration::from_secs(2);

/// This instance's side of the queue: who it is, its lease, and how to wake its runner.
#[derive(Clone)]
pub struct JobQueue {
    owner: String,
    lease: Duration,
    wake: Arc<Notify>,
    tracker: TaskTracker,
}

impl JobQueue {
    /// `instance`: a readable name for this machine (the owner also carries a random part, so
    /// two processes on one machine are two owners).
    pub fn new(lease: Duration, instance: &str) -> JobQueue {
        JobQueue {
            owner: format!("{instance}-{}", uuid::Uuid::new_v4().simple()),
            lease,
            wake: Arc::new(Notify::new()),
            tracker: TaskTracker::new(),
        }
    }

    /// A job was queued here: run it now rather than at the next poll.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Stops claiming and waits up to `within` for the job in hand.
    pub async fn drain(&self, within: Duration) {
        self.tracker.close();
        if tokio::time::timeout(within, self.tracker.wait())
            .await
            .is_err()
        {
            tracing::warn!(
                "a job was still running at shutdown; its lease will lapse and another instance takes it over"
            );
        }
    }

    /// Runs jobs until the hub shuts down, with `kb` as this instance's knowledge base.
    pub fn start(
        &self,
        store: Store,
        hub: Hub,
        kb: Arc<kb::KnowledgeBase>,
        lock: super::knowledge::IndexingLock,
    ) {
        let queue = self.clone();
        self.tracker.spawn(async move {
            let mut shutdown = hub.closing();
            loop {
                if queue.tracker.is_closed() {
                    return;
                }
                let now = now_ms();
                let lease = i64::try_from(queue.lease.as_millis()).unwrap_or(60_000);
                match store.claim_job(&queue.owner, now, lease).await {
                    Ok(Some(job)) => {
                        let _turn = lock.0.lock().await;
                        run(&queue, &store, &hub, &kb, job).await;
                        continue;
                    }
                    Ok(None) => {}
                    Err(e) => tracing::warn!(error = %e, "cannot look for jobs"),
                }
                tokio::select! {
                    () = queue.wake.notified() => {}
                    () = tokio::time::sleep(POLL) => {}
                    _ = shutdown.wait_for(|stop| *stop) => return,
                }
            }
        });
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// What a claimed job does here.
#[derive(Clone, Copy)]
enum Work {
    /// Index one uploaded document.
    Ingest(i64),
    /// Embed every passage again.
    Reindex,
}

impl Work {
    fn of(job: &JobRow) -> Option<Work> {
        match (job.kind, job.document_id) {
            (JobKind::Ingest, Some(id)) => Some(Work::Ingest(id)),
            (JobKind::Ingest, None) => None,
            (JobKind::Reindex, _) => Some(Work::Reindex),
        }
    }

    /// Progress of this work as the live stream carries it.
    fn progress(self, status: &str, done: usize, total: usize) -> IndexingProgress {
        IndexingProgress {
            document_id: match self {
                Work::Ingest(id) => Some(id),
                Work::Reindex => None,
            },
            reindex: matches!(self, Work::Reindex),
            status: status.into(),
            done,
            total,
            ..IndexingProgress::default()
        }
    }
}

/// One attempt at a job, with a heartbeat renewing the lease and recording progress.
async fn run(queue: &JobQueue, store: &Store, hub: &Hub, kb: &Arc<kb::KnowledgeBase>, job: JobRow) {
    let Some(work) = Work::of(&job) else {
        tracing::error!(
            job = job.id,
            "an ingestion job names no document; it is failed"
        );
        let _ = store
            .fail_job_attempt(
                job.id,
                &queue.owner,
                "The job names no document.",
                0,
                true,
                now_ms(),
            )
            .await;
        return;
    };
    let lease = i64::try_from(queue.lease.as_millis()).unwrap_or(60_000);
    let done = Arc::new(std::sync::atomic::AtomicI64::new(0));
    let heartbeat = {
        let (store, owner, done, id) = (store.clone(), queue.owner.clone(), done.clone(), job.id);
        let every = queue.lease / 3;
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                let progress = done.load(std::sync::atomic::Ordering::Relaxed);
                match store
                    .heartbeat_job(id, &owner, now_ms() + lease, progress)
                    .await
                {
                    Ok(true) => {}
                    Ok(false) => return,
                    Err(e) => tracing::warn!(error = %e, job = id, "cannot renew a job's lease"),
                }
            }
        })
    };
    let counter = done.clone();
    let progress_hub = hub.clone();
    let progress = move |n: usize, total: usize| {
        counter.store(
            i64::try_from(n).unwrap_or(0),
            std::sync::atomic::Ordering::Relaxed,
        );
        progress_hub.publish_to_staff("kb", &work.progress("indexing", n, total));
    };
    let outcome = match work {
        Work::Ingest(document_id) => ingest_document(store, kb, document_id, &progress).await,
        Work::Reindex => reindex(store, kb, &progress).await,
    };
    heartbeat.abort();
    let now = now_ms();
    let (status, error, total) = match outcome {
        Ok(total) => {
            let finished = match work {
                Work::Ingest(document_id) => {
                    store
                        .finish_ingest(job.id, &queue.owner, document_id, total, now)
                        .await
                }
                Work::Reindex => store.finish_job(job.id, &queue.owner, total, now).await,
            };
            match finished {
                Ok(true) => {
                    tracing::info!(job = job.id, kind = %job.kind, chunks = total, "job done");
                    ("ready", None, total)
                }
                Ok(false) => return, // Another instance took the job over; it reports.
                Err(e) => ("failed", Some(e.to_string()), total),
            }
        }
        Err(e) => {
            let give_up = job.attempts >= MAX_ATTEMPTS;
            // 2 s, 4 s, … between attempts.
            let delay = 1_000 * (1_i64 << job.attempts.clamp(1, 10));
            let message = format!("Indexing failed: {e}");
            tracing::error!(job = job.id, kind = %job.kind, attempt = job.attempts, give_up, error = %e, "job failed");
            if let Work::Ingest(document_id) = work {
                // Whatever reached the index is taken out again.
                let _ = kb
                    .remove_prefix(&ingest::chunk_id_prefix(document_id))
                    .await;
            }
            if let Err(e) = store
                .fail_job_attempt(job.id, &queue.owner, &message, now + delay, give_up, now)
                .await
            {
                tracing::error!(error = %e, job = job.id, "cannot record a failed attempt");
            }
            if !give_up {
                return;
            }
            ("failed", Some(message), 0)
        }
    };
    let total = usize::try_from(total).unwrap_or(0);
    hub.publish_to_staff(
        "kb",
        &IndexingProgress {
            error,
            ..work.progress(status, total, total)
        },
    );
}

/// The re-index job's work here (`knowledge::reindex_all`); the number of passages.
async fn reindex(
    store: &Store,
    kb: &Arc<kb::KnowledgeBase>,
    progress: kb::Progress<'_>,
) -> Result<i64, String> {
    let report = super::knowledge::reindex_all(store, kb, progress)
        .await
        .map_err(|e| e.to_string())?;
    tracing::info!(
        chunks = report.total,
        removed = report.removed,
        elapsed_ms = report.elapsed_ms,
        "re-index finished"
    );
    Ok(i64::try_from(report.total).unwrap_or(0))
}

/// Embeds and indexes the document's stored passages here; the number indexed.
async fn ingest_document(
    store: &Store,
    kb: &Arc<kb::KnowledgeBase>,
    document_id: i64,
    progress: kb::Progress<'_>,
) -> Result<i64, String> {
    let rows = store
        .document_chunks(document_id)
        .await
        .map_err(|e| e.to_string())?;
    if rows.is_empty() {
        return Err("the document has no passages (it may have been deleted)".into());
    }
    let chunks: Vec<kb::Chunk> = rows.into_iter().map(super::knowledge::chunk_of).collect();
    let total = chunks.len();
    // A previous attempt may have indexed part of it.
    kb.remove_prefix(&ingest::chunk_id_prefix(document_id))
        .await
        .map_err(|e| e.to_string())?;
    kb.add_chunks(chunks, progress)
        .await
        .map_err(|e| e.to_string())?;
    Ok(i64::try_from(total).unwrap_or(0))
}
