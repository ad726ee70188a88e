//! The REST contract (the original's, plus the streaming route), on a small untrained model.
// A test stops at a failed step: unwrap and expect are what it means here.
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![cfg(feature = "service")]

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use candle_core::Tensor;
use gpt::model::initial_tensors;
use gpt::service::{GptService, router};
use gpt::{Gpt, GptConfig, LoadedModel, ModelInfo, ModelSet, Vocab};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

fn app() -> Router {
    let vocab = Vocab::from_text("abcdefghijklmnopqrstuvwxyz ,.\n'ABCDEFGHIJKLMNOPQRSTUVWXYZ:");
    let config = GptConfig {
        vocab_size: vocab.len(),
        block_size: 32,
        n_layer: 1,
        n_head: 2,
        n_embd: 16,
    };
    let tensors: HashMap<String, Tensor> = initial_tensors(&config, 1)
        .expect("init")
        .into_iter()
        .collect();
    let model = Gpt::from_tensors(config, &tensors).expect("model");
    let info = ModelInfo {
        name: "tiny".into(),
        description: "a test model".into(),
        parameters: config.parameter_count(),
        vocab_size: vocab.len(),
        block_size: 32,
        n_layer: 1,
        n_head: 2,
        n_embd: 16,
        val_loss: None,
        trained_iters: None,
        training_seconds: None,
        source: "test".into(),
    };
    let mut set = ModelSet::default();
    set.insert("tiny", LoadedModel { model, vocab, info });
    router(Arc::new(GptService::new(set, 1)))
}

async fn call(app: &Router, method: &str, uri: &str, body: Option<Value>) -> (StatusCode, String) {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .body(body.map_or(Body::empty(), |b| Body::from(b.to_string())))
        .expect("request");
    let response = app.clone().oneshot(request).await.expect("response");
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

async fn call_json(
    app: &Router,
    method: &str,
    uri: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let (status, text) = call(app, method, uri, body).await;
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test]
async fn health_models_and_vocab() {
    let app = app();
    let (status, health) = call_json(&app, "GET", "/health", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(health["status"], "ok");
    assert_eq!(health["models"], json!(["tiny"]));

    let (_, models) = call_json(&app, "GET", "/models", None).await;
    assert_eq!(models["default"], "tiny");
    assert_eq!(models["models"][0]["name"], "tiny");
    assert_eq!(models["limits"]["max_tokens"], json!([1, 500]));

    let (status, vocab) = call_json(&app, "GET", "/vocab/tiny", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        vocab["vocab_size"].as_u64(),
        vocab["chars"].as_array().map(|a| a.len() as u64)
    );
    let (status, missing) = call_json(&app, "GET", "/vocab/nope", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        missing["error"]
            .as_str()
            .unwrap_or_default()
            .contains("tiny")
    );
}

#[tokio::test]
async fn generate_follows_the_contract_and_is_reproducible() {
    let app = app();
    let body = json!({ "model": "tiny", "seed": 7, "temperature": 0.9, "max_tokens": 40, "context": "To be" });
    let (status, first) = call_json(&app, "POST", "/generate", Some(body.clone())).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["model"], "tiny");
    assert_eq!(first["tokens"], 40);
    assert_eq!(first["text"].as_str().map(|t| t.chars().count()), Some(40));
    assert!(first["generation_time"].as_f64().is_some_and(|t| t > 0.0));
    let (_, second) = call_json(&app, "POST", "/generate", Some(body)).await;
    assert_eq!(first["text"], second["text"]);
    // Defaults: the default model, seed 1337, and a null context.
    let (status, defaults) = call_json(
        &app,
        "POST",
        "/generate",
        Some(json!({ "context": null, "max_tokens": 5 })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{defaults}");
    assert_eq!(defaults["seed"], 1337);
}

#[tokio::test]
async fn invalid_parameters_get_a_422_naming_the_field() {
    let app = app();
    let cases = [
        (json!({ "temperature": 0.0 }), "temperature"),
        (json!({ "temperature": 2.01 }), "temperature"),
        (json!({ "temperature": "hot" }), "temperature"),
        (json!({ "max_tokens": 0 }), "max_tokens"),
        (json!({ "max_tokens": 501 }), "max_tokens"),
        (json!({ "max_tokens": 2.5 }), "max_tokens"),
        (json!({ "seed": -1 }), "seed"),
        (json!({ "model": "gpt-5" }), "model"),
        (json!({ "context": 42 }), "context"),
        (json!({ "context": "zebra £" }), "context"),
        (json!({ "top_k": 0 }), "top_k"),
    ];
    for (body, field) in cases {
        let (status, answer) = call_json(&app, "POST", "/generate", Some(body.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(answer["field"], field, "{body}: {answer}");
        assert_eq!(answer["detail"][0]["loc"], json!(["body", field]), "{body}");
        assert!(answer["error"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let (status, answer) = call_json(&app, "POST", "/generate", Some(json!({ "sede": 1 }))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        answer["error"]
            .as_str()
            .unwrap_or_default()
            .contains("sede")
    );
    let (status, _) = call(&app, "POST", "/generate", None).await;
    assert_eq!(status, StatusCode::OK, "an empty body takes every default");
}

#[tokio::test]
async fn the_stream_sends_each_character_then_the_whole_text() {
    let app = app();
    let body = json!({ "model": "tiny", "seed": 3, "max_tokens": 12, "context": "a" });
    let (status, text) = call(&app, "POST", "/generate/stream", Some(body.clone())).await;
    assert_eq!(status, StatusCode::OK);
    let events: Vec<(String, Value)> = text
        .split("\n\n")
        .filter_map(|e| {
            let name = e.lines().find_map(|l| l.strip_prefix("event: "))?;
            let data = e.lines().find_map(|l| l.strip_prefix("data: "))?;
            Some((name.to_string(), serde_json::from_str(data).ok()?))
        })
        .collect();
    assert_eq!(events.first().map(|e| e.0.as_str()), Some("meta"));
    let streamed: String = events
        .iter()
        .filter(|e| e.0 == "token")
        .map(|e| e.1["text"].as_str().unwrap_or_default())
        .collect();
    let done = events.iter().find(|e| e.0 == "done").expect("a done event");
    assert_eq!(done.1["text"].as_str(), Some(streamed.as_str()));
    assert_eq!(done.1["tokens"], 12);
    let (_, once) = call_json(&app, "POST", "/generate", Some(body)).await;
    assert_eq!(
        once["text"].as_str(),
        Some(streamed.as_str()),
        "streaming and not give the same text"
    );
}
