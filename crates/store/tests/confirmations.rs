//! Proposals, one-time codes and the outbox on real SQLite and PostgreSQL: a proposal is decided
//! exactly once, a newer one replaces an older one, expired ones cannot be confirmed, dry runs
//! change nothing, and a code is checked by hash with limited attempts.
// A test stops at a failed step: unwrap and expect are what it means here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(dead_code)] // shared by several test binaries; each uses part of it
mod support;

use chrono::{Duration, Utc};
use store::confirmations::{CodeCheck, Decision, ProposalRow};
use support::TestDb;

async fn fresh() -> Vec<TestDb> {
    let mut dbs = vec![TestDb::sqlite(Utc::now()).await];
    if let Some(pg) = TestDb::postgres(Utc::now()).await {
        dbs.push(pg);
    }
    dbs
}

fn proposal(id: &str, minutes: i64) -> ProposalRow {
    let now = Utc::now();
    ProposalRow {
        id: id.into(),
        conversation_id: "conv-a".into(),
        action: "cancel_order".into(),
        arguments: r#"{"order_id":1024,"email":"ava.thompson@example.com"}"#.into(),
        preview: "{}".into(),
        status: "pending".into(),
        created_at: now,
        expires_at: now + Duration::minutes(minutes),
    }
}

#[tokio::test]
async fn a_proposal_is_decided_once_and_a_newer_one_replaces_it() {
    for db in fresh().await {
        let s = &db.store;
        let now = Utc::now();
        s.propose_action(&proposal("p1", 15)).await.expect("p1");
        assert_eq!(
            s.pending_proposal("conv-a", now)
                .await
                .expect("read")
                .map(|p| p.id),
            Some("p1".to_string())
        );
        s.propose_action(&proposal("p2", 15)).await.expect("p2");
        // The older one can no longer be confirmed.
        assert_eq!(
            s.decide_proposal("conv-a", "p1", "confirmed", now)
                .await
                .expect("decide"),
            Decision::NotPending("superseded".into())
        );
        // Another conversation cannot confirm it.
        assert_eq!(
            s.decide_proposal("conv-b", "p2", "confirmed", now)
                .await
                .expect("decide"),
            Decision::NotFound
        );
        assert!(matches!(
            s.decide_proposal("conv-a", "p2", "confirmed", now).await.expect("decide"),
            Decision::Taken(row) if row.status == "confirmed"
        ));
        // A second confirmation (a double click, a retry) does nothing.
        assert_eq!(
            s.decide_proposal("conv-a", "p2", "confirmed", now)
                .await
                .expect("decide"),
            Decision::NotPending("confirmed".into())
        );
        assert_eq!(s.pending_proposal("conv-a", now).await.expect("read"), None);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn an_expired_proposal_cannot_be_confirmed() {
    for db in fresh().await {
        let s = &db.store;
        s.propose_action(&proposal("old", 15)).await.expect("old");
        let later = Utc::now() + Duration::minutes(16);
        assert_eq!(
            s.decide_proposal("conv-a", "old", "confirmed", later)
                .await
                .expect("decide"),
            Decision::NotPending("expired".into())
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn dry_runs_check_the_rules_and_change_nothing() {
    for db in fresh().await {
        let s = &db.store;
        let now = Utc::now();
        let checked = s
            .check_cancel_order(1024, "ava.thompson@example.com", now)
            .await
            .expect("would cancel");
        assert_eq!(checked.status, "pending");
        assert!(
            s.check_cancel_order(1018, "j.okafor@example.com", now)
                .await
                .is_err()
        );
        let preview = s
            .check_return(1011, "aisha.bello@example.com", &[(2, 1)], "fit", now)
            .await
            .expect("would return");
        assert_eq!(preview.refund_cents.0, 19_900);
        assert_eq!(preview.id, 0);
        assert_eq!(
            s.order_detail(1024).await.expect("read").map(|o| o.status),
            Some("pending".to_string())
        );
        assert_eq!(s.returns_for_order(1011).await.expect("read").len(), 1);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_code_is_checked_by_hash_with_limited_attempts() {
    for db in fresh().await {
        let s = &db.store;
        let now = Utc::now();
        s.ensure_conversation("conv-a", "support", "t")
            .await
            .expect("conversation");
        s.add_email_code(
            "conv-a",
            "Ava.Thompson@example.com",
            "hash-right",
            now,
            now + Duration::minutes(10),
        )
        .await
        .expect("code");
        assert_eq!(
            s.email_codes_since(
                "conv-a",
                "ava.thompson@example.com",
                now - Duration::minutes(1)
            )
            .await
            .expect("count"),
            1
        );
        assert_eq!(
            s.check_email_code("conv-a", "ava.thompson@example.com", "hash-wrong", now)
                .await
                .expect("check"),
            CodeCheck::Wrong(4)
        );
        // Another conversation has no code for that address.
        assert_eq!(
            s.check_email_code("conv-b", "ava.thompson@example.com", "hash-right", now)
                .await
                .expect("check"),
            CodeCheck::NoCode
        );
        assert_eq!(
            s.check_email_code("conv-a", "ava.thompson@example.com", "hash-right", now)
                .await
                .expect("check"),
            CodeCheck::Verified
        );
        assert_eq!(
            s.verified_email("conv-a").await.expect("read"),
            Some("ava.thompson@example.com".to_string())
        );
        // Used once: it does not work again.
        assert_eq!(
            s.check_email_code("conv-a", "ava.thompson@example.com", "hash-right", now)
                .await
                .expect("check"),
            CodeCheck::NoCode
        );
        // Five wrong attempts use a code up.
        s.add_email_code(
            "conv-a",
            "x@example.com",
            "h",
            now,
            now + Duration::minutes(10),
        )
        .await
        .expect("code");
        for _ in 0..5 {
            let _ = s
                .check_email_code("conv-a", "x@example.com", "nope", now)
                .await
                .expect("check");
        }
        assert_eq!(
            s.check_email_code("conv-a", "x@example.com", "h", now)
                .await
                .expect("check"),
            CodeCheck::NoCode
        );
        s.add_outbox_mail(
            Some("conv-a"),
            "x@example.com",
            "Code",
            "123456",
            "demo inbox",
            now,
        )
        .await
        .expect("mail");
        assert_eq!(
            s.outbox_for_conversation("conv-a")
                .await
                .expect("read")
                .len(),
            1
        );
        assert!(
            s.outbox_for_conversation("conv-b")
                .await
                .expect("read")
                .is_empty()
        );
        db.cleanup().await;
    }
}
