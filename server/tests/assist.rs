//! Agent assist on the desk: a suggested reply answers the customer's last message with the
//! agent's own tools and stores nothing and does nothing (an action it would propose is
//! refused in a draft); canned replies come from the knowledge base's macros, filled with the
//! conversation's facts; a demo account gets neither for a conversation that is not its own.
// A test stops at a failed step: unwrap and expect are what it means here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::staff::*;
use common::*;

async fn message_count(app: &TestApp, admin: &str, id: &str) -> usize {
    let t = json_of(
        &send(
            app,
            "GET",
            &format!("/api/desk/conversations/{id}"),
            Some(admin),
            None,
        )
        .await,
    );
    t["messages"].as_array().expect("messages").len()
}

#[tokio::test]
async fn a_suggested_reply_uses_the_tools_and_changes_nothing() {
    assist_on(app().await).await;
}

#[tokio::test]
async fn a_suggested_reply_uses_the_tools_and_changes_nothing_on_postgres() {
    if let Some(app) = postgres_app().await {
        assist_on(app).await;
    }
}

async fn assist_on(app: TestApp) {
    let admin = sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let (customer, _) = customer_says(
        &app,
        None,
        "Where is order 1013? My email is lucas.rossi@example.com",
    )
    .await;
    let customer = customer.expect("a session");
    let id = session_of(&customer);
    let before = message_count(&app, &admin, &id).await;

    let reply = send(
        &app,
        "GET",
        &format!("/api/desk/conversations/{id}/suggestion"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let draft = json_of(&reply);
    assert!(draft["text"].as_str().unwrap().contains("1013"), "{draft}");
    assert!(
        draft["tools"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["tool"] == "get_order_status" && t["ok"] == true),
        "{draft}"
    );
    assert!(draft["answers"].as_str().unwrap().contains("order 1013"));
    println!(
        "suggested reply (offline): {} ms by {}",
        draft["elapsed_ms"], draft["backend"]
    );
    assert_eq!(
        message_count(&app, &admin, &id).await,
        before,
        "nothing stored"
    );

    // A message that would make the agent propose a cancellation: the draft refuses to act,
    // so no action card waits for the customer.
    customer_says(
        &app,
        Some(&customer),
        "Please cancel order 1024, my email is ava.thompson@example.com",
    )
    .await;
    let before = message_count(&app, &admin, &id).await;
    let pending_before = app
        .db
        .store
        .pending_proposal(&id, chrono::Utc::now())
        .await
        .unwrap()
        .map(|p| p.id);
    let draft = json_of(
        &send(
            &app,
            "GET",
            &format!("/api/desk/conversations/{id}/suggestion"),
            Some(&admin),
            None,
        )
        .await,
    );
    let tools = draft["tools"].as_array().unwrap();
    if let Some(cancel) = tools.iter().find(|t| t["tool"] == "cancel_order") {
        assert_eq!(cancel["ok"], false, "{draft}");
    }
    let pending_after = app
        .db
        .store
        .pending_proposal(&id, chrono::Utc::now())
        .await
        .unwrap()
        .map(|p| p.id);
    assert_eq!(pending_before, pending_after, "the draft proposed nothing");
    assert_eq!(message_count(&app, &admin, &id).await, before);

    // Canned replies, filled: the person's name, the order the customer named last.
    let canned = json_of(
        &send(
            &app,
            "GET",
            &format!("/api/desk/conversations/{id}/canned"),
            Some(&admin),
            None,
        )
        .await,
    );
    let replies = canned["replies"].as_array().unwrap();
    let text_of = |id: &str| {
        replies
            .iter()
            .find(|r| r["id"] == id)
            .and_then(|r| r["text"].as_str())
            .unwrap_or_else(|| panic!("no canned reply {id}: {canned}"))
            .to_owned()
    };
    assert!(text_of("macro-team-introduction").contains("Ada Admin"));
    assert!(text_of("macro-shipped-cannot-cancel").contains("order 1024"));
    assert!(
        !replies
            .iter()
            .any(|r| r["text"].as_str().unwrap().contains('{'))
    );

    // Taking it over writes a summary for the team, from the transcript alone.
    let claimed = send(
        &app,
        "POST",
        &format!("/api/desk/conversations/{id}/claim"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(claimed.status, StatusCode::OK, "{}", claimed.body);
    let t = json_of(
        &send(
            &app,
            "GET",
            &format!("/api/desk/conversations/{id}"),
            Some(&admin),
            None,
        )
        .await,
    );
    let summary = t["summary"].as_str().expect("a summary after the takeover");
    assert!(summary.contains("Where is order 1013?"), "{summary}");
    assert!(summary.contains("order 1013"), "{summary}");
    assert!(summary.contains("customer messages"), "{summary}");
    assert!(t["summary_at"].is_string());

    // A conversation with no customer message, or none at all.
    let missing = send(
        &app,
        "GET",
        "/api/desk/conversations/no-such-conversation/suggestion",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(
        send(
            &app,
            "GET",
            &format!("/api/desk/conversations/{id}/suggestion"),
            None,
            None
        )
        .await
        .status,
        StatusCode::UNAUTHORIZED
    );

    // A demo account from another browser does not see this conversation's drafts.
    let (demo, _) = demo_sign_in(&app, OTHER_VISITOR).await;
    for path in ["suggestion", "canned"] {
        let reply = send(
            &app,
            "GET",
            &format!("/api/desk/conversations/{id}/{path}"),
            Some(&demo),
            None,
        )
        .await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
    }
    app.cleanup().await;
}
