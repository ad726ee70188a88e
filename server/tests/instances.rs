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

/// One server-sent event as sent: its id (when stored), name and data.
#[derive(Debug)]
struct Frame {
    id: Option<i64>,
    name: String,
    data: Value,
}

/// Reads events until one named `want` arrives or `within` passes.
async fn read_until(
    body: &mut Body,
    buffer: &mut String,
    want: &str,
    within: Duration,
) -> Vec<Frame> {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + within;
    while !seen.iter().any(|f: &Frame| f.name == want) {
        while let Some(end) = buffer.find("\n\n") {
            let event: String = buffer.drain(..end + 2).collect();
            let field = |prefix: &str| {
                event
                    .lines()
                    .find_map(|l| l.strip_prefix(prefix).map(str::to_owned))
            };
            if let Some(data) = field("data: ") {
                seen.push(Frame {
                    id: field("id: ").and_then(|id| id.parse().ok()),
                    name: field("event: ").unwrap_or_else(|| "message".into()),
                    data: serde_json::from_str(&data).unwrap_or(Value::Null),
                });
            }
        }
        if seen.iter().any(|f| f.name == want) {
            break;
        }
        let frame = tokio::time::timeout_at(deadline, body.frame()).await;
        let Ok(Some(Ok(frame))) = frame else { break };
        if let Some(data) = frame.data_ref() {
            buffer.push_str(&String::from_utf8_lossy(data));
        }
    }
    seen
}

