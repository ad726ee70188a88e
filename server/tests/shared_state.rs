//! Two instances of the server on one PostgreSQL database share what users made: generated
//! images, knowledge-base documents (and the jobs indexing them), taught classifier classes.
//! Each instance has its own folders, as two machines would. Skipped loudly without PostgreSQL
//! (CI requires it). The live desk and the limits across instances: `instances.rs`.
// A test stops at a failed step: unwrap and expect are what it means here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::staff::*;
use common::*;
use serde_json::Value;
use std::time::{Duration, Instant};

/// Another instance of `a`'s app with its own embedded knowledge base in `dir` (as another
/// machine), loaded from the shared database; its job runner starts with it.
async fn instance_with_knowledge(a: &TestApp, dir: &std::path::Path) -> TestApp {
    let mut config = a.config.clone();
    config.kb_dir = dir.to_path_buf();
    config.models_dir = std::path::PathBuf::from(models_dir());
    let b = a
        .another_instance_with(config.clone())
        .await
        .expect("a second instance");
    b.knowledge
        .load(
            server::services::knowledge::knowledge_settings(&config),
            &b.support,
        )
        .await;
    b
}

/// Another instance of `a`'s app with its own folder for taught files in `dir` (as another
/// machine), its classifier loaded.
async fn instance_with_classifier(a: &TestApp, dir: &std::path::Path) -> TestApp {
    let mut config = a.config.clone();
    config.classifier_dir = dir.to_path_buf();
    let other = a
        .another_instance_with(config)
        .await
        .expect("another instance");
    other.classifier.load().await;
    other
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

/// A real S3 server (`s3s-fs`: objects are files in `root/<bucket>/`) on a free local port,
/// requiring these keys; its address.
async fn s3_server(root: &std::path::Path, bucket: &str) -> String {
    std::fs::create_dir_all(root.join(bucket)).expect("bucket folder");
    let files = s3s_fs::FileSystem::new(root).expect("s3s-fs");
    let mut service = s3s::service::S3ServiceBuilder::new(files);
    service.set_auth(s3s::auth::SimpleAuth::from_single(S3_KEY_ID, S3_SECRET));
    let service =
        axum::error_handling::HandleError::new(service.build(), |e: s3s::HttpError| async move {
            (StatusCode::INTERNAL_SERVER_ERROR, format!("{e:?}"))
        });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("port");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, axum::Router::new().fallback_service(service)).await;
    });
    format!("http://{address}")
}

const S3_KEY_ID: &str = "portfolio-test";
const S3_SECRET: &str = "portfolio-test-secret";

