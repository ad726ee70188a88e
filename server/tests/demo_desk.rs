//! "Try the desk": a visitor's sandboxed demo account sees and answers only the conversations
//! its own browser started, hears only their live events, reaches no other desk page, stays out
//! of the team's list, cannot sign in with a password, and is removed once its session ends.
// A test stops at a failed step: unwrap and expect are what it means here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::staff::*;
use common::*;
use serde_json::{Value, json};
use std::time::Duration;

#[tokio::test]
async fn a_demo_desk_sees_only_its_own_browsers_conversations() {
    demo_desk_on(app().await).await;
}

#[tokio::test]
async fn a_demo_desk_sees_only_its_own_browsers_conversations_on_postgres() {
    if let Some(app) = postgres_app().await {
        demo_desk_on(app).await;
    }
}

async fn demo_desk_on(app: TestApp) {
    // Two browsers ask for a person: this visitor and another one.
    let (mine, _) = customer_says(&app, None, "I'd like to talk to a human, please.").await;
    let mine = mine.expect("a support session");
    let other_visitor = format!("visitor={OTHER_VISITOR}");
    let (theirs, _) = customer_says(
        &app,
        Some(&other_visitor),
        "I'd like to talk to a human about order 1013, please.",
    )
    .await;
    let theirs = theirs.expect("a support session");
    let (mine_id, theirs_id) = (session_of(&mine), session_of(&theirs));

    let (demo, answer) = demo_sign_in(&app, TEST_VISITOR).await;
    assert_eq!(answer["staff"]["demo"], true, "{answer}");
    assert_eq!(answer["staff"]["role"], "agent");
    let me = json_of(&send(&app, "GET", "/api/desk/me", Some(&demo), None).await);
    assert_eq!(me["staff"]["demo"], true);

    // Its list holds its own conversation only, in every view.
    for view in ["all", "unassigned", "escalated"] {
        let list = json_of(
            &send(
                &app,
                "GET",
                &format!("/api/desk/conversations?view={view}"),
                Some(&demo),
                None,
            )
            .await,
        );
        let ids: Vec<&str> = list["conversations"]
            .as_array()
            .expect("list")
            .iter()
            .filter_map(|c| c["id"].as_str())
            .collect();
        assert_eq!(ids, vec![mine_id.as_str()], "view {view}");
    }
    // The other browser's conversation does not exist for it, whatever it tries.
    for (method, path) in [
        ("GET", format!("/api/desk/conversations/{theirs_id}")),
        ("POST", format!("/api/desk/conversations/{theirs_id}/claim")),
        (
            "POST",
            format!("/api/desk/conversations/{theirs_id}/release"),
        ),
        (
            "POST",
            format!("/api/desk/conversations/{theirs_id}/resolve"),
        ),
    ] {
        let reply = send(&app, method, &path, Some(&demo), None).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{method} {path}");
    }
    let reply = send(
        &app,
        "POST",
        &format!("/api/desk/conversations/{theirs_id}/reply"),
        Some(&demo),
        Some(json!({ "text": "Not yours to answer." })),
    )
    .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);

    // The rest of the desk is closed to it, with a sentence.
    for (method, path) in [
        ("GET", "/api/desk/tickets"),
        ("GET", "/api/desk/analytics"),
        ("GET", "/api/desk/users"),
        ("GET", "/api/desk/audit"),
        ("GET", "/api/desk/api-keys"),
        ("GET", "/api/desk/kb/documents"),
    ] {
        let reply = send(&app, method, path, Some(&demo), None).await;
        assert!(
            reply.status == StatusCode::FORBIDDEN,
            "{method} {path}: {} {}",
            reply.status,
            reply.body
        );
    }
    let refused = send(
        &app,
        "POST",
        "/api/desk/me/password",
        Some(&demo),
        Some(json!({ "current_password": "x", "new_password": "a new password" })),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        json_of(&refused)["error"]["message"]
            .as_str()
            .unwrap()
            .contains("demo desk")
    );

    // Its live stream carries its own conversation's events, not the other browser's.
    let mut events = stream(&app, "/api/desk/events", &demo).await;
    read_events(&mut events, "hello", Duration::from_secs(5)).await;
    customer_says(
        &app,
        Some(&format!("{theirs}; {other_visitor}")),
        "Anyone there?",
    )
    .await;
    customer_says(&app, Some(&mine), "Hello? Still waiting.").await;
    let heard = read_events(&mut events, "message", Duration::from_secs(5)).await;
    let about: Vec<&str> = heard
        .iter()
        .filter_map(|(_, v)| v["conversation_id"].as_str())
        .collect();
    assert!(about.contains(&mine_id.as_str()), "{heard:?}");
    assert!(!about.contains(&theirs_id.as_str()), "{heard:?}");

    // It answers its own customer, who sees the reply.
    let sent = send(
        &app,
        "POST",
        &format!("/api/desk/conversations/{mine_id}/reply"),
        Some(&demo),
        Some(json!({ "text": "Hi, this is the demo agent." })),
    )
    .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    let chat = json_of(&send(&app, "GET", "/api/support/conversation", Some(&mine), None).await);
    assert!(
        chat.to_string().contains("this is the demo agent"),
        "{chat}"
    );

    // The team does not list it, and nobody signs in to it with a password.
    let admin = sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let team = json_of(&send(&app, "GET", "/api/desk/users", Some(&admin), None).await);
    assert!(
        team["staff"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["demo"] != true),
        "{team}"
    );
    let email = answer["staff"]["email"].as_str().unwrap();
    let login = send(
        &app,
        "POST",
        "/api/desk/login",
        None,
        Some(json!({ "email": email, "password": "!demo-account" })),
    )
    .await;
    assert_eq!(login.status, StatusCode::UNAUTHORIZED);

    // Signed out, the account goes at the next clean-up, and the conversation it held is the
    // agent's again.
    send(&app, "POST", "/api/desk/logout", Some(&demo), None).await;
    assert_eq!(
        send(&app, "GET", "/api/desk/me", Some(&demo), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.db.store.delete_lapsed_demo_accounts().await.unwrap(), 1);
    let transcript = json_of(
        &send(
            &app,
            "GET",
            &format!("/api/desk/conversations/{mine_id}"),
            Some(&admin),
            None,
        )
        .await,
    );
    assert_eq!(transcript["conversation"]["assigned_to"], Value::Null);
    // Trying again the same browser gets a fresh account that still sees its conversation.
    let (again, _) = demo_sign_in(&app, TEST_VISITOR).await;
    let list = json_of(&send(&app, "GET", "/api/desk/conversations", Some(&again), None).await);
    assert_eq!(list["conversations"].as_array().unwrap().len(), 1);
    app.cleanup().await;
}

#[tokio::test]
async fn the_demo_desk_can_be_turned_off() {
    let app = TestApp::builder()
        .env("DEMO_DESK", "false")
        .build()
        .await
        .expect("sqlite app");
    let reply = send(&app, "POST", "/api/desk/demo", None, None).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.body.contains("turned off"), "{}", reply.body);
    assert!(
        Config::from_lookup(|k| (k == "DEMO_DESK").then(|| "maybe".to_owned())).is_err(),
        "an unreadable DEMO_DESK is refused at start"
    );
    app.cleanup().await;
}
