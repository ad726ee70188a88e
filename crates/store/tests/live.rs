//! Live events and shared limits on real databases: events replay in order after an id; on
//! PostgreSQL another connection pool (another instance) hears each stored id through NOTIFY,
//! and a shared limit lets exactly its allowance through when many requests race for it.
// A test stops at a failed step: unwrap and expect are what it means here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(dead_code)] // shared by several test binaries; each uses part of it
mod support;

use std::time::{Duration, Instant};
use store::live::Heard;

#[tokio::test]
async fn events_replay_in_order_after_an_id() {
    for db in support::all().await {
        let store = &db.store;
        let first = store
            .append_event("test", "claimed", Some("conv-1"), true, r#"{"n":1}"#, 1_000)
            .await
            .unwrap();
        let second = store
            .append_event("test", "ticket", None, false, r#"{"n":2}"#, 2_000)
            .await
            .unwrap();
        assert!(second > first);
        let after = store.events_after(first).await.unwrap();
        assert_eq!(after.len(), 1);
        assert_eq!(after[0].kind, "ticket");
        assert_eq!(after[0].conversation_id, None);
        assert!(!after[0].for_customer);
        assert_eq!(store.events_after(0).await.unwrap().len(), 2);
        assert_eq!(store.last_event_id().await.unwrap(), second);
        // Pruning drops events older than the cut.
        store.prune_live(1_500, 0).await.unwrap();
        assert_eq!(store.events_after(0).await.unwrap().len(), 1);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn another_instance_hears_each_stored_event() {
    let Some(db) = support::TestDb::postgres(support::anchor()).await else {
        return;
    };
    let other = db.another_instance().await.expect("postgres");
    let mut listener = other
        .store
        .listen_events()
        .await
        .unwrap()
        .expect("postgres listens");
    // NOTIFY fan-out latency: from sending the insert to the other pool hearing the id (the
    // notification may arrive before the insert's own answer does).
    let mut latencies = Vec::new();
    for n in 0..200 {
        let sent = Instant::now();
        let id = db
            .store
            .append_event(
                "test",
                "message",
                Some("conv-1"),
                true,
                &format!(r#"{{"n":{n}}}"#),
                n,
            )
            .await
            .unwrap();
        let heard = tokio::time::timeout(Duration::from_secs(5), listener.next())
            .await
            .expect("heard within 5 s")
            .unwrap();
        latencies.push(sent.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(heard, Heard::Event(id));
        let row = other.store.event(id).await.unwrap().expect("the row");
        assert_eq!(row.data, format!(r#"{{"n":{n}}}"#));
    }
    latencies.sort_by(f64::total_cmp);
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q).round() as usize];
    println!(
        "store + NOTIFY + heard by another pool ({} events): p50 {:.2} ms, p99 {:.2} ms",
        latencies.len(),
        at(0.5),
        at(0.99)
    );
    other.cleanup().await;
    db.cleanup().await;
}

#[tokio::test]
async fn a_shared_limit_lets_exactly_its_allowance_through_a_race() {
    for db in support::all().await {
        let now = 1_000_000;
        // Twenty requests at once, from two pools on PostgreSQL, for an allowance of six.
        let other = db.another_instance().await;
        let stores: Vec<store::Store> = match &other {
            Some(o) => vec![db.store.clone(), o.store.clone()],
            None => vec![db.store.clone()],
        };
        let mut tasks = Vec::new();
        for n in 0..20 {
            let store = stores[n % stores.len()].clone();
            tasks.push(tokio::spawn(async move {
                store.take_rate("client:203.0.113.7", 6, now).await.unwrap()
            }));
        }
        let mut allowed = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(()) => allowed += 1,
                Err(wait) => assert!(wait > Duration::ZERO && wait <= Duration::from_secs(10)),
            }
        }
        assert_eq!(allowed, 6, "{:?}", db.store.backend());
        // Ten seconds on (one interval of a six-a-minute allowance), one more is free.
        assert!(
            db.store
                .take_rate("client:203.0.113.7", 6, now + 10_000)
                .await
                .unwrap()
                .is_ok()
        );
        assert!(
            db.store
                .take_rate("client:203.0.113.7", 6, now + 10_000)
                .await
                .unwrap()
                .is_err()
        );
        // Another client has its own allowance.
        assert!(
            db.store
                .take_rate("client:other", 6, now)
                .await
                .unwrap()
                .is_ok()
        );
        if let Some(o) = other {
            o.cleanup().await;
        }
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_high_rate_is_not_refused_when_instances_stamp_requests_out_of_order() {
    for db in support::all().await {
        // 100,000 a minute (the load test's): an interval of 600 µs. Two instances' requests
        // reach the database with their timestamps a millisecond out of order.
        let take = |now_ms: i64| db.store.take_rate("client:load", 100_000, now_ms);
        assert!(take(1_000).await.unwrap().is_ok());
        assert!(take(999).await.unwrap().is_ok(), "{:?}", db.store.backend());
        assert!(take(1_000).await.unwrap().is_ok());
        db.cleanup().await;
    }
}
