//! Durable jobs on real databases: a queued job is claimed once, its lease is renewed only by
//! its owner, a job whose owner died is claimed again after the lease, a failed attempt waits
//! for its retry, and finishing marks the document ready.
// A test stops at a failed step: unwrap and expect are what it means here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(dead_code)] // shared by several test binaries; each uses part of it
mod support;

use domain::api::jobs::JobStatus;
use store::operations::NewDocument;

async fn document(store: &store::Store) -> i64 {
    store
        .create_document(&NewDocument {
            title: "Drone care",
            filename: "drones.md",
            media_type: "text/markdown",
            bytes: 100,
            audience: "customer",
            doc_type: "policy",
            category: "warranty",
            uploaded_by: "test",
        })
        .await
        .unwrap()
}

fn chunks(doc: i64) -> Vec<(String, String, String, String)> {
    (1..=2)
        .map(|n| {
            (
                format!("doc{doc}-{n}"),
                format!("Part {n}"),
                String::new(),
                format!("Text {n}"),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_job_is_claimed_once_taken_over_after_its_lease_and_finished_by_its_owner() {
    for db in support::all().await {
        let store = &db.store;
        let doc = document(store).await;
        let job = store.queue_ingest(doc, &chunks(doc), 1_000).await.unwrap();
        assert_eq!(store.document_chunks(doc).await.unwrap().len(), 2);

        // One claim wins; while its lease runs, nobody else gets the job.
        let first = store
            .claim_job("a", 1_000, 5_000)
            .await
            .unwrap()
            .expect("a claims");
        assert_eq!(
            (first.id, first.status, first.attempts),
            (job, JobStatus::Running, 1)
        );
        assert!(store.claim_job("b", 2_000, 5_000).await.unwrap().is_none());
        // A restart must not fail a document whose job is alive.
        assert_eq!(store.fail_interrupted_documents().await.unwrap(), 0);
        assert!(store.heartbeat_job(job, "a", 8_000, 1).await.unwrap());
        assert!(!store.heartbeat_job(job, "b", 9_000, 1).await.unwrap());

        // "a" dies: after its lease, "b" takes the job over, and "a" can no longer finish it.
        assert!(store.claim_job("b", 7_000, 5_000).await.unwrap().is_none());
        let taken = store
            .claim_job("b", 8_001, 5_000)
            .await
            .unwrap()
            .expect("b takes over");
        assert_eq!(taken.attempts, 2);
        assert!(!store.finish_ingest(job, "a", doc, 2, 9_000).await.unwrap());
        assert!(store.finish_ingest(job, "b", doc, 2, 9_000).await.unwrap());
        let done = store.job(job).await.unwrap().expect("job");
        assert_eq!(
            (done.status, done.done, done.total),
            (JobStatus::Done, 2, 2)
        );
        let ready = store.document(doc).await.unwrap().expect("document");
        assert_eq!((ready.status.as_str(), ready.chunks), ("ready", 2));
        assert!(
            store
                .claim_job("c", 100_000, 5_000)
                .await
                .unwrap()
                .is_none()
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_failed_attempt_waits_for_its_retry_and_the_last_one_fails_the_document() {
    for db in support::all().await {
        let store = &db.store;
        let doc = document(store).await;
        let job = store.queue_ingest(doc, &chunks(doc), 0).await.unwrap();
        store
            .claim_job("a", 0, 5_000)
            .await
            .unwrap()
            .expect("claimed");
        assert!(
            store
                .fail_job_attempt(job, "a", "embedding failed", 2_000, false, 0)
                .await
                .unwrap()
        );
        assert!(
            store.claim_job("a", 1_000, 5_000).await.unwrap().is_none(),
            "not before its retry"
        );
        let again = store
            .claim_job("a", 2_000, 5_000)
            .await
            .unwrap()
            .expect("retried");
        assert_eq!(again.error.as_deref(), Some("embedding failed"));
        assert!(
            store
                .fail_job_attempt(job, "a", "still failing", 0, true, 3_000)
                .await
                .unwrap()
        );
        assert_eq!(
            store.job(job).await.unwrap().expect("job").status,
            JobStatus::Failed
        );
        let failed = store.document(doc).await.unwrap().expect("document");
        assert_eq!(failed.status.as_str(), "failed");
        assert_eq!(failed.error.as_deref(), Some("still failing"));
        db.cleanup().await;
    }
}

#[tokio::test]
async fn one_reindex_is_open_at_a_time_and_it_is_taken_over_like_any_job() {
    for db in support::all().await {
        let store = &db.store;
        let job = store
            .queue_reindex(40, 1_000)
            .await
            .unwrap()
            .expect("queued");
        // A second request while it is queued (or running) is refused, not queued twice.
        assert_eq!(store.queue_reindex(40, 1_100).await.unwrap(), None);
        let claimed = store
            .claim_job("a", 1_200, 1_000)
            .await
            .unwrap()
            .expect("a claims");
        assert_eq!(
            (claimed.id, claimed.kind, claimed.document_id),
            (job, domain::api::jobs::JobKind::Reindex, None)
        );
        assert_eq!(store.queue_reindex(40, 1_300).await.unwrap(), None);
        // "a" dies; "b" takes it over after the lease and finishes it; "a" cannot.
        let taken = store
            .claim_job("b", 2_201, 1_000)
            .await
            .unwrap()
            .expect("b takes over");
        assert_eq!((taken.id, taken.attempts), (job, 2));
        assert!(!store.finish_job(job, "a", 40, 2_500).await.unwrap());
        assert!(store.finish_job(job, "b", 41, 2_500).await.unwrap());
        let done = store.job(job).await.unwrap().expect("job");
        assert_eq!(
            (done.status, done.done, done.total),
            (JobStatus::Done, 41, 41)
        );
        // Once it is done, the next re-index may be queued.
        assert!(store.queue_reindex(41, 3_000).await.unwrap().is_some());
        db.cleanup().await;
    }
}
