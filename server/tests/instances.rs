//! Two instances of the server on one PostgreSQL database behave as one app: each instance
//! here has its own pools, live hub, event listener and limits, as two machines would, and
//! they share only the database. Skipped loudly without PostgreSQL (CI requires it).
// A test stops at a failed step: unwrap and expect are what it means here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::staff::*;
use common::*;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Two instances, A and B, of the app with an administrator; `None` without PostgreSQL.
async fn two_instances(env: &[(&str, &str)]) -> Option<(TestApp, TestApp)> {
    let mut builder = TestApp::builder()
        .postgres()
        .env("ADMIN_EMAIL", ADMIN_EMAIL)
        .env("ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("ADMIN_NAME", "Ada Admin");
    for (key, value) in env {
        builder = builder.env(key, value);
    }
    let a = builder.build().await?;
    let b = a.another_instance().await.expect("a second instance");
    Some((a, b))
}

async fn desk_action(app: &TestApp, admin: &str, session: &str, action: &str, body: Option<Value>) {
    let reply = send(
        app,
        "POST",
        &format!("/api/desk/conversations/{session}/{action}"),
        Some(admin),
        body,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{action}: {}", reply.body);
}

/// A customer who wrote on `customer_on` and keeps its live chat open there, and the
/// administrator signed in on `staff_on`, who has claimed the conversation.
struct Held {
    customer: String,
    session: String,
    admin: String,
    chat: Body,
    buffer: String,
    /// The `claimed` event as the customer's chat received it.
    claimed: Frame,
}

async fn held_conversation(customer_on: &TestApp, staff_on: &TestApp) -> Held {
    let (customer, _) = customer_says(
        customer_on,
        None,
        "Where is order 1013? My email is lucas.rossi@example.com",
    )
    .await;
    let customer = customer.expect("a session cookie");
    let session = session_of(&customer);
    let mut chat = open_stream(customer_on, "/api/support/events", &customer, None).await;
    let mut buffer = String::new();
    read_until(&mut chat, &mut buffer, "hello", Duration::from_secs(5)).await;
    let admin = sign_in(staff_on, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    desk_action(staff_on, &admin, &session, "claim", None).await;
    let claimed = read_until(&mut chat, &mut buffer, "claimed", Duration::from_secs(5))
        .await
        .into_iter()
        .find(|f| f.name == "claimed")
        .expect("the claim reaches the customer's chat");
    Held {
        customer,
        session,
        admin,
        chat,
        buffer,
        claimed,
    }
}

#[tokio::test]
async fn a_desk_reply_on_one_instance_reaches_the_customer_on_the_other() {
    let Some((a, b)) = two_instances(&[]).await else {
        return;
    };
    // The customer talks to instance A and keeps its chat open there; the staff member works
    // on instance B.
    let Held {
        session,
        admin,
        mut chat,
        mut buffer,
        claimed,
        ..
    } = held_conversation(&a, &b).await;
    assert_eq!(claimed.data["data"]["detail"]["name"], "Ada Admin");
    assert!(claimed.id.is_some(), "stored events carry their id");

    // Forty replies measure the round trip (printed, not asserted: figures, not a timed test).
    let mut round_trips = Vec::new();
    for n in 0..40 {
        let started = Instant::now();
        desk_action(
            &b,
            &admin,
            &session,
            "reply",
            Some(json!({ "text": format!("Reply {n} from B") })),
        )
        .await;
        let heard = read_until(&mut chat, &mut buffer, "message", Duration::from_secs(5)).await;
        let message = heard
            .iter()
            .find(|f| f.name == "message")
            .expect("the reply on B reaches A");
        round_trips.push(started.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(
            message.data["data"]["detail"]["text"],
            format!("Reply {n} from B")
        );
    }
    round_trips.sort_by(f64::total_cmp);
    let at = |q: f64| round_trips[((round_trips.len() - 1) as f64 * q).round() as usize];
    println!(
        "cross-instance handoff, desk reply on B -> customer's stream on A ({} replies): p50 {:.1} ms, p99 {:.1} ms",
        round_trips.len(),
        at(0.5),
        at(0.99)
    );
    b.cleanup().await;
    a.cleanup().await;
}

#[tokio::test]
async fn a_reconnect_to_the_other_instance_replays_what_was_missed() {
    let Some((a, b)) = two_instances(&[]).await else {
        return;
    };
    // The chat is open on A and hears the claim, then the connection drops.
    let Held {
        customer,
        session,
        admin,
        chat,
        claimed,
        ..
    } = held_conversation(&a, &a).await;
    let last_seen = claimed.id.expect("an id");
    drop(chat);

    // Meanwhile the person replies twice.
    desk_action(
        &a,
        &admin,
        &session,
        "reply",
        Some(json!({ "text": "First, while you were away" })),
    )
    .await;
    desk_action(
        &a,
        &admin,
        &session,
        "reply",
        Some(json!({ "text": "Second, while you were away" })),
    )
    .await;

    // The browser reconnects, landing on B, with the id of the last event it saw.
    let mut chat = open_stream(&b, "/api/support/events", &customer, Some(last_seen)).await;
    let mut buffer = String::new();
    let mut texts = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(5);
    while texts.len() < 2 && Instant::now() < deadline {
        for frame in read_until(&mut chat, &mut buffer, "message", Duration::from_secs(5)).await {
            if frame.name == "message" {
                assert!(frame.id.is_some_and(|id| id > last_seen), "{frame:?}");
                texts.push(
                    frame.data["data"]["detail"]["text"]
                        .as_str()
                        .unwrap_or("")
                        .to_owned(),
                );
            }
        }
    }
    assert_eq!(
        texts,
        ["First, while you were away", "Second, while you were away"]
    );

    // Live events still follow the replay, once each.
    desk_action(
        &a,
        &admin,
        &session,
        "reply",
        Some(json!({ "text": "Third, live" })),
    )
    .await;
    let heard = read_until(&mut chat, &mut buffer, "message", Duration::from_secs(5)).await;
    let live: Vec<_> = heard.iter().filter(|f| f.name == "message").collect();
    assert_eq!(live.len(), 1, "{heard:?}");
    assert_eq!(live[0].data["data"]["detail"]["text"], "Third, live");
    b.cleanup().await;
    a.cleanup().await;
}

#[tokio::test]
async fn one_client_limit_holds_across_instances() {
    let Some((a, b)) = two_instances(&[("CHAT_RATE_PER_MINUTE", "6")]).await else {
        return;
    };
    // Ten sign-in attempts from one client, alternating between the instances.
    let mut refused = 0;
    for n in 0..10 {
        let instance = if n % 2 == 0 { &a } else { &b };
        let reply = send(
            instance,
            "POST",
            "/api/desk/login",
            None,
            // An email with no account: the per-account lockout stays out of this count.
            Some(json!({ "email": "nobody@store.example", "password": "wrong" })),
        )
        .await;
        if reply.status == StatusCode::TOO_MANY_REQUESTS {
            refused += 1;
            assert!(reply.headers.contains_key(header::RETRY_AFTER));
        } else {
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.body);
        }
    }
    assert_eq!(
        refused, 4,
        "six a minute lets six through, whichever instance answers"
    );
    b.cleanup().await;
    a.cleanup().await;
}

#[tokio::test]
async fn a_listener_that_loses_its_connection_listens_again_and_misses_nothing() {
    let Some((a, b)) = two_instances(&[]).await else {
        return;
    };
    let Held {
        session,
        admin,
        mut chat,
        mut buffer,
        ..
    } = held_conversation(&a, &b).await;

    // Both instances' LISTEN connections are cut (as a database restart or a network blip would).
    let schema =
        a.db.store
            .scalar_text("SELECT current_schema()")
            .await
            .expect("schema")
            .expect("a schema");
    let cut = a
        .db
        .store
        .scalar_text(&format!(
            "SELECT COUNT(pg_terminate_backend(pid))::text FROM pg_stat_activity WHERE query LIKE 'LISTEN \"live_events_{schema}\"%'"
        ))
        .await
        .expect("terminate");
    assert_eq!(
        cut.as_deref(),
        Some("2"),
        "both listeners were found and cut"
    );

    // Replies sent right away still reach the customer on A.
    for n in 0..3 {
        desk_action(
            &b,
            &admin,
            &session,
            "reply",
            Some(json!({ "text": format!("After the cut {n}") })),
        )
        .await;
    }
    let mut texts = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(15);
    while texts.len() < 3 && Instant::now() < deadline {
        for frame in read_until(&mut chat, &mut buffer, "message", Duration::from_secs(15)).await {
            if frame.name == "message" {
                texts.push(
                    frame.data["data"]["detail"]["text"]
                        .as_str()
                        .unwrap_or("")
                        .to_owned(),
                );
            }
        }
    }
    assert_eq!(
        texts,
        ["After the cut 0", "After the cut 1", "After the cut 2"]
    );
    b.cleanup().await;
    a.cleanup().await;
}

#[tokio::test]
async fn the_store_connects_to_postgresql_over_tls() {
    // The provider the server installs at start; without it, two linked providers make the
    // first TLS handshake panic.
    server::startup::install_crypto_provider();
    let url = std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| store::testing::DEFAULT_POSTGRES_URL.to_owned());
    let Ok(plain) = store::Store::connect(&url, &store::ConnectOptions::default()).await else {
        eprintln!("\n!! SKIPPING the TLS test: PostgreSQL at {url} did not answer.\n");
        return;
    };
    let ssl = plain.scalar_text("SHOW ssl").await.expect("show ssl");
    plain.close().await;
    if ssl.as_deref() != Some("on") {
        eprintln!("\n!! SKIPPING the TLS test: PostgreSQL at {url} has ssl = off.\n");
        return;
    }
    let separator = if url.contains('?') { '&' } else { '?' };
    let tls_url = format!("{url}{separator}sslmode=require");
    let store = store::Store::connect(&tls_url, &store::ConnectOptions::default())
        .await
        .expect("a TLS connection");
    let encrypted = store
        .scalar_text("SELECT ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .await
        .expect("pg_stat_ssl");
    assert_eq!(
        encrypted.as_deref(),
        Some("true"),
        "the connection is encrypted"
    );
    store.close().await;
}
