//! Alerts to the team reach a webhook, signed: a local receiver checks each request's
//! HMAC-SHA256 signature itself (with the `hmac` crate, not the server's function), fails the
//! first two attempts with 500, and the delivery arrives on the third, after the retry delays;
//! the desk's log says so. A 404 fails a delivery at once. A low rating alerts too.
// A test stops at a failed step: unwrap and expect are what it means here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::extract::State;
use axum::http::HeaderMap;
use common::staff::*;
use common::*;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use std::sync::Mutex;

const SECRET: &str = "a-webhook-secret-for-tests";

/// What the receiver saw: (event, delivery id, signature valid, body).
type Seen = Arc<Mutex<Vec<(String, String, bool, Value)>>>;

#[derive(Clone)]
struct Receiver {
    seen: Seen,
    /// The statuses to answer, in order; then 200.
    answers: Arc<Mutex<Vec<u16>>>,
}

fn valid(headers: &HeaderMap, body: &str) -> bool {
    let (Some(timestamp), Some(signature)) = (
        headers
            .get("x-signature-timestamp")
            .and_then(|v| v.to_str().ok()),
        headers.get("x-signature-256").and_then(|v| v.to_str().ok()),
    ) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.{body}").as_bytes());
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    signature == format!("sha256={expected}")
}

async fn receive(State(r): State<Receiver>, headers: HeaderMap, body: String) -> StatusCode {
    let event = headers
        .get("x-alert-event")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let delivery = headers
        .get("x-delivery-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let ok = valid(&headers, &body);
    let parsed = serde_json::from_str(&body).unwrap_or(Value::Null);
    r.seen.lock().unwrap().push((event, delivery, ok, parsed));
    let mut answers = r.answers.lock().unwrap();
    let status = if answers.is_empty() {
        200
    } else {
        answers.remove(0)
    };
    StatusCode::from_u16(status).unwrap()
}

async fn receiver(answers: Vec<u16>) -> (String, Receiver) {
    let state = Receiver {
        seen: Arc::default(),
        answers: Arc::new(Mutex::new(answers)),
    };
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(receive))
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, state)
}

