//! Helpers of the staff-side tests: the signed-in administrator, JSON and API-key requests,
//! multipart uploads, API keys, and reading the live streams.

use super::*;
use serde_json::{Value, json};
use std::time::Duration;

pub const ADMIN_EMAIL: &str = "admin@store.example";
pub const ADMIN_PASSWORD: &str = "correct horse battery";

/// An app with the configured administrator, to add more settings to.
pub fn staff_builder() -> TestAppBuilder {
    TestApp::builder()
        .env("ADMIN_EMAIL", ADMIN_EMAIL)
        .env("ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("ADMIN_NAME", "Ada Admin")
}

pub async fn app() -> TestApp {
    staff_builder().build().await.expect("sqlite app")
}

/// The same app on PostgreSQL; `None` when it is unreachable and not required.
pub async fn postgres_app() -> Option<TestApp> {
    staff_builder().postgres().build().await
}

pub fn json_of(reply: &Reply) -> Value {
    serde_json::from_str(&reply.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", reply.body))
}

pub async fn send(
    app: &TestApp,
    method: &str,
    uri: &str,
    cookie: Option<&str>,
    body: Option<Value>,
) -> Reply {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(c) = cookie {
        request = request.header(header::COOKIE, c);
    }
    let body = match body {
        Some(b) => {
            request = request.header(header::CONTENT_TYPE, "application/json");
            Body::from(b.to_string())
        }
        None => Body::empty(),
    };
    app.request(request.body(body).expect("request")).await
}

pub async fn api(app: &TestApp, method: &str, uri: &str, key: &str, body: Option<Value>) -> Reply {
    let mut request = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {key}"));
    let body = match body {
        Some(b) => {
            request = request.header(header::CONTENT_TYPE, "application/json");
            Body::from(b.to_string())
        }
        None => Body::empty(),
    };
    app.request(request.body(body).expect("request")).await
}

/// Signs in and returns the session cookie ("staff_session=...").
pub async fn sign_in(app: &TestApp, email: &str, password: &str) -> String {
    let reply = send(
        app,
        "POST",
        "/api/desk/login",
        None,
        Some(json!({ "email": email, "password": password })),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let set = reply
        .headers
        .get(header::SET_COOKIE)
        .expect("a session cookie")
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    set.split(';').next().expect("name=value").to_owned()
}

pub fn multipart(filename: &str, bytes: &[u8], fields: &[(&str, &str)]) -> (String, Vec<u8>) {
    let boundary = "----test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Uploads a document on the desk as `cookie`'s staff member.
pub async fn staff_upload(
    app: &TestApp,
    cookie: &str,
    filename: &str,
    bytes: &[u8],
    fields: &[(&str, &str)],
) -> Reply {
    let (content_type, body) = multipart(filename, bytes, fields);
    app.request(
        Request::post("/api/desk/kb/documents")
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .expect("request"),
    )
    .await
}

/// A key with every scope.
pub async fn new_key(app: &TestApp, admin: &str, rate: i64) -> (i64, String) {
    new_key_with(
        app,
        admin,
        rate,
        &[
            "messages:write",
            "conversations:read",
            "kb:write",
            "jobs:read",
        ],
    )
    .await
}

pub async fn new_key_with(app: &TestApp, admin: &str, rate: i64, scopes: &[&str]) -> (i64, String) {
    let created = send(
        app,
        "POST",
        "/api/desk/api-keys",
        Some(admin),
        Some(json!({ "name": "test client", "rate_per_minute": rate, "scopes": scopes })),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let body = json_of(&created);
    (
        body["key"]["id"].as_i64().expect("id"),
        body["secret"].as_str().expect("secret").to_owned(),
    )
}

/// One server-sent event as sent: its id (when stored), name and data.
#[derive(Debug)]
pub struct Frame {
    pub id: Option<i64>,
    pub name: String,
    pub data: Value,
}

/// Reads events until one named `want` arrives or `within` passes. `buffer` keeps a partly
/// received event for the next call on the same stream.
pub async fn read_until(
    body: &mut Body,
    buffer: &mut String,
    want: &str,
    within: Duration,
) -> Vec<Frame> {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + within;
    loop {
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
            return seen;
        }
        let frame = tokio::time::timeout_at(deadline, body.frame()).await;
        let Ok(Some(Ok(frame))) = frame else {
            return seen;
        };
        if let Some(data) = frame.data_ref() {
            buffer.push_str(&String::from_utf8_lossy(data));
        }
    }
}

/// Reads server-sent events from a streaming response until `want` has been seen or time runs
/// out, as (name, data).
pub async fn read_events(body: &mut Body, want: &str, within: Duration) -> Vec<(String, Value)> {
    read_until(body, &mut String::new(), want, within)
        .await
        .into_iter()
        .map(|f| (f.name, f.data))
        .collect()
}

/// Opens an event stream with a session cookie, optionally resuming after `last_event_id`.
pub async fn open_stream(
    app: &TestApp,
    uri: &str,
    cookie: &str,
    last_event_id: Option<i64>,
) -> Body {
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
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "text/event-stream"
    );
    response.into_body()
}

pub async fn stream(app: &TestApp, uri: &str, cookie: &str) -> Body {
    open_stream(app, uri, cookie, None).await
}

pub async fn customer_says(
    app: &TestApp,
    cookie: Option<&str>,
    message: &str,
) -> (Option<String>, Vec<Value>) {
    let reply = send(
        app,
        "POST",
        "/api/support/chat",
        cookie,
        Some(json!({ "message": message })),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let cookie = reply
        .headers
        .get(header::SET_COOKIE)
        .and_then(|c| c.to_str().ok())
        .and_then(|c| c.split(';').next())
        .map(str::to_owned);
    let frames = reply
        .body
        .split("\n\n")
        .filter_map(|e| {
            let name = e.lines().find_map(|l| l.strip_prefix("event: "))?;
            let text = e.lines().find_map(|l| l.strip_prefix("data: "))?;
            assert_turn_frame(name, text);
            let data: Value = serde_json::from_str(text).ok()?;
            Some(json!({ "event": name, "data": data }))
        })
        .collect();
    (cookie, frames)
}

/// A support turn's event reads as the page reads it (`domain::api::support`): the server sends
/// the support crate's own types, and this holds the two shapes together.
pub fn assert_turn_frame(name: &str, data: &str) {
    use domain::api::support::{TurnDone, TurnFailed, TurnFrame};
    match name {
        "done" => {
            serde_json::from_str::<TurnDone>(data)
                .unwrap_or_else(|e| panic!("done frame {data}: {e}"));
        }
        "error" => {
            serde_json::from_str::<TurnFailed>(data)
                .unwrap_or_else(|e| panic!("error frame {data}: {e}"));
        }
        _ => {
            let frame = serde_json::from_str::<TurnFrame>(data)
                .unwrap_or_else(|e| panic!("{name} frame {data}: {e}"));
            assert_eq!(frame.event_name(), name, "{data}");
        }
    }
}

/// Signs this browser (`visitor`) in to the demo desk; the staff_session cookie and the answer.
pub async fn demo_sign_in(app: &TestApp, visitor: &str) -> (String, Value) {
    let reply = send(
        app,
        "POST",
        "/api/desk/demo",
        Some(&format!("visitor={visitor}")),
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let session = reply
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("staff_session="))
        .expect("a desk session cookie")
        .split(';')
        .next()
        .expect("name=value")
        .to_owned();
    (format!("{session}; visitor={visitor}"), json_of(&reply))
}

/// The value of a `name=value` cookie (a support session is the conversation's id).
pub fn session_of(cookie: &str) -> String {
    cookie.split_once('=').expect("cookie").1.to_owned()
}
