//! The tool layer's guarantees, whatever path calls it (offline planner or LLM): an irreversible
//! action only proposes until the customer confirms that exact proposal, and an email's orders
//! are listed only after a one-time code proved it. On a real, freshly seeded SQLite store.
// A test stops at a failed step: unwrap and expect are what it means here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Utc;
use serde_json::json;
use store::testing::TestDatabase;
use support::tools::mail::DEMO_INBOX;
use support::{Confirmation, Session, Toolbox};

fn session(id: &str) -> Session {
    Session {
        conversation_id: id.into(),
        ..Default::default()
    }
}

async fn status(toolbox: &Toolbox, id: i64) -> String {
    toolbox
        .store
        .order_detail(id)
        .await
        .expect("read")
        .map(|o| o.status)
        .unwrap_or_default()
}

#[tokio::test]
async fn cancelling_proposes_and_only_a_confirmation_acts_once() {
    let db = TestDatabase::sqlite(Utc::now()).await;
    let toolbox = Toolbox::new(db.store.clone(), None);
    let mut s = session("conv-1");
    let proposed = toolbox
        .run(
            "cancel_order",
            json!({"order_id": 1024, "email": "ava.thompson@example.com"}),
            &mut s,
            Utc::now(),
        )
        .await;
    assert!(proposed.ok, "{proposed:?}");
    let proposal = proposed.proposal.clone().expect("a proposal");
    assert_eq!(proposal.action, "cancel_order");
    assert_eq!(proposal.amount.as_deref(), Some("$407.99"));
    assert_eq!(status(&toolbox, 1024).await, "pending");

    // Another conversation cannot confirm it.
    let mut other = session("conv-2");
    assert!(matches!(
        toolbox.confirm(&proposal.id, &mut other, Utc::now()).await,
        Confirmation::Refused(_)
    ));
    assert_eq!(status(&toolbox, 1024).await, "pending");

    match toolbox.confirm(&proposal.id, &mut s, Utc::now()).await {
        Confirmation::Done(outcome) => {
            assert!(outcome.ok, "{outcome:?}");
            assert_eq!(
                outcome.confirmed_proposal.as_deref(),
                Some(proposal.id.as_str())
            );
        }
        other => panic!("expected the cancellation, got {other:?}"),
    }
    assert_eq!(status(&toolbox, 1024).await, "cancelled");
    assert!(matches!(
        toolbox.confirm(&proposal.id, &mut s, Utc::now()).await,
        Confirmation::Refused(why) if why.contains("already done")
    ));
    db.cleanup().await;
}

#[tokio::test]
async fn a_refused_action_makes_no_proposal_and_a_declined_one_changes_nothing() {
    let db = TestDatabase::sqlite(Utc::now()).await;
    let toolbox = Toolbox::new(db.store.clone(), None);
    let mut s = session("conv-1");
    let shipped = toolbox
        .run(
            "cancel_order",
            json!({"order_id": 1018, "email": "j.okafor@example.com"}),
            &mut s,
            Utc::now(),
        )
        .await;
    assert!(!shipped.ok);
    assert!(shipped.proposal.is_none());
    assert_eq!(
        toolbox
            .pending_proposal("conv-1", Utc::now())
            .await
            .expect("read"),
        None
    );

    let order = toolbox
        .run(
            "place_order",
            json!({"items": [{"product_id": 13, "quantity": 1}], "name": "Ann Lee",
                   "email": "ann.lee@example.com", "phone": "312-555-0199",
                   "street": "9 Lake Shore Dr", "city": "Chicago", "state": "IL", "zip": "60601"}),
            &mut s,
            Utc::now(),
        )
        .await;
    let proposal = order.proposal.expect("a proposal to place the order");
    assert!(matches!(
        toolbox.decline(&proposal.id, &s, Utc::now()).await,
        Confirmation::Declined(_)
    ));
    assert!(matches!(
        toolbox.confirm(&proposal.id, &mut s, Utc::now()).await,
        Confirmation::Refused(_)
    ));
    assert_eq!(
        db.store
            .scalar_text("SELECT COUNT(*) FROM orders WHERE customer_email = 'ann.lee@example.com'")
            .await
            .expect("count"),
        Some("0".to_string())
    );
    db.cleanup().await;
}

#[tokio::test]
async fn orders_are_listed_only_for_an_email_proven_by_a_code() {
    let db = TestDatabase::sqlite(Utc::now()).await;
    db.store
        .ensure_conversation("conv-1", "support", "t")
        .await
        .expect("conversation");
    let toolbox = Toolbox::new(db.store.clone(), None);
    let mut s = session("conv-1");
    let email = json!({"email": "j.okafor@example.com"});
    let refused = toolbox
        .run("list_customer_orders", email.clone(), &mut s, Utc::now())
        .await;
    assert_eq!(refused.error_kind.as_deref(), Some("identity"));
    assert!(!refused.result.to_string().contains("1018"));

    // A matching order number and email does not open the list either.
    let status = toolbox
        .run(
            "get_order_status",
            json!({"order_id": 1018, "email": "j.okafor@example.com"}),
            &mut s,
            Utc::now(),
        )
        .await;
    assert!(status.ok);
    assert!(
        !toolbox
            .run("list_customer_orders", email.clone(), &mut s, Utc::now())
            .await
            .ok
    );

    let sent = toolbox
        .run("send_verification_code", email.clone(), &mut s, Utc::now())
        .await;
    assert!(sent.ok, "{sent:?}");
    assert_eq!(sent.result["delivery"], DEMO_INBOX);
    let mail = db
        .store
        .outbox_for_conversation("conv-1")
        .await
        .expect("inbox");
    let code: String = mail[0]
        .body
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_ascii_digit()))
        .find(|w| w.len() == 6 && w.chars().all(|c| c.is_ascii_digit()))
        .unwrap_or_default()
        .to_string();
    assert_eq!(code.len(), 6, "{}", mail[0].body);
    let wrong: String = code
        .chars()
        .map(|c| {
            if c == '9' {
                '0'
            } else {
                char::from(c as u8 + 1)
            }
        })
        .collect();
    let bad = toolbox
        .run(
            "verify_email_code",
            json!({"email": "j.okafor@example.com", "code": wrong}),
            &mut s,
            Utc::now(),
        )
        .await;
    assert!(!bad.ok);
    let good = toolbox
        .run(
            "verify_email_code",
            json!({"email": "j.okafor@example.com", "code": code}),
            &mut s,
            Utc::now(),
        )
        .await;
    assert!(good.ok, "{good:?}");
    let listed = toolbox
        .run("list_customer_orders", email, &mut s, Utc::now())
        .await;
    assert!(listed.ok);
    assert!(listed.result.to_string().contains("1018"));
    db.cleanup().await;
}
