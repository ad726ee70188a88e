//! Staff accounts and the audit log: lockout after failed sign-ins (per account, whatever the
//! client), own password changes, an administrator's resets and role changes, and every desk
//! action written down with who, what, when and from where.
// A test stops at a failed step: unwrap and expect are what it means here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::staff::*;
use common::*;
use serde_json::{Value, json};

const BO: &str = "bo@store.example";

async fn actions(app: &TestApp, admin: &str) -> Vec<String> {
    let log = json_of(&send(app, "GET", "/api/desk/audit", Some(admin), None).await);
    log["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["action"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn login(app: &TestApp, email: &str, password: &str) -> Reply {
    send(
        app,
        "POST",
        "/api/desk/login",
        None,
        Some(json!({ "email": email, "password": password })),
    )
    .await
}

#[tokio::test]
async fn an_account_locks_after_failed_sign_ins_and_an_admin_resets_it() {
    accounts_on(app().await).await;
}

#[tokio::test]
async fn an_account_locks_after_failed_sign_ins_and_an_admin_resets_it_on_postgres() {
    if let Some(app) = postgres_app().await {
        accounts_on(app).await;
    }
}

async fn accounts_on(app: TestApp) {
    let admin = sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let created = send(
        &app,
        "POST",
        "/api/desk/users",
        Some(&admin),
        Some(json!({ "email": BO, "name": "Bo", "password": "bo's first password", "role": "agent" })),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let bo_id = json_of(&created)["staff"]["id"].as_i64().unwrap();

    // Five wrong passwords; then even the right one is refused for a while, with Retry-After.
    for _ in 0..5 {
        assert_eq!(
            login(&app, BO, "not it at all").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let locked = login(&app, BO, "bo's first password").await;
    assert_eq!(
        locked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        locked.body
    );
    assert!(
        json_of(&locked)["error"]["message"]
            .as_str()
            .unwrap()
            .contains("locked")
    );
    let wait: u64 = locked.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");

    // An administrator sets a new password: the lock is lifted.
    let reset = send(
        &app,
        "POST",
        &format!("/api/desk/users/{bo_id}/password"),
        Some(&admin),
        Some(json!({ "new_password": "bo's second password" })),
    )
    .await;
    assert_eq!(reset.status, StatusCode::NO_CONTENT, "{}", reset.body);
    let first = sign_in(&app, BO, "bo's second password").await;
    let second = sign_in(&app, BO, "bo's second password").await;

    // Bo changes his own password: the current one is required; his other session ends.
    let wrong = send(
        &app,
        "POST",
        "/api/desk/me/password",
        Some(&first),
        Some(json!({ "current_password": "a guess", "new_password": "bo's third password" })),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let changed = send(
        &app,
        "POST",
        "/api/desk/me/password",
        Some(&first),
        Some(json!({ "current_password": "bo's second password", "new_password": "bo's third password" })),
    )
    .await;
    assert_eq!(changed.status, StatusCode::NO_CONTENT, "{}", changed.body);
    assert_eq!(
        send(&app, "GET", "/api/desk/me", Some(&first), None)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        send(&app, "GET", "/api/desk/me", Some(&second), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );

    // Roles: an agent cannot read the audit log; made an admin, he can. The team always keeps
    // an administrator.
    assert_eq!(
        send(&app, "GET", "/api/desk/audit", Some(&first), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let promote = send(
        &app,
        "POST",
        &format!("/api/desk/users/{bo_id}/role"),
        Some(&admin),
        Some(json!({ "role": "admin" })),
    )
    .await;
    assert_eq!(promote.status, StatusCode::NO_CONTENT);
    assert_eq!(
        send(&app, "GET", "/api/desk/audit", Some(&first), None)
            .await
            .status,
        StatusCode::OK
    );
    let me = json_of(&send(&app, "GET", "/api/desk/me", Some(&admin), None).await);
    let admin_id = me["staff"]["id"].as_i64().unwrap();
    for id in [bo_id, admin_id] {
        let demote = send(
            &app,
            "POST",
            &format!("/api/desk/users/{id}/role"),
            Some(&admin),
            Some(json!({ "role": "agent" })),
        )
        .await;
        if id == bo_id {
            assert_eq!(demote.status, StatusCode::NO_CONTENT);
        } else {
            assert_eq!(demote.status, StatusCode::CONFLICT, "{}", demote.body);
        }
    }

    // Everything above is in the log, newest first, with the address it came from.
    let seen = actions(&app, &admin).await;
    for action in [
        "staff.create",
        "sign_in.failed",
        "sign_in.locked",
        "staff.password_reset",
        "sign_in",
        "staff.password_change",
        "staff.role",
    ] {
        assert!(seen.iter().any(|a| a == action), "{action} in {seen:?}");
    }
    assert_eq!(seen.iter().filter(|a| *a == "sign_in.failed").count(), 5);
    let log = json_of(&send(&app, "GET", "/api/desk/audit", Some(&admin), None).await);
    let failed = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "sign_in.failed")
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(failed["actor"], "Bo <bo@store.example>");
    assert!(failed["ip"].as_str().is_some_and(|ip| !ip.is_empty()));
    let csv = send(&app, "GET", "/api/desk/audit.csv", Some(&admin), None).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        csv.body
            .starts_with("id,at,actor,staff_id,action,target,detail,ip\r\n"),
        "{}",
        csv.body
    );
    assert!(csv.body.contains("sign_in.locked"));
    app.cleanup().await;
}

#[tokio::test]
async fn the_audit_log_records_a_desk_run() {
    let app = app().await;
    let admin = sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let (key_id, key) = new_key(&app, &admin, 100).await;
    let sent = api(
        &app,
        "POST",
        "/api/v1/messages",
        &key,
        Some(json!({ "message": "I want to talk to a person about order 1013" })),
    )
    .await;
    let id = json_of(&sent)["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let desk = |path: &str| format!("/api/desk/conversations/{id}/{path}");
    assert_eq!(
        send(&app, "POST", &desk("claim"), Some(&admin), None)
            .await
            .status,
        StatusCode::OK
    );
    let replied = send(
        &app,
        "POST",
        &desk("reply"),
        Some(&admin),
        Some(json!({ "text": "Hello, Ada here." })),
    )
    .await;
    assert_eq!(replied.status, StatusCode::OK, "{}", replied.body);
    assert_eq!(
        send(&app, "POST", &desk("resolve"), Some(&admin), None)
            .await
            .status,
        StatusCode::OK
    );
    let revoked = send(
        &app,
        "POST",
        &format!("/api/desk/api-keys/{key_id}/revoke"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    let seen = actions(&app, &admin).await;
    assert_eq!(
        seen.iter().take(5).cloned().collect::<Vec<_>>(),
        [
            "api_key.revoke",
            "conversation.resolve",
            "conversation.reply",
            "conversation.claim",
            "api_key.create"
        ],
        "newest first"
    );
    let log = json_of(&send(&app, "GET", "/api/desk/audit", Some(&admin), None).await);
    let reply = &log["entries"][2];
    assert_eq!(reply["target"], id.as_str());
    assert_eq!(reply["actor"], "Ada Admin <admin@store.example>");
    app.cleanup().await;
}

#[tokio::test]
async fn only_an_administrator_changes_the_shared_classifier() {
    let app = app().await;
    let admin = sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    send(
        &app,
        "POST",
        "/api/desk/users",
        Some(&admin),
        Some(json!({ "email": BO, "name": "Bo", "password": "bo's first password", "role": "agent" })),
    )
    .await;
    let agent = sign_in(&app, BO, "bo's first password").await;
    let reset = "/api/desk/classifier/reset";
    assert_eq!(
        send(&app, "POST", reset, None, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        send(&app, "POST", reset, Some(&agent), None).await.status,
        StatusCode::FORBIDDEN
    );
    // The administrator passes the check (the classifier is not loaded in this app: 503).
    assert_eq!(
        send(&app, "POST", reset, Some(&admin), None).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    app.cleanup().await;
}

#[tokio::test]
async fn the_schedule_removes_expired_sessions_and_old_visitor_data() {
    let app = app().await;
    let store = &app.db.store;
    let long_ago = chrono::Utc::now() - chrono::Duration::days(40);
    let admin = sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let me = json_of(&send(&app, "GET", "/api/desk/me", Some(&admin), None).await);
    let admin_id = me["staff"]["id"].as_i64().unwrap();
    store
        .create_session("expired-session-hash", admin_id, long_ago)
        .await
        .unwrap();
    store
        .put_visitor_classifier("an-old-visitor", b"taught", b"head", long_ago)
        .await
        .unwrap();
    store
        .put_visitor_classifier(TEST_VISITOR, b"taught", b"head", chrono::Utc::now())
        .await
        .unwrap();
    let state = server::server_state(&app.config, store.clone());
    let retention = server::services::housekeeping::Retention {
        visitor_days: 30,
        conversation_days: Some(30),
        transcripts_kept: true,
    };
    let removed = server::services::housekeeping::clean_up(store, &state.images, retention).await;
    assert_eq!(removed.sessions, 1, "{removed:?}");
    assert_eq!(removed.taught_classes, 1, "{removed:?}");
    assert!(
        store
            .visitor_classifier(TEST_VISITOR)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .visitor_classifier("an-old-visitor")
            .await
            .unwrap()
            .is_none()
    );
    // The live session is untouched.
    assert_eq!(
        send(&app, "GET", "/api/desk/me", Some(&admin), None)
            .await
            .status,
        StatusCode::OK
    );
    app.cleanup().await;
}