async fn alert_app(url: &str, postgres: bool) -> Option<TestApp> {
    let builder = TestApp::builder()
        .env("ADMIN_EMAIL", ADMIN_EMAIL)
        .env("ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("ADMIN_NAME", "Ada Admin")
        .env("WEBHOOK_URLS", url)
        .env("WEBHOOK_SECRET", SECRET);
    if postgres {
        builder.postgres()
    } else {
        builder
    }
    .build()
    .await
}

#[tokio::test]
async fn an_escalation_reaches_the_webhook_signed_after_two_failures() {
    let (url, receiver) = receiver(vec![500, 500]).await;
    alerts_on(alert_app(&url, false).await.unwrap(), receiver).await;
}

#[tokio::test]
async fn an_escalation_reaches_the_webhook_signed_after_two_failures_on_postgres() {
    let (url, receiver) = receiver(vec![500, 500]).await;
    if let Some(app) = alert_app(&url, true).await {
        alerts_on(app, receiver).await;
    }
}

async fn alerts_on(app: TestApp, receiver: Receiver) {
    let alerts = app.support.alerts().clone();
    let (customer, _) =
        customer_says(&app, None, "This is unacceptable, I want a manager now!").await;
    let id = session_of(customer.as_deref().unwrap());
    let t0 = chrono::Utc::now().timestamp_millis();

    // First attempt: 500. Not due again at once; due after a second: 500 again.
    assert_eq!(alerts.deliver_due(t0).await, 1);
    assert_eq!(alerts.deliver_due(t0).await, 0, "the retry waits");
    assert_eq!(alerts.deliver_due(t0 + 1_000).await, 1);
    assert_eq!(
        alerts.deliver_due(t0 + 1_000 + 3_999).await,
        0,
        "4 s this time"
    );
    let started = std::time::Instant::now();
    assert_eq!(alerts.deliver_due(t0 + 5_000).await, 1);
    println!(
        "webhook delivery (third attempt, local receiver): {:.1} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
    assert_eq!(alerts.deliver_due(t0 + 100_000).await, 0, "delivered: done");

    // Asking again for a person (typed, then the "Talk to a human" button) while one is on the
    // way reuses the open ticket: no second ticket, no second alert.
    let cookie = customer.as_deref();
    let (_, frames) = customer_says(&app, cookie, "Please get me a real person").await;
    let again = send(&app, "POST", "/api/support/human", cookie, None).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert!(
        again.body.contains("already with our team"),
        "{}",
        again.body
    );
    let tickets = app
        .support
        .store()
        .tickets_for_conversation(&id)
        .await
        .unwrap();
    assert_eq!(tickets.len(), 1, "one escalation, one ticket: {frames:?}");
    assert_eq!(alerts.deliver_due(t0 + 150_000).await, 0, "no second alert");

    let seen = receiver.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert!(
        seen.iter().all(|(_, _, ok, _)| *ok),
        "every request is signed: {seen:?}"
    );
    assert!(
        seen.iter()
            .all(|(e, d, _, _)| e == "conversation.escalated" && *d == seen[0].1)
    );
    let body = &seen[2].3;
    assert_eq!(body["event"], "conversation.escalated");
    assert_eq!(body["conversation_id"], id.as_str());
    assert!(body["ticket_id"].as_i64().is_some(), "{body}");
    assert_eq!(body["delivery_id"].to_string(), seen[2].1);
    // Nothing about the customer but the conversation's id.
    assert!(!body.to_string().contains("unacceptable"));

    let admin = sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let log = json_of(&send(&app, "GET", "/api/desk/alerts", Some(&admin), None).await);
    let delivery = &log["deliveries"][0];
    assert_eq!(delivery["status"], "delivered", "{log}");
    assert_eq!(delivery["attempts"], 3);
    assert_eq!(delivery["last_status"], 200);
    assert_eq!(log["webhooks"][0].as_str().unwrap(), receiver_url(&log));

    // A receiver that says 404 fails the delivery at once; a low rating is alerted too.
    receiver.answers.lock().unwrap().push(404);
    let (_, key) = new_key(&app, &admin, 600).await;
    send(
        &app,
        "POST",
        &format!("/api/desk/conversations/{id}/resolve"),
        Some(&admin),
        None,
    )
    .await;
    let rated = api(
        &app,
        "POST",
        &format!("/api/v1/conversations/{id}/rating"),
        &key,
        Some(json!({ "rating": 1, "comment": "Nobody came" })),
    )
    .await;
    assert_eq!(rated.status, StatusCode::OK, "{}", rated.body);
    assert_eq!(alerts.deliver_due(t0 + 200_000).await, 1);
    let log = json_of(&send(&app, "GET", "/api/desk/alerts", Some(&admin), None).await);
    let delivery = &log["deliveries"][0];
    assert_eq!(delivery["event"], "rating.low", "{log}");
    assert_eq!(delivery["status"], "failed");
    assert_eq!(delivery["attempts"], 1);
    assert_eq!(delivery["last_status"], 404);

    // The log is the administrators'.
    let agent = send(
        &app,
        "POST",
        "/api/desk/users",
        Some(&admin),
        Some(json!({ "email": "di@store.example", "name": "Di", "password": "di's long password", "role": "agent" })),
    )
    .await;
    assert_eq!(agent.status, StatusCode::CREATED);
    let di = sign_in(&app, "di@store.example", "di's long password").await;
    assert_eq!(
        send(&app, "GET", "/api/desk/alerts", Some(&di), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    app.cleanup().await;
}

fn receiver_url(log: &Value) -> &str {
    log["webhooks"][0].as_str().unwrap_or_default()
}

#[test]
fn webhooks_need_a_secret_and_http_urls() {
    let config = |pairs: &[(&str, &str)]| {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    };
    assert!(config(&[("WEBHOOK_URLS", "https://hooks.example/a")]).is_err());
    assert!(config(&[("WEBHOOK_URLS", "ftp://x/y"), ("WEBHOOK_SECRET", SECRET)]).is_err());
    assert!(
        config(&[
            ("WEBHOOK_URLS", "https://h.example/a"),
            ("WEBHOOK_SECRET", "short")
        ])
        .is_err()
    );
    let ok = config(&[
        ("WEBHOOK_URLS", "https://h.example/a, http://127.0.0.1:9/b"),
        ("WEBHOOK_SECRET", SECRET),
    ])
    .unwrap();
    assert_eq!(ok.webhook_urls.len(), 2);
}