/// Opens an event stream, optionally resuming after `last_event_id`.
async fn open_stream(app: &TestApp, uri: &str, cookie: &str, last_event_id: Option<i64>) -> Body {
    let mut request = Request::get(uri).header(header::COOKIE, cookie);
    if let Some(id) = last_event_id {
        request = request.header("last-event-id", id.to_string());
    }
    let response = app
        .router
        .clone()
        .oneshot(request.body(Body::empty()).expect("request"))
        .await
        .expect("infallible");
    assert_eq!(response.status(), StatusCode::OK);
    response.into_body()
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

#[tokio::test]
async fn a_desk_reply_on_one_instance_reaches_the_customer_on_the_other() {
    let Some((a, b)) = two_instances(&[]).await else {
        return;
    };
    // The customer talks to instance A and keeps its chat open there.
    let (customer, _) = customer_says(
        &a,
        None,
        "Where is order 1013? My email is lucas.rossi@example.com",
    )
    .await;
    let customer = customer.expect("a session cookie");
    let session = customer.split_once('=').expect("cookie").1.to_owned();
    let mut chat = open_stream(&a, "/api/support/events", &customer, None).await;
    let mut buffer = String::new();
    read_until(&mut chat, &mut buffer, "hello", Duration::from_secs(5)).await;

    // The staff member works on instance B.
    let admin = sign_in(&b, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    desk_action(&b, &admin, &session, "claim", None).await;
    let heard = read_until(&mut chat, &mut buffer, "claimed", Duration::from_secs(5)).await;
    let claimed = heard
        .iter()
        .find(|f| f.name == "claimed")
        .expect("the claim on B reaches A");
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
    let (customer, _) = customer_says(
        &a,
        None,
        "I need help with my order 1013, lucas.rossi@example.com",
    )
    .await;
    let customer = customer.expect("a session cookie");
    let session = customer.split_once('=').expect("cookie").1.to_owned();
    let admin = sign_in(&a, ADMIN_EMAIL, ADMIN_PASSWORD).await;

    // The chat is open on A and hears the claim, then the connection drops.
    let mut chat = open_stream(&a, "/api/support/events", &customer, None).await;
    let mut buffer = String::new();
    read_until(&mut chat, &mut buffer, "hello", Duration::from_secs(5)).await;
    desk_action(&a, &admin, &session, "claim", None).await;
    let heard = read_until(&mut chat, &mut buffer, "claimed", Duration::from_secs(5)).await;
    let last_seen = heard
        .iter()
        .find(|f| f.name == "claimed")
        .and_then(|f| f.id)
        .expect("an id");
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
            Some(json!({ "email": ADMIN_EMAIL, "password": "wrong" })),
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
async fn an_image_made_on_one_instance_is_served_and_cached_by_the_other() {
    // The Stability API is a local FAKE of the cloud service (imagegen::fake).
    let (fake, seen) = imagegen::fake::fake_cloud().await;
    // Each instance gets its own image folder, as two machines would: only the database is shared.
    let (dir_a, dir_b) = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let Some(a) = TestApp::builder()
        .postgres()
        .env("STABILITY_KEY", "sk-stability-test")
        .env("STABILITY_BASE_URL", &fake)
        .env("IMAGES_DIR", &dir_a.path().display().to_string())
        .build()
        .await
    else {
        return;
    };
    let mut config_b = a.config.clone();
    config_b.images_dir = dir_b.path().to_path_buf();
    let b = a
        .another_instance_with(config_b)
        .await
        .expect("a second instance");

    let body = r#"{"prompt":"a lighthouse at dusk","seed":7,"format":"png"}"#;
    let made = a.post_json("/api/images/generate", body).await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    let made: Value = serde_json::from_str(&made.body).expect("json");
    let id = made["image"]["id"].as_i64().expect("id");

    // B serves the bytes A stored...
    let file = b.get(&format!("/api/images/{id}/file")).await;
    assert_eq!(file.status, StatusCode::OK, "{}", file.body);
    let from_a = a.get(&format!("/api/images/{id}/file")).await;
    assert_eq!(file.body, from_a.body);
    // ...and answers the same request from the shared cache, without paying the provider again.
    let again = b.post_json("/api/images/generate", body).await;
    let again: Value = serde_json::from_str(&again.body).expect("json");
    assert_eq!(again["cached"], true, "{again}");
    assert_eq!(again["image"]["id"], id);
    assert_eq!(seen.lock().map(|s| s.len()).unwrap_or(0), 1);
    // Nothing was written to either instance's disk.
    assert_eq!(
        std::fs::read_dir(dir_a.path())
            .map(|d| d.count())
            .unwrap_or(0),
        0
    );

    // Deleting on B deletes the shared bytes: A no longer serves them.
    let deleted = b
        .request(
            Request::delete(format!("/api/images/{id}"))
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert!(deleted.status.is_success(), "{}", deleted.body);
    assert_eq!(
        a.get(&format!("/api/images/{id}/file")).await.status,
        StatusCode::NOT_FOUND
    );
    b.cleanup().await;
    a.cleanup().await;
}

#[tokio::test]
async fn a_document_uploaded_on_one_instance_is_cited_by_the_agent_on_the_other() {
    let builder = || {
        TestApp::builder()
            .postgres()
            .env("ADMIN_EMAIL", ADMIN_EMAIL)
            .env("ADMIN_PASSWORD", ADMIN_PASSWORD)
            .knowledge()
    };
    let Some(a) = builder().build().await else {
        return;
    };
    // B: its own embedded index in its own folder, loaded from the same database.
    let b_dir = tempfile::tempdir().expect("dir");
    let mut config_b = a.config.clone();
    config_b.kb_dir = b_dir.path().to_path_buf();
    let b = a
        .another_instance_with(config_b.clone())
        .await
        .expect("a second instance");
    b.knowledge
        .load(
            server::services::knowledge::knowledge_settings(&config_b),
            &b.support,
        )
        .await;
    let replica = b.knowledge.knowledge_base().expect("B's knowledge base");
    let shipped = replica.chunks().len();

    let admin = sign_in(&a, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let markdown = "# Drone care\n\nIntro to our drones.\n\n## Warranty\n\nThe Zephyr-9 drone carries a 41-month warranty covering motors and the gimbal.\n";
    let reply = staff_upload(
        &a,
        &admin,
        "drones.md",
        markdown.as_bytes(),
        &[("doc_type", "policy"), ("category", "warranty")],
    )
    .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.body);
    let id = json_of(&reply)["document"]["id"].as_i64().expect("id");

    // B hears that A finished it and indexes the stored chunks into its own replica.
    let prefix = format!("doc{id}-");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !replica
        .chunks()
        .chunks
        .iter()
        .any(|c| c.id.starts_with(&prefix))
    {
        assert!(Instant::now() < deadline, "B never indexed document {id}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(replica.chunks().len(), shipped + 2);

    // The agent on B cites the passage uploaded on A.
    let (_, frames) = customer_says(
        &b,
        None,
        "What does the warranty of the Zephyr-9 drone cover?",
    )
    .await;
    let cited = frames.iter().filter(|f| f["event"] == "tool_end").any(|t| {
        t["data"]["outcome"]["citations"]
            .as_array()
            .is_some_and(|c| {
                c.iter()
                    .any(|c| c["id"].as_str().is_some_and(|i| i.starts_with(&prefix)))
            })
    });
    assert!(cited, "{frames:?}");

    // Deleted on A: gone from B's replica too.
    let deleted = send(
        &a,
        "DELETE",
        &format!("/api/desk/kb/documents/{id}"),
        Some(&admin),
        None,
    )
    .await;
    assert!(deleted.status.is_success(), "{}", deleted.body);
    let deadline = Instant::now() + Duration::from_secs(10);
    while replica
        .chunks()
        .chunks
        .iter()
        .any(|c| c.id.starts_with(&prefix))
    {
        assert!(
            Instant::now() < deadline,
            "B kept document {id} after its deletion"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    b.cleanup().await;
    a.cleanup().await;
}

#[tokio::test]
async fn a_job_survives_the_instance_that_claimed_it() {
    // A: an instance that queues an upload's job, claims it and dies before finishing (its
    // runner is never started here, so nothing renews the lease).
    let Some(a) = TestApp::builder()
        .postgres()
        .env("JOB_LEASE_SECONDS", "1")
        .env("ADMIN_EMAIL", ADMIN_EMAIL)
        .env("ADMIN_PASSWORD", ADMIN_PASSWORD)
        .build()
        .await
    else {
        return;
    };
    let store = &a.db.store;
    let doc = store
        .create_document(&store::operations::NewDocument {
            title: "Drone care",
            filename: "drones.md",
            media_type: "text/markdown",
            bytes: 120,
            audience: "customer",
            doc_type: "policy",
            category: "warranty",
            uploaded_by: "test",
        })
        .await
        .expect("document");
    let passage = "The Zephyr-9 drone carries a 41-month warranty covering motors and the gimbal.";
    let chunks = vec![(
        format!("doc{doc}-1"),
        "Drone care › Warranty".to_owned(),
        String::new(),
        passage.to_owned(),
    )];
    let now = chrono::Utc::now().timestamp_millis();
    let job = store.queue_ingest(doc, &chunks, now).await.expect("queued");
    let claimed = store
        .claim_job("instance-a (killed)", now, 1_000)
        .await
        .expect("claim")
        .expect("claimed");
    assert_eq!(claimed.id, job);

    // B starts (its knowledge base loads, then its runner looks for work): once A's lease has
    // lapsed, B takes the job over and finishes it.
    let b_dir = tempfile::tempdir().expect("dir");
    let mut config_b = a.config.clone();
    config_b.kb_dir = b_dir.path().to_path_buf();
    config_b.models_dir = std::path::PathBuf::from(models_dir());
    let b = a
        .another_instance_with(config_b.clone())
        .await
        .expect("a second instance");
    b.knowledge
        .load(
            server::services::knowledge::knowledge_settings(&config_b),
            &b.support,
        )
        .await;
    let deadline = Instant::now() + Duration::from_secs(60);
    let finished = loop {
        let row = store.job(job).await.expect("job").expect("the job");
        if row.status == domain::api::jobs::JobStatus::Done {
            break row;
        }
        assert!(
            Instant::now() < deadline,
            "the job was not taken over: {row:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(finished.attempts, 2, "claimed by A, then by B");
    assert_eq!(
        store
            .document(doc)
            .await
            .expect("read")
            .expect("doc")
            .status
            .as_str(),
        "ready"
    );
    let kb = b.knowledge.knowledge_base().expect("B's knowledge base");
    assert!(
        kb.chunks()
            .chunks
            .iter()
            .any(|c| c.id == format!("doc{doc}-1"))
    );

    // The REST API reports it, on either instance.
    let admin = sign_in(&a, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let (_, key) = new_key(&a, &admin, 60).await;
    let reply = api(&b, "GET", &format!("/api/v1/jobs/{job}"), &key, None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reported = json_of(&reply);
    assert_eq!(reported["status"], "done");
    assert_eq!(reported["document_id"], doc);
    assert_eq!(reported["attempts"], 2);
    b.cleanup().await;
    a.cleanup().await;
}

/// A multipart form of `class` and pictures, as the classifier page sends it.
fn teach_form(class: &str, pictures: &[Vec<u8>]) -> Request<Body> {
    let boundary = "----instances-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"class\"\r\n\r\n{class}\r\n"
    )
    .into_bytes();
    for picture in pictures {
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p.png\"\r\nContent-Type: image/png\r\n\r\n").as_bytes());
        body.extend_from_slice(picture);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    Request::post("/api/classifier/teach")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .expect("request")
}

/// The class names an instance's classifier answers with.
async fn classes_on(app: &TestApp) -> Vec<String> {
    let info = json_of(&app.get("/api/classifier/info").await);
    info["classes"]
        .as_array()
        .map(|c| {
            c.iter()
                .filter_map(|c| c["name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

async fn wait_for_classes(app: &TestApp, has: bool, class: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while classes_on(app).await.iter().any(|c| c == class) != has {
        assert!(
            Instant::now() < deadline,
            "the other instance never {} {class}",
            if has { "learned" } else { "forgot" }
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_class_taught_on_one_instance_is_known_to_the_other_and_so_is_a_reset() {
    let Some(a) = TestApp::builder().postgres().classifier().build().await else {
        return;
    };
    // B: its own folder for taught files, as another machine.
    let b_dir = tempfile::tempdir().expect("dir");
    let mut config_b = a.config.clone();
    config_b.classifier_dir = b_dir.path().to_path_buf();
    let b = a
        .another_instance_with(config_b)
        .await
        .expect("a second instance");
    b.classifier.load().await;

    let pictures: Vec<Vec<u8>> = sample_pictures(&a).await;
    let taught = a.request(teach_form("Logo", &pictures)).await;
    assert_eq!(taught.status, StatusCode::OK, "{}", taught.body);
    wait_for_classes(&b, true, "logo").await;

    // A third instance starting now takes the taught class from the database.
    let c_dir = tempfile::tempdir().expect("dir");
    let mut config_c = a.config.clone();
    config_c.classifier_dir = c_dir.path().to_path_buf();
    let c = a
        .another_instance_with(config_c)
        .await
        .expect("a third instance");
    c.classifier.load().await;
    assert!(classes_on(&c).await.iter().any(|n| n == "logo"));

    let reset = a
        .request(
            Request::post("/api/classifier/reset")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.body);
    wait_for_classes(&b, false, "logo").await;
    c.cleanup().await;
    b.cleanup().await;
    a.cleanup().await;
}

/// Two of the drawn sample pictures the classifier page offers.
async fn sample_pictures(app: &TestApp) -> Vec<Vec<u8>> {
    let mut pictures = Vec::new();
    for name in ["superman-emblem-2", "noise"] {
        let reply = app
            .router
            .clone()
            .oneshot(
                Request::get(format!("/api/classifier/samples/{name}.png"))
                    .body(Body::empty())
                    .expect("request"),
            )
            .await
            .expect("infallible");
        assert_eq!(reply.status(), StatusCode::OK, "{name}");
        let bytes = reply.into_body().collect().await.expect("body").to_bytes();
        pictures.push(bytes.to_vec());
    }
    pictures
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
