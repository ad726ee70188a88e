//! A customer's data on request: export everything kept about an email, erase it for good (one
//! transaction, confirmed by typing the email again), from the desk and the REST API; and the
//! retention period's clean-up.
// A test stops at a failed step: unwrap and expect are what it means here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::staff::*;
use common::*;
use serde_json::json;

const ZOE: &str = "zoe.anderson@example.com";

async fn count(app: &TestApp, sql: &str) -> i64 {
    app.db
        .store
        .scalar_text(&format!("SELECT CAST(({sql}) AS TEXT)"))
        .await
        .unwrap()
        .unwrap()
        .parse()
        .unwrap()
}

async fn erase_on(app: TestApp) {
    let admin = sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let (_, key) = new_key(&app, &admin, 1000).await;
    // Zoe writes from the REST API (named on the conversation) and on the page (only typed).
    let named = api(&app, "POST", "/api/v1/messages", &key, Some(json!({ "customer_email": ZOE, "message": "I want to talk to a person about my order" }))).await;
    let named = json_of(&named)["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let typed = api(
        &app,
        "POST",
        "/api/v1/messages",
        &key,
        Some(json!({ "message": "did order 1019 ship? my email is Zoe.Anderson@example.com" })),
    )
    .await;
    let typed = json_of(&typed)["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let other = api(
        &app,
        "POST",
        "/api/v1/messages",
        &key,
        Some(json!({ "message": "Where is order 1013? My email is lucas.rossi@example.com" })),
    )
    .await;
    let other = json_of(&other)["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let zoe_orders = count(
        &app,
        &format!("SELECT COUNT(*) FROM orders WHERE customer_email = '{ZOE}'"),
    )
    .await;
    assert!(zoe_orders > 0, "the seed gives Zoe orders");

    // Export: everything about her, nothing about Lucas.
    let export = send(
        &app,
        "GET",
        &format!("/api/desk/customers/{ZOE}/export"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(export.status, StatusCode::OK);
    assert!(
        export.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let data = json_of(&export);
    assert_eq!(data["orders"].as_array().unwrap().len() as i64, zoe_orders);
    let ids: Vec<&str> = data["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["conversation"]["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&named.as_str()) && ids.contains(&typed.as_str()),
        "{ids:?}"
    );
    assert!(!ids.contains(&other.as_str()));
    assert!(!export.body.contains("lucas.rossi"));

    // The API needs its own scope; an erase needs the email typed again.
    let (_, no_privacy) = new_key_with(&app, &admin, 100, &["messages:write"]).await;
    let refused = api(
        &app,
        "GET",
        &format!("/api/v1/customers/{ZOE}/export"),
        &no_privacy,
        None,
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let (_, privacy) = new_key_with(&app, &admin, 100, &["customers:privacy"]).await;
    let unconfirmed = api(
        &app,
        "POST",
        &format!("/api/v1/customers/{ZOE}/erase"),
        &privacy,
        Some(json!({ "confirm_email": "someone@else.example" })),
    )
    .await;
    assert_eq!(unconfirmed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json_of(&unconfirmed)["error"]["field"], "confirm_email");
    assert!(
        count(&app, "SELECT COUNT(*) FROM conversations").await >= 3,
        "nothing erased yet"
    );

    let erased = api(
        &app,
        "POST",
        &format!("/api/v1/customers/{ZOE}/erase"),
        &privacy,
        Some(json!({ "confirm_email": "ZOE.ANDERSON@example.com" })),
    )
    .await;
    assert_eq!(erased.status, StatusCode::OK, "{}", erased.body);
    let erased = json_of(&erased);
    assert_eq!(erased["conversations"], 2);
    assert_eq!(erased["orders"].as_i64(), Some(zoe_orders));
    // Gone from every table; Lucas's conversation untouched.
    for sql in [
        format!("SELECT COUNT(*) FROM orders WHERE customer_email = '{ZOE}'"),
        format!("SELECT COUNT(*) FROM support_tickets WHERE customer_email = '{ZOE}'"),
        format!("SELECT COUNT(*) FROM conversations WHERE id IN ('{named}', '{typed}')"),
        format!("SELECT COUNT(*) FROM messages WHERE conversation_id IN ('{named}', '{typed}')"),
        format!("SELECT COUNT(*) FROM messages WHERE lower(content) LIKE '%{ZOE}%'"),
    ] {
        assert_eq!(count(&app, &sql).await, 0, "{sql}");
    }
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM conversations WHERE id = '{other}'")
        )
        .await,
        1
    );
    let after = json_of(
        &send(
            &app,
            "GET",
            &format!("/api/desk/customers/{ZOE}/export"),
            Some(&admin),
            None,
        )
        .await,
    );
    assert_eq!(after["conversations"].as_array().unwrap().len(), 0);
    assert_eq!(after["orders"].as_array().unwrap().len(), 0);
    let log = json_of(&send(&app, "GET", "/api/desk/audit", Some(&admin), None).await);
    let actions: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"privacy.erase") && actions.contains(&"privacy.export"),
        "{actions:?}"
    );
    app.cleanup().await;
}

