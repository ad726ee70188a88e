//! Knowledge-base documents uploaded by staff: indexed with progress, searchable by the agent,
//! listed, and deleted with their vectors.
// A test stops at a failed step: unwrap and expect are what it means here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::staff::*;
use common::*;
use serde_json::Value;
use std::time::Duration;

async fn wait_until_indexed(app: &TestApp, admin: &str, id: i64) -> Value {
    for _ in 0..600 {
        let list = json_of(&send(app, "GET", "/api/desk/kb/documents", Some(admin), None).await);
        if let Some(doc) = list["documents"]
            .as_array()
            .expect("documents")
            .iter()
            .find(|d| d["id"] == id)
            && doc["status"] != "indexing"
        {
            return doc.clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("document {id} was not indexed within a minute");
}

#[tokio::test]
async fn uploaded_documents_are_searchable_listed_and_deleted_with_their_vectors() {
    let app = TestApp::builder()
        .env("ADMIN_EMAIL", ADMIN_EMAIL)
        .env("ADMIN_PASSWORD", ADMIN_PASSWORD)
        .knowledge()
        .build()
        .await
        .expect("app");
    let admin = sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let kb = app.knowledge.knowledge_base().expect("loaded");
    let shipped = kb.chunks().len();
    let filter = kb::SearchFilter::default();
    let question = "How long is the warranty on the Zephyr-9 drone?";
    let before = kb.search(question, &filter, 3).await.expect("search");
    assert!(before.iter().all(|p| !p.content.contains("Zephyr-9")));

    let markdown = "# Drone care\n\nIntro to our drones.\n\n## Warranty\n\nThe Zephyr-9 drone carries a 41-month warranty covering motors and the gimbal.\n\n## Batteries\n\nStore batteries at half charge.\n";
    let reply = staff_upload(
        &app,
        &admin,
        "drones.md",
        markdown.as_bytes(),
        &[("doc_type", "policy"), ("category", "warranty")],
    )
    .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.body);
    let id = json_of(&reply)["document"]["id"].as_i64().expect("id");
    let doc = wait_until_indexed(&app, &admin, id).await;
    assert_eq!(doc["status"], "ready", "{doc}");
    assert_eq!(doc["chunks"], 3);
    assert_eq!(kb.chunks().len(), shipped + 3);

    let after = kb.search(question, &filter, 3).await.expect("search");
    assert!(
        after[0].content.contains("41-month"),
        "{:?}",
        after.iter().map(|p| &p.title).collect::<Vec<_>>()
    );
    assert_eq!(after[0].title, "Drone care › Warranty");
    assert_eq!(after[0].id, format!("doc{id}-2"));
    let chunks = json_of(
        &send(
            &app,
            "GET",
            &format!("/api/desk/kb/documents/{id}/chunks"),
            Some(&admin),
            None,
        )
        .await,
    );
    assert_eq!(chunks["chunks"].as_array().expect("chunks").len(), 3);

    // A mislabelled file and an unsupported one are refused at once, with the reason.
    for (name, bytes, expected) in [
        (
            "report.pdf",
            &b"# not really a pdf"[..],
            "is named .pdf but its content is Markdown",
        ),
        ("photo.png", &b"\x89PNG\r\n\x1a\n...."[..], "not supported"),
        ("empty.md", &b""[..], "empty"),
    ] {
        let reply = staff_upload(&app, &admin, name, bytes, &[]).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(
            json_of(&reply)["error"]["message"]
                .as_str()
                .expect("sentence")
                .contains(expected),
            "{name}: {}",
            reply.body
        );
    }
    // Over the size limit: 413 before anything is read into the index.
    let reply = staff_upload(
        &app,
        &admin,
        "huge.md",
        &vec![b'a'; kb::ingest::MAX_DOCUMENT_BYTES + 200_000],
        &[],
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        reply.body
    );

    // The agent itself finds the new passage (the planner searches the knowledge base).
    let (_, frames) = customer_says(
        &app,
        None,
        "What does the warranty of the Zephyr-9 drone cover?",
    )
    .await;
    let tools: Vec<&Value> = frames.iter().filter(|f| f["event"] == "tool_end").collect();
    assert!(
        tools.iter().any(|t| t["data"]["outcome"]["citations"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c["id"]
                .as_str()
                .is_some_and(|i| i.starts_with(&format!("doc{id}-")))))),
        "{frames:?}"
    );

    // Delete: the document, its chunks and its vectors go.
    let deleted = send(
        &app,
        "DELETE",
        &format!("/api/desk/kb/documents/{id}"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(deleted.status, StatusCode::OK);
    assert_eq!(json_of(&deleted)["chunks_removed"], 3);
    assert_eq!(kb.chunks().len(), shipped);
    let gone = kb.search(question, &filter, 5).await.expect("search");
    assert!(gone.iter().all(|p| !p.content.contains("Zephyr-9")));
    let payloads = kb.index().all_payloads().await.expect("payloads");
    assert_eq!(
        payloads.len(),
        shipped,
        "the vectors went with the document"
    );
    assert_eq!(
        send(
            &app,
            "DELETE",
            &format!("/api/desk/kb/documents/{id}"),
            Some(&admin),
            None
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );

    // Re-index everything: 202, progress on the live stream, then the same number of vectors.
    let mut events = stream(&app, "/api/desk/events", &admin).await;
    // It is a durable job: the answer names it, and a second request while it is open is refused.
    let started = send(&app, "POST", "/api/desk/kb/reindex", Some(&admin), None).await;
    assert_eq!(started.status, StatusCode::ACCEPTED);
    let job = serde_json::from_str::<serde_json::Value>(&started.body).expect("json")["job_id"]
        .as_i64()
        .expect("a job id");
    assert_eq!(
        send(&app, "POST", "/api/desk/kb/reindex", Some(&admin), None)
            .await
            .status,
        StatusCode::CONFLICT
    );
    let mut progress = Vec::new();
    for _ in 0..200 {
        let seen = read_events(&mut events, "kb", Duration::from_secs(30)).await;
        progress.extend(
            seen.into_iter()
                .filter(|(n, _)| n == "kb")
                .map(|(_, v)| v["data"].clone()),
        );
        if progress.last().is_some_and(|p| p["status"] != "indexing") {
            break;
        }
    }
    assert_eq!(
        progress.last().expect("progress")["status"],
        "ready",
        "{progress:?}"
    );
    assert!(
        progress
            .iter()
            .any(|p| p["status"] == "indexing" && p["done"].as_u64() > Some(0))
    );
    assert_eq!(
        kb.index().all_payloads().await.expect("payloads").len(),
        shipped
    );
    let job = app.db.store.job(job).await.expect("read").expect("the job");
    assert_eq!(
        (job.kind, job.status, job.done),
        (
            domain::api::jobs::JobKind::Reindex,
            domain::api::jobs::JobStatus::Done,
            shipped as i64
        )
    );
    // The index flushes to its folder when the last handle goes: before the folder is removed.
    drop(kb);
    app.cleanup().await;
}

#[tokio::test]
async fn decompression_bombs_are_refused_quickly_with_a_sentence() {
    let app = TestApp::builder()
        .env("ADMIN_EMAIL", ADMIN_EMAIL)
        .env("ADMIN_PASSWORD", ADMIN_PASSWORD)
        .knowledge()
        .build()
        .await
        .expect("app");
    let admin = sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    // Each unpacks to 128 MB, four times the limit.
    for (name, bytes) in [
        ("handbook.docx", docparse::bombs::samples::docx_bomb(128)),
        ("handbook.pdf", docparse::bombs::samples::pdf_bomb(128)),
    ] {
        let started = std::time::Instant::now();
        let reply = staff_upload(&app, &admin, name, &bytes, &[]).await;
        let elapsed = started.elapsed();
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            reply.body
        );
        let message = json_of(&reply)["error"]["message"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(message.contains("decompression bomb"), "{message}");
        println!(
            "{name}: {} KB that unpacks to 128 MB, refused in {} ms: {message}",
            bytes.len() / 1024,
            elapsed.as_millis()
        );
    }
    let documents = json_of(&send(&app, "GET", "/api/desk/kb/documents", Some(&admin), None).await);
    assert_eq!(
        documents["documents"].as_array().map(Vec::len),
        Some(0),
        "nothing was stored"
    );
    app.cleanup().await;
}
