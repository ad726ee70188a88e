//! Text-to-image and the image classifier over HTTP, with real pictures (CIFAR-10 photos from
//! ../shared/data, skipped loudly where a bare clone has none).
// A test stops at a failed step: unwrap and expect are what it means here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;

#[tokio::test]
async fn text_to_image_without_a_provider_says_what_to_set() {
    let app = TestApp::builder().build().await.expect("app");
    let providers = app.get("/api/images/providers").await;
    assert_eq!(providers.body, r#"{"providers":[]}"#);
    let reply = app
        .post_json("/api/images/generate", r#"{"prompt":"a red fox"}"#)
        .await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(reply.body.contains("STABILITY_KEY"), "{}", reply.body);
    let gallery = app.get("/api/images").await;
    assert_eq!(gallery.body, r#"{"images":[],"total":0}"#);
    app.cleanup().await;
}

#[tokio::test]
async fn text_to_image_generates_caches_downloads_and_deletes() {
    // The Stability API is a local FAKE of the cloud service (imagegen::fake).
    let (fake, seen) = imagegen::fake::fake_cloud().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let app = TestApp::builder()
        .env("STABILITY_KEY", "sk-stability-test")
        .env("STABILITY_BASE_URL", &fake)
        .env("IMAGES_DIR", &dir.path().display().to_string())
        .build()
        .await
        .expect("app");
    let providers = app.get("/api/images/providers").await;
    assert!(providers.body.contains("Stability AI SD3 (sd3-medium)"));

    let body = r#"{"prompt":"a lighthouse","seed":42,"aspect_ratio":"16:9","format":"png"}"#;
    let first = app.post_json("/api/images/generate", body).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let first: serde_json::Value = serde_json::from_str(&first.body).expect("json");
    assert_eq!(first["cached"], false);
    assert_eq!(first["image"]["seed"], 42);
    let again = app.post_json("/api/images/generate", body).await;
    let again: serde_json::Value = serde_json::from_str(&again.body).expect("json");
    assert_eq!(again["cached"], true);
    assert_eq!(again["image"]["id"], first["image"]["id"]);
    assert_eq!(seen.lock().map(|s| s.len()).unwrap_or(0), 1);

    let id = first["image"]["id"].as_i64().expect("id");
    let file = app.get(&format!("/api/images/{id}/file?download=1")).await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(
        file.headers.get(header::CONTENT_TYPE).map(|v| v.as_bytes()),
        Some(&b"image/png"[..])
    );
    let disposition = file
        .headers
        .get(header::CONTENT_DISPOSITION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(disposition.contains("seed-42.png"), "{disposition}");

    let filtered = app
        .post_json(
            "/api/images/generate",
            r#"{"prompt":"filtered thing","seed":1}"#,
        )
        .await;
    let filtered: serde_json::Value = serde_json::from_str(&filtered.body).expect("json");
    assert_eq!(filtered["image"]["filtered"], true);

    let bad = app
        .post_json(
            "/api/images/generate",
            r#"{"prompt":"x","aspect_ratio":"7:3"}"#,
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("aspect ratio"));
    let broke = app
        .post_json("/api/images/generate", r#"{"prompt":"no credits left"}"#)
        .await;
    assert_eq!(broke.status, StatusCode::BAD_GATEWAY);
    assert!(broke.body.contains("out of credits"));

    // Another visitor: their gallery is empty, and they can neither read nor delete this image.
    let other = |r: axum::http::request::Builder| {
        r.header(header::COOKIE, format!("visitor={OTHER_VISITOR}"))
            .body(Body::empty())
            .expect("request")
    };
    let theirs = app.request(other(Request::get("/api/images"))).await;
    assert_eq!(theirs.body, r#"{"images":[],"total":0}"#);
    let not_theirs = app
        .request(other(Request::delete(format!("/api/images/{id}"))))
        .await;
    assert_eq!(not_theirs.status, StatusCode::NOT_FOUND);
    let not_readable = app
        .request(other(Request::get(format!("/api/images/{id}/file"))))
        .await;
    assert_eq!(not_readable.status, StatusCode::NOT_FOUND);
    // A browser without the cookie is given one.
    let fresh = app
        .request(
            Request::get("/api/images")
                .header(header::COOKIE, "visitor=not-a-visitor-id")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    let set_cookie = fresh.headers[header::SET_COOKIE]
        .to_str()
        .unwrap_or_default();
    assert!(
        set_cookie.starts_with("visitor=") && set_cookie.contains("HttpOnly"),
        "{set_cookie}"
    );

    let deleted = app
        .request(
            Request::delete(format!("/api/images/{id}"))
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get(&format!("/api/images/{id}/file")).await.status,
        StatusCode::NOT_FOUND
    );
    app.cleanup().await;
}

/// The CIFAR-10 photos beside the repository (`../shared/data`, which CI has), or `CIFAR_DIR`.
/// A clone with nothing beside it has neither: the test that needs them says so loudly and
/// skips.
fn cifar_dir(test: &str) -> Option<String> {
    let dir = std::env::var("CIFAR_DIR").unwrap_or_else(|_| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/data/cifar10-subset"
        )
        .to_owned()
    });
    if std::path::Path::new(&dir).join("test").is_dir() {
        return Some(dir);
    }
    eprintln!(
        "\n!!! SKIPPED {test}: no CIFAR-10 photos at {dir} (they live in ../shared/data, which \
         a bare clone does not have; set CIFAR_DIR to run it)\n"
    );
    None
}

fn cifar_image(dir: &str, class: &str, name: &str) -> Vec<u8> {
    let path = format!("{dir}/test/{class}/{name}");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e} (set CIFAR_DIR)"))
}

#[tokio::test]
async fn classifier_predicts_with_the_original_contract() {
    let Some(cifar) = cifar_dir("classifier_predicts_with_the_original_contract") else {
        return;
    };
    let app = TestApp::builder().classifier().build().await.expect("app");
    let info: serde_json::Value =
        serde_json::from_str(&app.get("/api/classifier/info").await.body).expect("json");
    assert_eq!(info["ready"], true, "{info}");
    let names: Vec<&str> = info["classes"]
        .as_array()
        .expect("classes")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    for class in ["bird", "plane", "other", "superman"] {
        assert!(names.contains(&class), "{names:?}");
    }

    let bird = cifar_image(&cifar, "bird", "bird-0000.jpg");
    let reply = app
        .request(multipart_request(
            "/api/classifier/predict",
            &[("file", Some("photo.bin"), &bird)],
        ))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let p: serde_json::Value = serde_json::from_str(&reply.body).expect("json");
    for field in [
        "predicted_class",
        "confidence",
        "top_class",
        "top_prob",
        "confidence_threshold",
        "all_probs",
        "threshold_applied",
    ] {
        assert!(p.get(field).is_some(), "{field} missing in {p}");
    }
    // An f32 on the wire: 0.6 (serialised directly) or 0.6000000238418579 (widened first).
    let threshold = p["confidence_threshold"].as_f64().expect("threshold");
    assert!((threshold - 0.6).abs() < 1e-6, "{threshold}");
    let total: f64 = p["all_probs"]
        .as_object()
        .expect("probs")
        .values()
        .filter_map(|v| v.as_f64())
        .sum();
    assert!((total - 1.0).abs() < 1e-3, "{total}");
    assert_eq!(
        p["top_prob"],
        p["all_probs"][p["top_class"].as_str().expect("top")]
    );
    assert_eq!(p["imagenet_top"].as_array().map(Vec::len), Some(5));

    // A threshold of 1 sends everything but certainty to "other"; 0 never does.
    let reply = app
        .request(multipart_request(
            "/api/classifier/predict",
            &[
                ("confidence_threshold", None, b"1"),
                ("file", Some("b.jpg"), &bird),
            ],
        ))
        .await;
    let strict: serde_json::Value = serde_json::from_str(&reply.body).expect("json");
    assert_eq!(strict["predicted_class"], "other", "{strict}");
    assert_eq!(strict["threshold_applied"], strict["top_class"] != "other");
    let reply = app
        .request(multipart_request(
            "/api/classifier/predict",
            &[("threshold", None, b"0"), ("file", Some("b.jpg"), &bird)],
        ))
        .await;
    let lax: serde_json::Value = serde_json::from_str(&reply.body).expect("json");
    assert_eq!(lax["predicted_class"], lax["top_class"]);
    assert_eq!(lax["threshold_applied"], false);

    let metrics = app.metrics().await.body;
    assert!(
        metrics.contains("model_inference_duration_seconds_count{model=\"efficientnet-lite0\"} 3"),
        "{metrics}"
    );
    app.cleanup().await;
}

#[tokio::test]
async fn classifier_refuses_bad_uploads_with_sentences() {
    let Some(cifar) = cifar_dir("classifier_refuses_bad_uploads_with_sentences") else {
        return;
    };
    let app = TestApp::builder().classifier().build().await.expect("app");
    let cases: Vec<(Request<Body>, StatusCode, &str)> = vec![
        (
            multipart_request("/api/classifier/predict", &[("other", None, b"x")]),
            StatusCode::BAD_REQUEST,
            "field named `file`",
        ),
        (
            multipart_request(
                "/api/classifier/predict",
                &[("file", Some("cat.jpg"), b"I am a text file, not a JPEG")],
            ),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "checked by its content",
        ),
        (
            multipart_request(
                "/api/classifier/predict",
                &[("file", Some("x.png"), b"\x89PNG\r\n\x1a\ntruncated")],
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "could not be read",
        ),
        (
            multipart_request("/api/classifier/predict", &[("file", Some("e.png"), b"")]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "empty",
        ),
        (
            multipart_request(
                "/api/classifier/predict",
                &[
                    ("confidence_threshold", None, b"1.5"),
                    ("file", Some("b.jpg"), b"x"),
                ],
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "confidence_threshold",
        ),
        (
            multipart_request(
                "/api/classifier/predict",
                &[(
                    "file",
                    Some("big.jpg"),
                    &vec![0xFFu8; 10 * 1024 * 1024 + 10],
                )],
            ),
            StatusCode::PAYLOAD_TOO_LARGE,
            "10 MB",
        ),
        (
            Request::post("/api/classifier/predict")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{}"))
                .expect("req"),
            StatusCode::BAD_REQUEST,
            "multipart/form-data",
        ),
        (
            multipart_request(
                "/api/classifier/teach",
                &[
                    ("class", None, b"other"),
                    (
                        "file",
                        Some("a.jpg"),
                        &cifar_image(&cifar, "other", "cat-0000.jpg"),
                    ),
                ],
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "teach a named class",
        ),
        (
            multipart_request("/api/classifier/teach", &[("class", None, b"cats")]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "example images",
        ),
        (
            multipart_request(
                "/api/classifier/teach",
                &[(
                    "file",
                    Some("a.jpg"),
                    &cifar_image(&cifar, "other", "cat-0000.jpg"),
                )],
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Name the class",
        ),
    ];
    for (request, status, words) in cases {
        let reply = app.request(request).await;
        assert_eq!(reply.status, status, "{}", reply.body);
        let body: serde_json::Value = serde_json::from_str(&reply.body).expect("json error");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .contains(words),
            "{words}: {}",
            reply.body
        );
    }
    assert_eq!(
        app.get("/api/classifier/samples/nothing").await.status,
        StatusCode::NOT_FOUND
    );
    let sample = app.get("/api/classifier/samples/superman-emblem.png").await;
    assert_eq!(sample.headers[header::CONTENT_TYPE], "image/png");
    app.cleanup().await;
}

#[tokio::test]
async fn classifier_learns_a_taught_class_keeps_it_and_resets() {
    let Some(cifar) = cifar_dir("classifier_learns_a_taught_class_keeps_it_and_resets") else {
        return;
    };
    let app = TestApp::builder().classifier().build().await.expect("app");
    let cats: Vec<Vec<u8>> = (0..5)
        .map(|i| cifar_image(&cifar, "other", &format!("cat-{i:04}.jpg")))
        .collect();
    let mut parts: Vec<(&str, Option<&str>, &[u8])> = vec![("class", None, b"My Cat")];
    parts.extend(cats.iter().map(|c| ("file", Some("cat.jpg"), c.as_slice())));
    let reply = app
        .request(multipart_request("/api/classifier/teach", &parts))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let report: serde_json::Value = serde_json::from_str(&reply.body).expect("json");
    assert_eq!(report["class"], "my-cat");
    assert_eq!(report["images_added"], 5);
    let taught = report["classes"]
        .as_array()
        .expect("classes")
        .iter()
        .find(|c| c["name"] == "my-cat")
        .cloned();
    assert_eq!(
        taught.map(|c| c["taught_images"].clone()),
        Some(serde_json::json!(5))
    );

    // One of the taught photos now scores the new class highest.
    let reply = app
        .request(multipart_request(
            "/api/classifier/predict",
            &[("threshold", None, b"0"), ("file", Some("c.jpg"), &cats[0])],
        ))
        .await;
    let p: serde_json::Value = serde_json::from_str(&reply.body).expect("json");
    assert_eq!(p["top_class"], "my-cat", "{p}");

    // Another visitor neither sees the class nor can remove it: their reset is their own.
    let as_other = |mut r: Request<Body>| {
        r.headers_mut().insert(
            header::COOKIE,
            format!("visitor={OTHER_VISITOR}").parse().expect("cookie"),
        );
        r
    };
    let reply = app
        .request(as_other(multipart_request(
            "/api/classifier/predict",
            &[("file", Some("c.jpg"), &cats[0])],
        )))
        .await;
    let p: serde_json::Value = serde_json::from_str(&reply.body).expect("json");
    assert!(p["all_probs"].get("my-cat").is_none(), "{p}");
    let reset_by_other = app
        .request(as_other(
            Request::post("/api/classifier/reset")
                .body(Body::empty())
                .expect("req"),
        ))
        .await;
    assert_eq!(reset_by_other.status, StatusCode::OK);
    let info = app.get("/api/classifier/info").await;
    assert!(
        info.body.contains("my-cat"),
        "the first visitor's class stays: {}",
        info.body
    );

    let reply = app
        .request(
            Request::post("/api/classifier/reset")
                .body(Body::empty())
                .expect("req"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(!reply.body.contains("my-cat"));
    let reply = app
        .request(multipart_request(
            "/api/classifier/predict",
            &[("file", Some("c.jpg"), &cats[0])],
        ))
        .await;
    let p: serde_json::Value = serde_json::from_str(&reply.body).expect("json");
    assert!(p["all_probs"].get("my-cat").is_none(), "{p}");
    app.cleanup().await;
}