#[tokio::test]
async fn a_customer_is_exported_and_erased_from_every_table() {
    erase_on(app().await).await;
}

#[tokio::test]
async fn a_customer_is_exported_and_erased_from_every_table_on_postgres() {
    if let Some(app) = postgres_app().await {
        erase_on(app).await;
    }
}

#[tokio::test]
async fn resolved_conversations_older_than_the_retention_period_are_removed() {
    let app = app().await;
    let admin = sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let (_, key) = new_key(&app, &admin, 1000).await;
    let sent = api(
        &app,
        "POST",
        "/api/v1/messages",
        &key,
        Some(json!({ "message": "What is your return policy?" })),
    )
    .await;
    let id = json_of(&sent)["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let open = api(
        &app,
        "POST",
        "/api/v1/messages",
        &key,
        Some(json!({ "message": "Do you sell monitors?" })),
    )
    .await;
    let open = json_of(&open)["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        api(
            &app,
            "POST",
            &format!("/api/v1/conversations/{id}/resolve"),
            &key,
            None
        )
        .await
        .status,
        StatusCode::OK
    );
    // Nothing is old enough yet; a day later (as the clean-up sees it) the resolved one goes.
    let store = &app.db.store;
    assert_eq!(
        store
            .delete_resolved_before(chrono::Utc::now() - chrono::Duration::days(1))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        store
            .delete_resolved_before(chrono::Utc::now() + chrono::Duration::days(1))
            .await
            .unwrap(),
        1
    );
    assert!(store.conversation(&id).await.unwrap().is_none());
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM messages WHERE conversation_id = '{id}'")
        )
        .await,
        0
    );
    assert!(
        store.conversation(&open).await.unwrap().is_some(),
        "an open conversation stays"
    );
    app.cleanup().await;
}

