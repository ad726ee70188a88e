//! The pirate and support chats over HTTP: streams, memory, stopping, fallbacks, limits, the
//! support agent's tool trace and citations, and the metrics a turn leaves.
// A test stops at a failed step: unwrap and expect are what it means here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;

fn chat_request(body: &str, cookie: Option<&str>) -> Request<Body> {
    let mut builder =
        Request::post("/api/pirate/chat").header(header::CONTENT_TYPE, "application/json");
    if let Some(cookie) = cookie {
        builder = builder.header(header::COOKIE, cookie);
    }
    builder.body(Body::from(body.to_owned())).expect("request")
}

fn frames(body: &str) -> Vec<serde_json::Value> {
    body.split("\n\n")
        .filter_map(|event| event.lines().find_map(|l| l.strip_prefix("data: ")))
        .filter_map(|data| serde_json::from_str(data).ok())
        .collect()
}

#[tokio::test]
async fn pirate_chat_streams_stores_and_remembers() {
    let app = TestApp::builder()
        .env("MODELS_DIR", &models_dir())
        .build()
        .await
        .expect("app");
    let reply = app
        .request(chat_request(
            r#"{"message":"Say hello in three words.","temperature":0}"#,
            None,
        ))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        reply
            .headers
            .get(header::CONTENT_TYPE)
            .map(|v| v.as_bytes()),
        Some(&b"text/event-stream"[..])
    );
    let cookie = reply
        .headers
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .expect("session cookie")
        .to_owned();
    assert!(cookie.contains("HttpOnly"));
    let frames = frames(&reply.body);
    assert_eq!(
        frames.first().map(|f| f["type"].clone()),
        Some("meta".into())
    );
    assert_eq!(frames[0]["model"], "SmolLM2-135M-Instruct");
    let tokens: Vec<&str> = frames
        .iter()
        .filter(|f| f["type"] == "token")
        .filter_map(|f| f["text"].as_str())
        .collect();
    assert!(tokens.len() > 2, "{frames:?}");
    let done = frames.last().expect("done");
    assert_eq!(done["type"], "done");
    assert!(done["html"].as_str().is_some_and(|h| !h.is_empty()));

    // Both messages were stored under the session, the reply exactly as streamed.
    let session = cookie
        .split(';')
        .next()
        .and_then(|kv| kv.split_once('='))
        .map(|(_, v)| v.to_owned())
        .expect("id");
    let stored = app
        .db
        .store
        .recent_messages(&session, 10)
        .await
        .expect("stored");
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[0].content, "Say hello in three words.");
    assert_eq!(stored[1].content, tokens.concat());

    // The same browser continues the same conversation.
    let cookie_header = format!("pirate_session={session}");
    let second = app
        .request(chat_request(
            r#"{"message":"And again?","temperature":0}"#,
            Some(&cookie_header),
        ))
        .await;
    assert_eq!(second.status, StatusCode::OK);
    assert!(second.headers.get(header::SET_COOKIE).is_none());
    assert_eq!(
        app.db
            .store
            .recent_messages(&session, 10)
            .await
            .expect("stored")
            .len(),
        4
    );
    app.cleanup().await;
}

