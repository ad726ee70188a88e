//! The whole HTTP surface, in process, against real databases: SQLite always, and PostgreSQL
//! when it answers (REQUIRE_POSTGRES=1 makes its absence a failure, as CI sets it).

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::*;
use http_body_util::BodyExt;

#[tokio::test]
async fn health_endpoints_report_the_database() {
    let app = TestApp::builder().build().await.expect("sqlite app");
    let alive = app.get("/health").await;
    assert_eq!(alive.status, StatusCode::OK);
    assert!(alive.body.contains("\"alive\""));

    let ready = app.get("/health/ready").await;
    assert_eq!(ready.status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_str(&ready.body).expect("json");
    assert_eq!(json["status"], "ready");
    assert_eq!(json["components"]["database"]["status"], "up");
    assert_eq!(json["components"]["database"]["backend"], "sqlite");
    assert_eq!(
        json["components"]["demos"]["text-to-image"]["backend"],
        "Missing"
    );

    // With the database gone, readiness says so with a 503 instead of hanging or panicking.
    app.db.store.close().await;
    let down = app.get("/health/ready").await;
    assert_eq!(down.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(down.body.contains("\"down\""));
    app.cleanup().await;
}

#[tokio::test]
async fn every_route_renders_on_the_server_with_its_title() {
    let app = TestApp::builder().build().await.expect("sqlite app");
    let routes = [
        ("/", "AI Portfolio", "Six working AI demos"),
        (
            "/support",
            "Customer Support · AI Portfolio",
            "Every tool call the agent makes",
        ),
        (
            "/pirate",
            "Pirate Chatbot · AI Portfolio",
            "Ahoy, me hearty!",
        ),
        (
            "/gpt",
            "Custom GPT · AI Portfolio",
            "The same seed and settings always give the same text",
        ),
        (
            "/classifier",
            "Image Classifier · AI Portfolio",
            "Drop a picture here, paste one, or click to choose",
        ),
        (
            "/text-to-image",
            "Text-to-Image · AI Portfolio",
            "Describe an image and pick a provider",
        ),
        (
            "/data",
            "Products · Data Views · AI Portfolio",
            "Aurora ANC Over-Ear Headphones",
        ),
        ("/architecture", "Architecture · AI Portfolio", "<svg"),
    ];
    for (path, title, marker) in routes {
        let reply = app.get(path).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert_eq!(title_of(&reply.body), title, "{path}");
        assert!(reply.body.contains(marker), "{path} lacks {marker}");
        assert!(
            reply.body.contains("name=\"description\""),
            "{path} has no description"
        );
        assert!(
            reply.body.contains("/pkg/ai-portfolio.js"),
            "{path} has no hydration script"
        );
        assert_eq!(
            reply
                .headers
                .get(header::X_CONTENT_TYPE_OPTIONS)
                .map(|v| v.as_bytes()),
            Some(&b"nosniff"[..])
        );
        assert!(reply.headers.contains_key("x-request-id"));
    }
    let missing = app.get("/no/such/page").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("This page does not exist"));
    assert_eq!(title_of(&missing.body), "Page not found · AI Portfolio");
    app.cleanup().await;
}

#[tokio::test]
async fn home_cards_say_which_backend_each_demo_uses() {
    let app = TestApp::builder()
        .env("STABILITY_KEY", "sk-test-stability")
        .build()
        .await
        .expect("app");
    let home = app.get("/").await;
    assert!(
        home.body.contains("Embedded: SmolLM2-135M-Instruct"),
        "{}",
        home.body.len()
    );
    assert!(home.body.contains("Cloud: Stability AI SD3"));
    assert!(!home.body.contains("sk-test-stability"));
    app.cleanup().await;
}

#[tokio::test]
async fn data_views_render_the_view_in_the_url_without_javascript() {
    let app = TestApp::builder().build().await.expect("app");
    let orders = app
        .get("/data?tab=orders&status=delivered&sort=total&dir=desc&size=25")
        .await;
    assert_eq!(orders.status, StatusCode::OK);
    assert!(orders.body.contains("data-testid=\"data-table\""));
    // The most expensive delivered order is 1005 (a $2,199 camera).
    let first_row = orders.body.split("data-order=\"").nth(1).unwrap_or("");
    assert!(
        first_row.starts_with("1005\""),
        "{}",
        &first_row[..first_row.len().min(40)]
    );
    assert!(
        !orders.body.contains("1019"),
        "a processing order leaked into the delivered filter"
    );
    assert!(orders.body.contains("Served from SQLite"));

    let search = app.get("/data?tab=products&q=nothing-matches-this").await;
    assert!(search.body.contains("data-testid=\"empty-state\""));

    let kb = app.get("/data?tab=knowledge&q=return+window").await;
    assert!(kb.body.contains("data-testid=\"kb-table\""));
    assert!(kb.body.contains("policy-returns-window"));
    assert!(!kb.body.contains("product-gan-charger"));

    // Hostile query values fall back to defaults rather than erroring.
    let hostile = app
        .get("/data?tab=orders&sort=id;DROP%20TABLE%20orders&page=-1&size=999999")
        .await;
    assert_eq!(hostile.status, StatusCode::OK);
    assert!(hostile.body.contains("Showing 1–10 of 30"));
    app.cleanup().await;
}

#[tokio::test]
async fn csv_export_follows_the_view() {
    let app = TestApp::builder().build().await.expect("app");
    let csv = app
        .get("/data/export.csv?tab=tickets&priority=urgent&page=3")
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(
        csv.headers.get(header::CONTENT_TYPE).map(|v| v.as_bytes()),
        Some(&b"text/csv; charset=utf-8"[..])
    );
    assert_eq!(
        csv.headers
            .get(header::CONTENT_DISPOSITION)
            .map(|v| v.as_bytes()),
        Some(&b"attachment; filename=\"tickets.csv\""[..])
    );
    let urgent = store::seed::TICKETS
        .iter()
        .filter(|t| t.priority == "urgent")
        .count();
    assert_eq!(csv.body.lines().count(), urgent + 1);
    assert!(csv.body.lines().skip(1).all(|l| l.contains(",urgent,")));

    let kb = app.get("/data/export.csv?tab=knowledge").await;
    assert_eq!(kb.status, StatusCode::NOT_FOUND);
    app.cleanup().await;
}

#[tokio::test]
async fn table_server_function_validates_its_input() {
    let app = TestApp::builder().build().await.expect("app");
    let ok = app
        .post_json(
            "/api/data/table",
            r#"{"view":{"tab":"Returns","search":"","sort":"refund","dir":"Desc","filters":[["status","approved"]],"page":1,"page_size":10}}"#,
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let json: serde_json::Value = serde_json::from_str(&ok.body).expect("json");
    assert_eq!(json["rows"]["Returns"]["total"], 2);
    assert_eq!(json["database"], "SQLite");

    // A sort key or filter the tab does not have is dropped by the same validation as the URL.
    let odd = app
        .post_json(
            "/api/data/table",
            r#"{"view":{"tab":"Orders","search":"","sort":"1; DROP TABLE orders","dir":"Asc","filters":[["owner","x"]],"page":0,"page_size":7}}"#,
        )
        .await;
    assert_eq!(odd.status, StatusCode::OK, "{}", odd.body);
    let json: serde_json::Value = serde_json::from_str(&odd.body).expect("json");
    assert_eq!(json["rows"]["Orders"]["total"], 30);
    assert_eq!(json["rows"]["Orders"]["page_size"], 10);

    let garbage = app.post_json("/api/data/table", "{not json").await;
    assert!(garbage.status.is_client_error() || garbage.status.is_server_error());
    app.cleanup().await;
}

#[tokio::test]
async fn postgres_serves_the_same_pages() {
    // Both stores seeded from one instant: dates in the exports are relative to it, so two
    // seeds a few seconds apart across a minute boundary would differ.
    let anchor = chrono::Utc::now();
    let Some(pg) = TestApp::builder().postgres().anchor(anchor).build().await else {
        return;
    };
    let sqlite = TestApp::builder()
        .anchor(anchor)
        .build()
        .await
        .expect("sqlite");
    let ready = pg.get("/health/ready").await;
    assert!(ready.body.contains("\"postgres\""), "{}", ready.body);
    for path in [
        "/data/export.csv?tab=products",
        "/data/export.csv?tab=shipping&sort=zip",
        "/data/export.csv?tab=returns",
    ] {
        let a = sqlite.get(path).await;
        let b = pg.get(path).await;
        assert_eq!(a.status, StatusCode::OK);
        assert_eq!(
            a.body, b.body,
            "{path} differs between SQLite and PostgreSQL"
        );
    }
    let page = pg.get("/data?tab=orders").await;
    assert!(page.body.contains("Served from PostgreSQL"));
    pg.cleanup().await;
    sqlite.cleanup().await;
}

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
    let metrics = app.get("/metrics").await;
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
async fn pages_carry_a_nonce_csp_and_hsts_only_behind_tls() {
    let app = TestApp::builder().build().await.expect("app");
    let page = app.get("/").await;
    let csp = page
        .headers
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
        .expect("a CSP header")
        .to_owned();
    assert!(
        csp.contains("'wasm-unsafe-eval'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce");
    // Every inline script carries it (the theme script and Leptos's own).
    let scripts = page.body.matches("<script").count();
    let with_nonce = page.body.matches(&format!("nonce=\"{nonce}\"")).count();
    assert!(
        scripts >= 2 && with_nonce >= scripts - page.body.matches("<script src=").count(),
        "{scripts} scripts, {with_nonce} with the nonce"
    );
    let other = app.get("/").await;
    assert!(
        !other
            .headers
            .get(header::CONTENT_SECURITY_POLICY)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .contains(nonce),
        "a fresh nonce per response"
    );
    assert!(
        page.headers
            .get(header::STRICT_TRANSPORT_SECURITY)
            .is_none()
    );
    let tls = app
        .request(
            Request::get("/health")
                .header("x-forwarded-proto", "https")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert!(tls.headers.get(header::STRICT_TRANSPORT_SECURITY).is_some());
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

/// A multipart/form-data body from (field, file name or none, bytes) parts.
fn multipart_request(uri: &str, parts: &[(&str, Option<&str>, &[u8])]) -> Request<Body> {
    let boundary = "----portfolio-test-boundary";
    let mut body = Vec::new();
    for (field, filename, bytes) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match filename {
            Some(f) => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{field}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{field}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    Request::post(uri)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .expect("request")
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
    assert_eq!(p["confidence_threshold"].as_f64(), Some(0.6f32 as f64));
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

    let metrics = app.get("/metrics").await.body;
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
            body["error"].as_str().unwrap_or_default().contains(words),
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
    let metrics = app.get("/metrics").await.body;
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