#[tokio::test]
async fn an_image_in_a_bucket_is_served_by_the_other_instance_and_evicted_from_the_bucket() {
    // The Stability API is a local FAKE of the cloud service (imagegen::fake); the bucket is a
    // real S3 server (s3s-fs), as Tigris would be on Fly.
    let (fake, seen) = imagegen::fake::fake_cloud().await;
    let root = tempfile::tempdir().expect("dir");
    let endpoint = s3_server(root.path(), "portfolio-images").await;
    let Some(a) = TestApp::builder()
        .postgres()
        .env("STABILITY_KEY", "sk-stability-test")
        .env("STABILITY_BASE_URL", &fake)
        .env("S3_BUCKET", "portfolio-images")
        .env("S3_ENDPOINT", &endpoint)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", S3_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", S3_SECRET)
        .build()
        .await
    else {
        return;
    };
    let b = a
        .another_instance_with(a.config.clone())
        .await
        .expect("a second instance");

    let ready = a.get("/health/ready").await;
    assert!(
        ready
            .body
            .contains(r#""image_storage":"S3 bucket portfolio-images""#),
        "{}",
        ready.body
    );

    let body = r#"{"prompt":"a harbour crane at night","seed":11,"format":"png"}"#;
    let made = a.post_json("/api/images/generate", body).await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    let made: Value = serde_json::from_str(&made.body).expect("json");
    let id = made["image"]["id"].as_i64().expect("id");
    let key =
        a.db.store
            .image(id)
            .await
            .expect("read")
            .expect("the row")
            .cache_key;

    // The bytes are an object in the bucket, named by the cache key; not a row in the database.
    let object = root
        .path()
        .join("portfolio-images/images")
        .join(format!("{key}.png"));
    let stored = std::fs::read(&object).expect("the object in the bucket");
    assert!(
        !a.db.store.image_file_exists(&key).await.expect("read"),
        "the bytes went to the bucket, not the database"
    );
    // B serves them, and answers the same request from the shared cache.
    let file = b.get(&format!("/api/images/{id}/file")).await;
    assert_eq!(file.status, StatusCode::OK, "{}", file.body);
    assert_eq!(file.body, String::from_utf8_lossy(&stored));
    let again = b.post_json("/api/images/generate", body).await;
    let again: Value = serde_json::from_str(&again.body).expect("json");
    assert_eq!(again["cached"], true, "{again}");
    assert_eq!(seen.lock().map(|s| s.len()).unwrap_or(0), 1);

    // Deleting on B deletes the object: A answers 404.
    let deleted = b
        .request(
            Request::delete(format!("/api/images/{id}"))
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert!(deleted.status.is_success(), "{}", deleted.body);
    assert!(!object.exists(), "the object went with the image");
    assert_eq!(
        a.get(&format!("/api/images/{id}/file")).await.status,
        StatusCode::NOT_FOUND
    );

    // Wrong keys: the bucket refuses, and the visitor is told in a sentence, not a 500.
    let mut wrong = a.config.clone();
    if let Some(bucket) = wrong.image_bucket.as_mut() {
        bucket.secret_access_key = Some("not-the-secret".into());
    }
    let c = a
        .another_instance_with(wrong)
        .await
        .expect("a third instance");
    let refused = c
        .post_json(
            "/api/images/generate",
            r#"{"prompt":"a harbour crane at dawn","seed":12,"format":"png"}"#,
        )
        .await;
    // 502, as for a provider that fails: a service behind this one said no.
    assert_eq!(refused.status, StatusCode::BAD_GATEWAY, "{}", refused.body);
    assert!(
        refused
            .body
            .contains("image storage refused this server's credentials"),
        "{}",
        refused.body
    );
    c.cleanup().await;
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
    let b = instance_with_knowledge(&a, b_dir.path()).await;
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

/// The job once done; fails the test if it is not done within `limit` (nobody took it over).
async fn done_within(store: &store::Store, id: i64, limit: Duration) -> store::jobs::JobRow {
    let deadline = Instant::now() + limit;
    loop {
        let row = store.job(id).await.expect("job").expect("the job");
        if row.status == domain::api::jobs::JobStatus::Done {
            return row;
        }
        assert!(
            Instant::now() < deadline,
            "job {id} was not taken over: {row:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_job_survives_the_instance_that_claimed_it() {
    // A: an instance that queues an upload's job and a re-index, claims them and dies before
    // finishing (its runner is never started here, so nothing renews the leases).
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
    // A also claimed a re-index someone asked of it, and died with it too.
    let reindex = store
        .queue_reindex(1, now)
        .await
        .expect("queue")
        .expect("a re-index queued");
    let claimed = store
        .claim_job("instance-a (killed)", now, 1_000)
        .await
        .expect("claim")
        .expect("claimed");
    assert_eq!(claimed.id, reindex);

    // B starts (its knowledge base loads, then its runner looks for work): once A's lease has
    // lapsed, B takes the job over and finishes it.
    let b_dir = tempfile::tempdir().expect("dir");
    let b = instance_with_knowledge(&a, b_dir.path()).await;
    let finished = done_within(store, job, Duration::from_secs(60)).await;
    assert_eq!(finished.attempts, 2, "claimed by A, then by B");
    let reindexed = done_within(store, reindex, Duration::from_secs(120)).await;
    assert_eq!(reindexed.attempts, 2, "claimed by A, then by B");
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
    let reported = json_of(&api(&a, "GET", &format!("/api/v1/jobs/{reindex}"), &key, None).await);
    assert_eq!(
        (&reported["kind"], &reported["status"]),
        (&Value::from("reindex"), &Value::from("done"))
    );
    // B re-embedded every passage it holds (shipped and the uploaded one).
    assert_eq!(reported["total"], kb.chunks().len());
    b.cleanup().await;
    a.cleanup().await;
}

/// A teaching form of `class` and pictures, as the classifier page sends it.
fn teach_form(class: &str, pictures: &[Vec<u8>]) -> Request<Body> {
    let mut parts: Vec<(&str, Option<&str>, &[u8])> = vec![("class", None, class.as_bytes())];
    parts.extend(
        pictures
            .iter()
            .map(|p| ("file", Some("p.png"), p.as_slice())),
    );
    multipart_request("/api/classifier/teach", &parts)
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
    let b = instance_with_classifier(&a, b_dir.path()).await;

    let pictures: Vec<Vec<u8>> = sample_pictures(&a).await;
    let taught = a.request(teach_form("Logo", &pictures)).await;
    assert_eq!(taught.status, StatusCode::OK, "{}", taught.body);
    wait_for_classes(&b, true, "logo").await;

    // A third instance starting now takes the taught class from the database.
    let c_dir = tempfile::tempdir().expect("dir");
    let c = instance_with_classifier(&a, c_dir.path()).await;
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
