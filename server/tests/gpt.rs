//! The Custom GPT over HTTP: the shipped models in process with the original contract, and the
//! remote service when GPT_API_URL is set.
// A test stops at a failed step: unwrap and expect are what it means here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;

#[tokio::test]
async fn custom_gpt_serves_the_shipped_models_with_the_original_contract() {
    let app = TestApp::builder().build().await.expect("app");
    let models: serde_json::Value =
        serde_json::from_str(&app.get("/api/gpt/models").await.body).expect("json");
    let names: Vec<&str> = models["models"]
        .as_array()
        .expect("models")
        .iter()
        .filter_map(|m| m["name"].as_str())
        .collect();
    assert!(
        names.contains(&"shakespeare") && names.contains(&"milton"),
        "{models}"
    );
    assert_eq!(models["default"], "shakespeare");

    let body = r#"{"model": "shakespeare", "seed": 42, "temperature": 0.8, "max_tokens": 60, "context": "ROMEO:"}"#;
    let first = app.post_json("/api/gpt/generate", body).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let first: serde_json::Value = serde_json::from_str(&first.body).expect("json");
    assert_eq!(first["model"], "shakespeare");
    assert_eq!(first["tokens"], 60);
    assert!(first["generation_time"].as_f64().is_some());
    let again: serde_json::Value =
        serde_json::from_str(&app.post_json("/api/gpt/generate", body).await.body).expect("json");
    assert_eq!(first["text"], again["text"]);

    let bad = app
        .post_json("/api/gpt/generate", r#"{"temperature": 5}"#)
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("temperature"), "{}", bad.body);

    let vocab: serde_json::Value =
        serde_json::from_str(&app.get("/api/gpt/vocab/milton").await.body).expect("json");
    assert!(
        vocab["vocab_size"].as_u64().is_some_and(|n| n > 60),
        "{vocab}"
    );

    let ready = app.get("/health/ready").await.body;
    assert!(ready.contains("\"custom_gpt\""), "{ready}");
    let metrics = app.metrics().await.body;
    assert!(
        metrics.contains("gpt_generations_total{model=\"shakespeare\"} 2"),
        "{metrics}"
    );
    assert!(metrics.contains("model_inference_duration_seconds_count{model=\"gpt-shakespeare\"}"));
    app.cleanup().await;
}

/// Serves the gpt crate's own service (what `gpt-service` runs) on a free port; with
/// `without_stream`, its streaming route answers 404, as the original service had none.
async fn standalone_gpt_service(without_stream: bool) -> String {
    use std::sync::Arc;
    let service = Arc::new(gpt::service::GptService::new(
        gpt::ModelSet::shipped().expect("shipped models"),
        1,
    ));
    let mut router: Router = gpt::service::router(service);
    if without_stream {
        router = router.layer(axum::middleware::from_fn(
            |request: axum::extract::Request, next: axum::middleware::Next| async move {
                if request.uri().path() == "/generate/stream" {
                    return axum::response::IntoResponse::into_response(StatusCode::NOT_FOUND);
                }
                next.run(request).await
            },
        ));
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    format!("http://{addr}")
}

fn sse_events(body: &str) -> Vec<(String, serde_json::Value)> {
    body.split("\n\n")
        .filter_map(|e| {
            let name = e.lines().find_map(|l| l.strip_prefix("event: "))?;
            let data = e.lines().find_map(|l| l.strip_prefix("data: "))?;
            Some((name.to_owned(), serde_json::from_str(data).ok()?))
        })
        .collect()
}

#[tokio::test]
async fn custom_gpt_calls_the_remote_service_when_gpt_api_url_is_set() {
    for without_stream in [false, true] {
        let url = standalone_gpt_service(without_stream).await;
        let app = TestApp::builder()
            .env("GPT_API_URL", &url)
            .build()
            .await
            .expect("app");
        let models = app.get("/api/gpt/models").await;
        assert_eq!(models.status, StatusCode::OK);
        assert!(models.body.contains("milton"), "{}", models.body);
        let body = r#"{"model": "milton", "seed": 5, "max_tokens": 30, "context": "Of Man"}"#;
        let stream = app.post_json("/api/gpt/generate/stream", body).await;
        assert_eq!(stream.status, StatusCode::OK, "{}", stream.body);
        let events = sse_events(&stream.body);
        let done = events
            .iter()
            .find(|e| e.0 == "done")
            .unwrap_or_else(|| panic!("no done event in {}", stream.body));
        let once: serde_json::Value =
            serde_json::from_str(&app.post_json("/api/gpt/generate", body).await.body)
                .expect("json");
        assert_eq!(done.1["text"], once["text"], "stream and generate agree");
        assert_eq!(once["tokens"], 30);
        // A 422 from the service reaches the page as it was.
        let bad = app
            .post_json("/api/gpt/generate", r#"{"max_tokens": 0}"#)
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("max_tokens"));
        app.cleanup().await;
    }

    // A service that is not there: a sentence, not a hang or a panic.
    let app = TestApp::builder()
        .env("GPT_API_URL", "http://127.0.0.1:9")
        .build()
        .await
        .expect("app");
    let reply = app
        .post_json("/api/gpt/generate", r#"{"max_tokens": 5}"#)
        .await;
    assert_eq!(reply.status, StatusCode::BAD_GATEWAY);
    assert!(reply.body.contains("cannot be reached"), "{}", reply.body);
    app.cleanup().await;
}