/// `STORE_TRANSCRIPTS=false`: the words go when a conversation is resolved (or left idle a
/// day); its classification, tools and figures stay, and the desk says the lines were not kept.
async fn without_transcripts_on(app: TestApp) {
    let admin = sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let (_, key) = new_key(&app, &admin, 1000).await;
    let say = async |message: &str| {
        let sent = api(
            &app,
            "POST",
            "/api/v1/messages",
            &key,
            Some(json!({ "message": message })),
        )
        .await;
        assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
        json_of(&sent)["conversation_id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let id = say("Where is order 1013? My email is lucas.rossi@example.com").await;
    let left = say("Do you sell monitors for a dentist's office?").await;
    let words = async |id: &str| {
        count(
            &app,
            &format!(
                "SELECT COUNT(*) FROM messages WHERE conversation_id = '{id}' AND content <> ''"
            ),
        )
        .await
    };
    assert!(words(&id).await >= 2, "kept while the conversation is open");

    let resolved = api(
        &app,
        "POST",
        &format!("/api/v1/conversations/{id}/resolve"),
        &key,
        None,
    )
    .await;
    assert_eq!(resolved.status, StatusCode::OK, "{}", resolved.body);
    assert_eq!(words(&id).await, 0, "the words go with the resolution");
    let mentions = count(
        &app,
        &format!(
            "SELECT COUNT(*) FROM messages WHERE conversation_id = '{id}' \
             AND (metadata LIKE '%lucas%' OR metadata LIKE '%1013%')"
        ),
    )
    .await;
    assert_eq!(
        mentions, 0,
        "nor do the tools' arguments and results keep them"
    );
    let title = app.db.store.conversation(&id).await.unwrap().unwrap().title;
    assert!(
        title.ends_with("(transcript not kept)") && !title.contains("1013"),
        "{title}"
    );

    // The desk reads what is left: the classification, the tools, and a line saying why.
    let transcript = json_of(
        &send(
            &app,
            "GET",
            &format!("/api/desk/conversations/{id}"),
            Some(&admin),
            None,
        )
        .await,
    );
    let first = &transcript["messages"][0];
    assert_eq!(
        first["text"],
        server::http::support::NOT_KEPT,
        "{transcript}"
    );
    assert!(
        first["classification"]["category"].is_string(),
        "{transcript}"
    );
    assert!(
        transcript["messages"][1]["tools"][0]["tool"].is_string(),
        "{transcript}"
    );
    assert!(
        transcript["conversation"]["summary"].is_null(),
        "{transcript}"
    );
    // Search cannot find it by what was said.
    let found = json_of(
        &send(
            &app,
            "GET",
            "/api/desk/conversations?q=lucas",
            Some(&admin),
            None,
        )
        .await,
    );
    assert_eq!(found["total"], 0, "{found}");
    // The figures still count it.
    let figures = json_of(&send(&app, "GET", "/api/desk/analytics", Some(&admin), None).await);
    assert!(figures["conversations"].as_u64().unwrap() >= 2, "{figures}");
    assert!(figures["resolved"].as_u64().unwrap() >= 1, "{figures}");
    assert!(
        !figures["by_category"].as_array().unwrap().is_empty(),
        "{figures}"
    );
    assert!(
        !figures["tools"].as_array().unwrap().is_empty(),
        "{figures}"
    );

    // A rating keeps its score, not its comment.
    let rated = api(
        &app,
        "POST",
        &format!("/api/v1/conversations/{id}/rating"),
        &key,
        Some(json!({ "rating": 2, "comment": "Lucas here, too slow" })),
    )
    .await;
    assert_eq!(rated.status, StatusCode::OK, "{}", rated.body);
    assert_eq!(
        count(&app, &format!("SELECT COUNT(*) FROM feedback WHERE conversation_id = '{id}' AND score = 2 AND reason = ''")).await,
        1
    );

    // A conversation nobody resolved loses its words once it has been idle for a day.
    let retention = server::services::housekeeping::Retention {
        visitor_days: 30,
        conversation_days: None,
        transcripts_kept: false,
    };
    let images = server::server_state(&app.config, app.db.store.clone()).images;
    let clean_up = async |hours: i64| {
        let now = chrono::Utc::now() + chrono::Duration::hours(hours);
        server::services::housekeeping::clean_up_at(&app.db.store, &images, retention, now).await
    };
    assert_eq!(clean_up(1).await.transcripts, 0, "an hour idle: kept");
    assert!(words(&left).await > 0);
    let removed = clean_up(25).await;
    assert_eq!(removed.transcripts, 1, "{removed:?}");
    assert_eq!(words(&left).await, 0);
    app.cleanup().await;
}

#[tokio::test]
async fn without_transcripts_only_classifications_and_figures_stay() {
    let app = staff_builder()
        .env("STORE_TRANSCRIPTS", "false")
        .build()
        .await
        .unwrap();
    without_transcripts_on(app).await;
}

#[tokio::test]
async fn without_transcripts_only_classifications_and_figures_stay_on_postgres() {
    if let Some(app) = staff_builder()
        .postgres()
        .env("STORE_TRANSCRIPTS", "false")
        .build()
        .await
    {
        without_transcripts_on(app).await;
    }
}