#[tokio::test]
async fn pirate_chat_rejects_bad_input_with_a_sentence() {
    let app = TestApp::builder()
        .env("MODELS_DIR", &models_dir())
        .build()
        .await
        .expect("app");
    for (body, expected) in [
        (r#"{"message":"   "}"#, "Type a message first."),
        (
            r#"{"message":"hi","temperature":9}"#,
            "Temperature must be between",
        ),
        (r#"{"nope":1}"#, "The request is not valid"),
    ] {
        let reply = app.request(chat_request(body, None)).await;
        assert!(reply.status.is_client_error(), "{body}: {}", reply.status);
        assert!(reply.body.contains(expected), "{body}: {}", reply.body);
    }
    app.cleanup().await;
}

#[tokio::test]
async fn stopping_a_reply_cancels_generation_and_keeps_what_was_said() {
    let app = TestApp::builder()
        .env("MODELS_DIR", &models_dir())
        .build()
        .await
        .expect("app");
    let session = "0f8fad5b-d9cb-469f-a165-70867728950e";
    // Hang up like a Stop button does.
    drop(first_token_of_long_reply(&app, session).await);
    // The partial reply is stored, marked as stopped, well short of the 320-token limit.
    let mut stored = Vec::new();
    for _ in 0..100 {
        stored = app
            .db
            .store
            .recent_messages(session, 10)
            .await
            .expect("read");
        if stored.len() == 2 && !stored[1].metadata.contains("streaming") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(stored.len(), 2, "{stored:?}");
    let meta: serde_json::Value = serde_json::from_str(&stored[1].metadata).expect("metadata");
    assert_eq!(meta["finish"], "cancelled");
    assert!(stored[1].content.len() < 200, "{}", stored[1].content);
    app.cleanup().await;
}

/// A FAKE OF AN OPENAI-COMPATIBLE SERVER on 127.0.0.1 (the cloud cannot be reached from here):
/// answers every chat completion with `status` and, for 200, a short stream in OpenAI's format.
async fn fake_openai(status: u16) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}/v1", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buffer = vec![0_u8; 65536];
                let _ = socket.read(&mut buffer).await;
                let response = if status == 200 {
                    let chunk = |content: &str, finish: &str| {
                        format!(
                            "data: {{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"fake-pirate\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"{content}\"}},\"finish_reason\":{finish}}}]}}\n\n"
                        )
                    };
                    let body = format!(
                        "{}{}{}data: [DONE]\n\n",
                        chunk("Arr, ", "null"),
                        chunk("from the fake cloud!", "null"),
                        chunk("", "\"stop\"")
                    );
                    format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n{body}"
                    )
                } else {
                    let body = r#"{"error":{"message":"boom","type":"server_error","param":null,"code":null}}"#;
                    format!(
                        "HTTP/1.1 {status} Error\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    )
                };
                let _ = socket.write_all(response.as_bytes()).await;
            });
        }
    });
    base
}

