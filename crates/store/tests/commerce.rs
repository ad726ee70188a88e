//! The support agent's store operations on real SQLite and PostgreSQL: every write is one
//! transaction whose rules (stock, status, ownership, return window) hold inside it.
// A test stops at a failed step: unwrap and expect are what it means here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(dead_code)] // shared by several test binaries; each uses part of it
mod support;

use chrono::{Duration, Utc};
use store::StoreError;
use store::commerce::{NewOrder, OrderChange, Recipient};
use support::TestDb;

fn recipient(email: &str) -> Recipient {
    Recipient {
        name: "Test Buyer".into(),
        email: email.into(),
        phone: "+1-415-555-0100".into(),
        street: "100 Main St".into(),
        city: "Springfield".into(),
        state: "IL".into(),
        zip: "62701".into(),
    }
}

async fn fresh() -> Vec<TestDb> {
    // Seeded now, so the return windows are measured from today.
    let mut dbs = vec![TestDb::sqlite(Utc::now()).await];
    if let Some(pg) = TestDb::postgres(Utc::now()).await {
        dbs.push(pg);
    }
    dbs
}

fn refused(result: Result<impl std::fmt::Debug, StoreError>) -> String {
    match result {
        Err(StoreError::Refused(message)) => message,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn placing_an_order_takes_stock_and_a_retry_does_not_order_twice() {
    for db in fresh().await {
        let s = &db.store;
        let order = NewOrder {
            recipient: recipient("buyer@example.com"),
            lines: vec![(13, 2), (20, 1)],
            idempotency_key: Some("conv-1:buyer".into()),
        };
        let first = s.place_order(&order, Utc::now()).await.expect("placed");
        assert!(!first.already_placed);
        assert_eq!(first.order.status, "pending");
        // 2 x $129 + $99 = $357, under $500: flat $9.99 shipping.
        assert_eq!(first.order.subtotal_cents.0, 35_700);
        assert_eq!(first.order.total_cents.0, 36_699);
        assert_eq!(first.order.lines.len(), 2);
        let again = s.place_order(&order, Utc::now()).await.expect("retried");
        assert!(again.already_placed);
        assert_eq!(again.order.id, first.order.id);
        assert_eq!(
            s.product(13).await.expect("read").map(|p| p.stock),
            Some(53)
        );
        assert_eq!(
            s.orders_for_email("buyer@example.com")
                .await
                .expect("list")
                .len(),
            1
        );
    }
}

#[tokio::test]
async fn short_stock_refuses_the_whole_order_and_writes_nothing() {
    for db in fresh().await {
        let s = &db.store;
        let order = NewOrder {
            recipient: recipient("short@example.com"),
            // The BoomGo is in stock; the Vortex (id 4) is not: nothing may be taken.
            lines: vec![(13, 1), (4, 1)],
            idempotency_key: None,
        };
        let message = refused(s.place_order(&order, Utc::now()).await);
        assert!(message.contains("only 0"), "{message}");
        assert_eq!(
            s.product(13).await.expect("read").map(|p| p.stock),
            Some(55)
        );
        assert!(
            s.orders_for_email("short@example.com")
                .await
                .expect("list")
                .is_empty()
        );
    }
}

#[tokio::test]
async fn cancelling_restocks_and_respects_status_and_ownership() {
    for db in fresh().await {
        let s = &db.store;
        let message = refused(
            s.cancel_order(1024, "maya.chen@example.com", Utc::now())
                .await,
        );
        assert!(message.contains("does not belong"), "{message}");
        let message = refused(
            s.cancel_order(1018, "j.okafor@example.com", Utc::now())
                .await,
        );
        assert!(message.contains("shipped"), "{message}");
        let cancelled = s
            .cancel_order(1024, "Ava.Thompson@example.com", Utc::now())
            .await
            .expect("cancel");
        assert_eq!(cancelled.status, "cancelled");
        assert_eq!(s.product(2).await.expect("read").map(|p| p.stock), Some(90));
        let message = refused(
            s.cancel_order(1024, "ava.thompson@example.com", Utc::now())
                .await,
        );
        assert!(message.contains("cancelled"), "{message}");
    }
}

#[tokio::test]
async fn modifying_a_pending_order_moves_stock_and_totals() {
    for db in fresh().await {
        let s = &db.store;
        let change = OrderChange {
            set_quantities: vec![(2, 3)],
            street: Some("1 New St".into()),
            ..Default::default()
        };
        let updated = s
            .modify_order(1024, "ava.thompson@example.com", &change, Utc::now())
            .await
            .expect("modify");
        assert_eq!(
            updated.total_cents.0, 59_700,
            "3 x $199, free shipping from $500"
        );
        assert_eq!(updated.shipping_cents.0, 0);
        assert_eq!(updated.street, "1 New St");
        assert_eq!(s.product(2).await.expect("read").map(|p| p.stock), Some(87));
        let empty = OrderChange {
            set_quantities: vec![(2, 0)],
            ..Default::default()
        };
        let message = refused(
            s.modify_order(1024, "ava.thompson@example.com", &empty, Utc::now())
                .await,
        );
        assert!(message.contains("empty"), "{message}");
        let message = refused(
            s.modify_order(1023, "liam.obrien@example.com", &change, Utc::now())
                .await,
        );
        assert!(message.contains("only pending"), "{message}");
    }
}

#[tokio::test]
async fn returns_follow_each_categorys_window_and_refund_the_price_paid() {
    for db in fresh().await {
        let s = &db.store;
        let now = Utc::now();
        // Order 1008, delivered 16 days ago: the monitor arm (30 days) yes, the monitor (14) no.
        let message = refused(
            s.initiate_return(
                1008,
                "diego.alvarez@example.com",
                &[(8, 1)],
                "changed mind",
                now,
            )
            .await,
        );
        assert!(message.contains("14 days"), "{message}");
        let arm = s
            .initiate_return(1008, "diego.alvarez@example.com", &[(19, 1)], "wobbly", now)
            .await
            .expect("return");
        assert_eq!(arm.refund_cents.0, 17_900);
        assert_eq!(arm.status, "pending");
        let message = refused(
            s.initiate_return(1008, "diego.alvarez@example.com", &[(19, 1)], "again", now)
                .await,
        );
        assert!(message.contains("0 of"), "already returned: {message}");
        // Order 1001 bought the 27" monitor at $349 before a price cut; inside the window (a
        // day after delivery, by moving "now") the refund is what was paid, not today's $329.
        let delivered = s
            .order_detail(1001)
            .await
            .expect("read")
            .and_then(|o| o.delivered_at)
            .expect("delivered");
        let early = s
            .initiate_return(
                1001,
                "maya.chen@example.com",
                &[(7, 1)],
                "too big",
                delivered + Duration::days(1),
            )
            .await
            .expect("return");
        assert_eq!(early.refund_cents.0, 34_900);
        let message = refused(
            s.initiate_return(1013, "lucas.rossi@example.com", &[], "x", now)
                .await,
        );
        assert!(message.contains("delivered"), "{message}");
        let message = refused(
            s.initiate_return(1012, "someone@else.com", &[], "x", now)
                .await,
        );
        assert!(message.contains("does not belong"), "{message}");
        assert_eq!(s.returns_for_order(1008).await.expect("returns").len(), 1);
    }
}