#[tokio::test]
async fn pirate_chat_uses_a_configured_compatible_server() {
    let base = fake_openai(200).await;
    let app = TestApp::builder()
        .env("MODELS_DIR", &models_dir())
        .env("OPENAI_BASE_URL", &base)
        .env("OPENAI_CHAT_MODEL", "fake-pirate")
        .build()
        .await
        .expect("app");
    let reply = app
        .request(chat_request(r#"{"message":"Ahoy?"}"#, None))
        .await;
    let frames = frames(&reply.body);
    assert_eq!(frames[0]["provider"], "openai-compatible", "{frames:?}");
    assert_eq!(frames[0]["model"], "fake-pirate");
    let text: String = frames
        .iter()
        .filter(|f| f["type"] == "token")
        .filter_map(|f| f["text"].as_str())
        .collect();
    assert_eq!(text, "Arr, from the fake cloud!");
    assert_eq!(
        frames.last().map(|f| f["type"].clone()),
        Some("done".into())
    );

    // The page can still ask for the embedded model explicitly.
    let embedded = app
        .request(chat_request(
            r#"{"message":"Ahoy?","provider":"embedded","temperature":0}"#,
            None,
        ))
        .await;
    assert_eq!(frames_of(&embedded)[0]["provider"], "embedded");
    app.cleanup().await;
}

fn frames_of(reply: &Reply) -> Vec<serde_json::Value> {
    frames(&reply.body)
}

#[tokio::test]
async fn a_failing_cloud_model_falls_back_to_the_embedded_one_visibly() {
    let base = fake_openai(500).await;
    let app = TestApp::builder()
        .env("MODELS_DIR", &models_dir())
        .env("OPENAI_BASE_URL", &base)
        .build()
        .await
        .expect("app");
    let reply = app
        .request(chat_request(
            r#"{"message":"Say hi.","temperature":0}"#,
            None,
        ))
        .await;
    let frames = frames(&reply.body);
    let metas: Vec<&serde_json::Value> = frames.iter().filter(|f| f["type"] == "meta").collect();
    assert_eq!(metas.len(), 2, "{frames:?}");
    assert_eq!(metas[1]["provider"], "embedded");
    assert!(
        metas[1]["note"]
            .as_str()
            .is_some_and(|n| n.contains("internal error (500)")),
        "{:?}",
        metas[1]
    );
    assert!(frames.iter().any(|f| f["type"] == "token"));
    assert_eq!(
        frames.last().map(|f| f["type"].clone()),
        Some("done".into())
    );
    app.cleanup().await;
}

#[tokio::test]
async fn a_reply_that_ends_after_a_clear_does_not_come_back() {
    let app = TestApp::builder()
        .env("MODELS_DIR", &models_dir())
        .build()
        .await
        .expect("app");
    let session = "1f8fad5b-d9cb-469f-a165-70867728950f";
    let body = first_token_of_long_reply(&app, session).await;
    // Clear while the reply is still being written (as after Stop, before the server noticed).
    app.db.store.clear_messages(session).await.expect("clear");
    drop(body);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(
        app.db
            .store
            .recent_messages(session, 10)
            .await
            .expect("read")
            .is_empty()
    );
    app.cleanup().await;
}

#[tokio::test]
async fn chat_requests_are_rate_limited_per_client_and_bodies_are_bounded() {
    use axum::extract::ConnectInfo;
    let app = TestApp::builder()
        .env("MODELS_DIR", &models_dir())
        .env("CHAT_RATE_PER_MINUTE", "3")
        .env("CLIENT_IP_HEADER", "fly-client-ip")
        .build()
        .await
        .expect("app");
    // Invalid bodies keep these fast; they still count, since the limit comes first.
    let from = |peer: &str, proxy_header: Option<&str>| {
        let mut request = chat_request(r#"{"message":" "}"#, None);
        let addr: std::net::SocketAddr = format!("{peer}:5000").parse().expect("addr");
        request.extensions_mut().insert(ConnectInfo(addr));
        if let Some(client) = proxy_header {
            request.headers_mut().insert(
                "fly-client-ip",
                axum::http::HeaderValue::from_str(client).expect("value"),
            );
        }
        request
    };
    for _ in 0..3 {
        assert_eq!(
            app.request(from("10.0.0.1", None)).await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    let limited = app.request(from("10.0.0.1", None)).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = limited
        .headers
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok()?.parse().ok())
        .expect("Retry-After");
    assert!((1..=20).contains(&retry), "{retry}");
    assert!(limited.body.contains("try again in"), "{}", limited.body);
    // Another client is not affected, and behind the proxy the header names the client.
    assert_eq!(
        app.request(from("10.0.0.2", None)).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    for _ in 0..3 {
        assert_eq!(
            app.request(from("10.0.0.9", Some("203.0.113.7")))
                .await
                .status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    assert_eq!(
        app.request(from("10.0.0.9", Some("203.0.113.7")))
            .await
            .status,
        StatusCode::TOO_MANY_REQUESTS
    );

    let huge = format!(r#"{{"message":"{}"}}"#, "a".repeat(100 * 1024));
    let too_big = app.request(chat_request(&huge, None)).await;
    assert_eq!(too_big.status, StatusCode::PAYLOAD_TOO_LARGE);
    app.cleanup().await;
}

/// Starts a long reply in `session` and reads it until the first token; the caller then hangs up
/// (drops the body) or acts in between.
async fn first_token_of_long_reply(app: &TestApp, session: &str) -> Body {
    let request = chat_request(
        r#"{"message":"Tell me a very long story about a storm at sea.","temperature":0}"#,
        Some(&format!("pirate_session={session}")),
    );
    let response = app.router.clone().oneshot(request).await.expect("response");
    let mut body = response.into_body();
    let mut seen = String::new();
    while !seen.contains("event: token") {
        let frame = body.frame().await.expect("a frame").expect("no error");
        if let Ok(data) = frame.into_data() {
            seen.push_str(&String::from_utf8_lossy(&data));
        }
    }
    body
}

fn support_chat(message: &str, cookie: Option<&str>) -> Request<Body> {
    let mut builder =
        Request::post("/api/support/chat").header(header::CONTENT_TYPE, "application/json");
    if let Some(cookie) = cookie {
        builder = builder.header(header::COOKIE, cookie);
    }
    let body = serde_json::json!({ "message": message }).to_string();
    builder.body(Body::from(body)).expect("request")
}

fn event_names(body: &str) -> Vec<String> {
    body.split("\n\n")
        .filter_map(|event| event.lines().find_map(|l| l.strip_prefix("event: ")))
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn support_chat_streams_the_tool_trace_and_a_reload_resumes_it() {
    let app = TestApp::builder().build().await.expect("app");
    let reply = app
        .request(support_chat(
            "Where is order 1013? My email is lucas.rossi@example.com",
            None,
        ))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        event_names(&reply.body),
        [
            "meta",
            "classification",
            "tool_start",
            "tool_end",
            "token",
            "suggestions",
            "done"
        ]
    );
    for event in reply.body.split("\n\n") {
        if let (Some(name), Some(data)) = (
            event.lines().find_map(|l| l.strip_prefix("event: ")),
            event.lines().find_map(|l| l.strip_prefix("data: ")),
        ) {
            common::staff::assert_turn_frame(name, data);
        }
    }
    let first = frames(&reply.body);
    assert_eq!(first[1]["category"], "orders");
    assert_eq!(first[3]["outcome"]["tool"], "get_order_status");
    assert_eq!(first[3]["outcome"]["ok"], true);
    assert!(
        first[4]["text"]
            .as_str()
            .is_some_and(|t| t.contains("shipped"))
    );
    let cookie = reply
        .headers
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|c| c.split(';').next())
        .expect("session cookie")
        .to_owned();
    assert!(cookie.starts_with("support_session="));

    // Same browser, next turn: the verified email carries over to the same order.
    let second = app
        .request(support_chat("Can I still cancel it?", Some(&cookie)))
        .await;
    let second_frames = frames(&second.body);
    let cancel = second_frames
        .iter()
        .find(|f| f["type"] == "tool_finished")
        .expect("a tool ran");
    assert_eq!(cancel["outcome"]["tool"], "cancel_order");
    assert_eq!(
        cancel["outcome"]["ok"], false,
        "a shipped order stays shipped"
    );

    let history = app
        .request(
            Request::get("/api/support/conversation")
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    serde_json::from_str::<domain::api::support::ConversationState>(&history.body)
        .expect("the conversation as the page reads it");
    let history: serde_json::Value = serde_json::from_str(&history.body).expect("json");
    let messages = history["messages"].as_array().cloned().unwrap_or_default();
    assert_eq!(messages.len(), 4);
    assert_eq!(messages[0]["classification"]["category"], "orders");
    assert_eq!(messages[1]["tools"][0]["tool"], "get_order_status");
    assert!(
        messages[1]["html"]
            .as_str()
            .is_some_and(|h| h.contains("<strong>shipped</strong>"))
    );
    app.cleanup().await;
}

#[tokio::test]
async fn support_answers_policy_questions_with_citations_from_qdrant() {
    let app = TestApp::builder().knowledge().build().await.expect("app");
    let ready = app.get("/health/ready").await;
    let ready: serde_json::Value = serde_json::from_str(&ready.body).expect("json");
    assert_eq!(ready["components"]["knowledge_base"]["state"], "ready");
    assert_eq!(
        ready["components"]["knowledge_base"]["backend"],
        "Qdrant Edge (embedded)"
    );
    let reply = app
        .request(support_chat(
            "How long do refunds take to reach my card?",
            None,
        ))
        .await;
    let frames = frames(&reply.body);
    let citations = frames
        .iter()
        .find(|f| f["type"] == "citations")
        .expect("citations");
    let first = citations["citations"][0]["id"].as_str().unwrap_or_default();
    assert!(first.starts_with("policy-"), "{citations}");
    let text = frames
        .iter()
        .find(|f| f["type"] == "text")
        .and_then(|f| f["text"].as_str())
        .unwrap_or_default();
    assert!(
        text.contains("business days") && text.contains("[1]"),
        "{text}"
    );
    app.cleanup().await;
}

#[tokio::test]
async fn support_chat_rejects_bad_input_with_a_sentence() {
    let app = TestApp::builder().build().await.expect("app");
    let empty = app.request(support_chat("   ", None)).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("Type a message"));
    let long = app.request(support_chat(&"x".repeat(4_001), None)).await;
    assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(long.body.contains("4000 characters"));
    let broken = app.post_json("/api/support/chat", "{not json").await;
    assert_eq!(broken.status, StatusCode::BAD_REQUEST);
    app.cleanup().await;
}

#[tokio::test]
async fn metrics_count_requests_tools_and_escalations() {
    let app = TestApp::builder().build().await.expect("app");
    app.request(support_chat(
        "Where is order 1013? My email is lucas.rossi@example.com",
        None,
    ))
    .await;
    app.request(support_chat("I want to talk to a real person", None))
        .await;
    app.get("/data?tab=orders").await;
    let metrics = app.metrics().await;
    assert_eq!(metrics.status, StatusCode::OK);
    assert!(
        metrics
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/plain; version=0.0.4"))
    );
    let body = &metrics.body;
    assert!(
        body.contains(r#"support_tool_calls_total{tool="get_order_status",outcome="ok"} 1"#),
        "{body}"
    );
    assert!(body.contains(r#"support_tool_calls_total{tool="escalate_to_human",outcome="ok"} 1"#));
    assert!(body.contains("support_escalations_total 1"));
    assert!(body.contains(
        r#"http_requests_total{route="/api/support/chat",method="POST",status="2xx"} 2"#
    ));
    assert!(body.contains(r#"http_requests_total{route="/data",method="GET",status="2xx"} 1"#));
    assert!(body.contains(r#"support_turn_duration_seconds_count{backend="offline"} 2"#));
    app.cleanup().await;
}

#[tokio::test]
async fn the_public_port_serves_metrics_only_to_the_holder_of_the_token() {
    let app = TestApp::builder().build().await.expect("app");
    let anonymous = app.get("/metrics").await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert!(
        anonymous.body.contains("METRICS_TOKEN"),
        "{}",
        anonymous.body
    );
    let wrong = app
        .request(
            Request::get("/metrics")
                .header(header::AUTHORIZATION, "Bearer not-the-metrics-token")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.metrics().await.status, StatusCode::OK);
    app.cleanup().await;
    // With neither a private port nor a token, /metrics is not served at all.
    let app = TestApp::builder()
        .env("METRICS_TOKEN", "")
        .build()
        .await
        .expect("app");
    assert!(app.config.metrics_token.is_none());
    assert_eq!(app.metrics().await.status, StatusCode::NOT_FOUND);
    app.cleanup().await;
}

#[tokio::test]
async fn with_a_private_metrics_port_the_public_one_does_not_serve_metrics() {
    let app = TestApp::builder()
        .env("METRICS_PORT", "9091")
        .build()
        .await
        .expect("app");
    assert_eq!(app.config.metrics_port, Some(9091));
    assert_eq!(app.metrics().await.status, StatusCode::NOT_FOUND);
    // The private port's router serves them.
    let state = server::server_state(&app.config, app.db.store.clone());
    let response = server::http::metrics_router(state)
        .oneshot(
            Request::get("/metrics")
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("infallible");
    assert_eq!(response.status(), StatusCode::OK);
    app.cleanup().await;
}
