//! Support operations over HTTP: staff sign-in and access control, the live handoff between a
//! person and a customer's open chat, API keys with their limits, knowledge-base ingestion, and
//! the REST API checked against its own OpenAPI document.

mod common;

use common::*;
use serde_json::{Value, json};
use std::time::Duration;

const ADMIN_EMAIL: &str = "admin@store.example";
const ADMIN_PASSWORD: &str = "correct horse battery";

async fn app() -> TestApp {
    TestApp::builder()
        .env("ADMIN_EMAIL", ADMIN_EMAIL)
        .env("ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("ADMIN_NAME", "Ada Admin")
        .build()
        .await
        .expect("sqlite app")
}

/// The same app on PostgreSQL; `None` when it is unreachable and not required.
async fn postgres_app() -> Option<TestApp> {
    TestApp::builder()
        .postgres()
        .env("ADMIN_EMAIL", ADMIN_EMAIL)
        .env("ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("ADMIN_NAME", "Ada Admin")
        .build()
        .await
}

fn json_of(reply: &Reply) -> Value {
    serde_json::from_str(&reply.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", reply.body))
}

async fn send(
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

async fn api(app: &TestApp, method: &str, uri: &str, key: &str, body: Option<Value>) -> Reply {
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
async fn sign_in(app: &TestApp, email: &str, password: &str) -> String {
    let reply = send(
        app,
        "POST",
        "/api/staff/login",
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

fn multipart(filename: &str, bytes: &[u8], fields: &[(&str, &str)]) -> (String, Vec<u8>) {
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
async fn staff_upload(
    app: &TestApp,
    cookie: &str,
    filename: &str,
    bytes: &[u8],
    fields: &[(&str, &str)],
) -> Reply {
    let (content_type, body) = multipart(filename, bytes, fields);
    app.request(
        Request::post("/api/staff/kb/documents")
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .expect("request"),
    )
    .await
}

#[tokio::test]
async fn every_staff_route_refuses_without_a_session_and_admin_routes_refuse_agents() {
    let app = app().await;
    let staff_routes = [
        ("GET", "/api/staff/me"),
        ("GET", "/api/staff/conversations"),
        ("GET", "/api/staff/conversations/abc"),
        ("POST", "/api/staff/conversations/abc/claim"),
        ("POST", "/api/staff/conversations/abc/release"),
        ("POST", "/api/staff/conversations/abc/resolve"),
        ("POST", "/api/staff/conversations/abc/reply"),
        ("GET", "/api/staff/tickets"),
        ("POST", "/api/staff/tickets/1/status"),
        ("GET", "/api/staff/analytics"),
        ("GET", "/api/staff/events"),
    ];
    let admin_routes = [
        ("GET", "/api/staff/users"),
        ("POST", "/api/staff/users"),
        ("POST", "/api/staff/users/1/active"),
        ("GET", "/api/staff/api-keys"),
        ("POST", "/api/staff/api-keys"),
        ("POST", "/api/staff/api-keys/1/revoke"),
        ("GET", "/api/staff/kb/documents"),
        ("DELETE", "/api/staff/kb/documents/1"),
        ("GET", "/api/staff/kb/documents/1/chunks"),
        ("POST", "/api/staff/kb/reindex"),
    ];
    for (method, uri) in staff_routes.iter().chain(admin_routes.iter()) {
        let reply = send(&app, method, uri, None, Some(json!({}))).await;
        assert_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "{method} {uri}: {}",
            reply.body
        );
        assert!(
            json_of(&reply)["error"]
                .as_str()
                .is_some_and(|e| e.contains("Sign in")),
            "{method} {uri}"
        );
        // A made-up session is no better.
        let forged = format!("staff_session={}", "ab".repeat(32));
        let reply = send(&app, method, uri, Some(&forged), Some(json!({}))).await;
        assert_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "{method} {uri} with a forged cookie"
        );
    }

    // Wrong password and unknown email get the same answer.
    for (email, password) in [
        (ADMIN_EMAIL, "wrong password!"),
        ("nobody@store.example", ADMIN_PASSWORD),
    ] {
        let reply = send(
            &app,
            "POST",
            "/api/staff/login",
            None,
            Some(json!({ "email": email, "password": password })),
        )
        .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            json_of(&reply)["error"],
            "That email and password do not match an active account."
        );
        assert!(reply.headers.get(header::SET_COOKIE).is_none());
    }

    let admin = sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let me = json_of(&send(&app, "GET", "/api/staff/me", Some(&admin), None).await);
    assert_eq!(me["staff"]["role"], "admin");
    assert_eq!(me["staff"]["name"], "Ada Admin");

    // Admins add agents; short passwords and duplicate emails are refused with a sentence.
    let short = send(
        &app,
        "POST",
        "/api/staff/users",
        Some(&admin),
        Some(json!({ "email": "a@store.example", "name": "A", "password": "short" })),
    )
    .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    let created = send(&app, "POST", "/api/staff/users", Some(&admin), Some(json!({ "email": "Sam@Store.example", "name": "Sam Agent", "password": "agent password 1" }))).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let agent_id = json_of(&created)["staff"]["id"].as_i64().expect("id");
    let again = send(
        &app,
        "POST",
        "/api/staff/users",
        Some(&admin),
        Some(
            json!({ "email": "sam@store.example", "name": "Sam", "password": "agent password 1" }),
        ),
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT);

    let agent = sign_in(&app, "sam@store.example", "agent password 1").await;
    for (method, uri) in staff_routes.iter().take(2) {
        let reply = send(&app, method, uri, Some(&agent), None).await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "agent {method} {uri}: {}",
            reply.body
        );
    }
    for (method, uri) in admin_routes {
        let reply = send(&app, method, uri, Some(&agent), Some(json!({}))).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "agent {method} {uri}");
    }

    // Turning an account off ends its sessions; signing out ends one.
    let off = send(
        &app,
        "POST",
        &format!("/api/staff/users/{agent_id}/active"),
        Some(&admin),
        Some(json!({ "active": false })),
    )
    .await;
    assert_eq!(off.status, StatusCode::NO_CONTENT);
    assert_eq!(
        send(&app, "GET", "/api/staff/me", Some(&agent), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let out = send(&app, "POST", "/api/staff/logout", Some(&admin), None).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert!(
        out.headers
            .get(header::SET_COOKIE)
            .is_some_and(|c| c.to_str().unwrap_or("").contains("Max-Age=0"))
    );
    assert_eq!(
        send(&app, "GET", "/api/staff/me", Some(&admin), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    app.cleanup().await;
}

/// Reads server-sent events from a streaming response until `want` has been seen or time runs out.
async fn read_events(body: &mut Body, want: &str, within: Duration) -> Vec<(String, Value)> {
    let mut seen = Vec::new();
    let mut buffer = String::new();
    let deadline = tokio::time::Instant::now() + within;
    while !seen.iter().any(|(name, _): &(String, Value)| name == want) {
        let frame = tokio::time::timeout_at(deadline, body.frame()).await;
        let Ok(Some(Ok(frame))) = frame else { break };
        if let Some(data) = frame.data_ref() {
            buffer.push_str(&String::from_utf8_lossy(data));
        }
        while let Some(end) = buffer.find("\n\n") {
            let event: String = buffer.drain(..end + 2).collect();
            let name = event
                .lines()
                .find_map(|l| l.strip_prefix("event: "))
                .unwrap_or("message")
                .to_owned();
            if let Some(data) = event.lines().find_map(|l| l.strip_prefix("data: ")) {
                seen.push((name, serde_json::from_str(data).unwrap_or(Value::Null)));
            }
        }
    }
    seen
}

async fn stream(app: &TestApp, uri: &str, cookie: &str) -> Body {
    let response = app
        .router
        .clone()
        .oneshot(
            Request::get(uri)
                .header(header::COOKIE, cookie)
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("infallible");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "text/event-stream"
    );
    response.into_body()
}

async fn customer_says(
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
            let data: Value =
                serde_json::from_str(e.lines().find_map(|l| l.strip_prefix("data: "))?).ok()?;
            Some(json!({ "event": name, "data": data }))
        })
        .collect();
    (cookie, frames)
}

#[tokio::test]
async fn a_person_takes_over_and_the_customer_sees_it_live() {
    a_person_takes_over_and_the_customer_sees_it_live_on(app().await).await;
}

#[tokio::test]
async fn a_person_takes_over_and_the_customer_sees_it_live_on_postgres() {
    if let Some(app) = postgres_app().await {
        a_person_takes_over_and_the_customer_sees_it_live_on(app).await;
    }
}

async fn a_person_takes_over_and_the_customer_sees_it_live_on(app: TestApp) {
    let admin = sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let mut desk = stream(&app, "/api/staff/events", &admin).await;
    assert_eq!(
        read_events(&mut desk, "hello", Duration::from_secs(5)).await[0].0,
        "hello"
    );

    let (customer, frames) = customer_says(
        &app,
        None,
        "Where is order 1013? My email is lucas.rossi@example.com",
    )
    .await;
    let customer = customer.expect("a session cookie");
    assert!(frames.iter().any(|f| f["event"] == "done"));
    let session = customer.split_once('=').expect("cookie").1.to_owned();
    // The desk hears of the turn.
    let heard = read_events(&mut desk, "conversation", Duration::from_secs(5)).await;
    assert!(
        heard
            .iter()
            .any(|(n, v)| n == "conversation" && v["conversation_id"] == session.as_str()),
        "{heard:?}"
    );

    let mut chat = stream(&app, "/api/support/events", &customer).await;
    let hello = read_events(&mut chat, "hello", Duration::from_secs(5)).await;
    assert_eq!(hello[0].1["held_by"], Value::Null);

    let list = json_of(
        &send(
            &app,
            "GET",
            "/api/staff/conversations?view=unassigned",
            Some(&admin),
            None,
        )
        .await,
    );
    assert!(
        list["conversations"]
            .as_array()
            .expect("list")
            .iter()
            .any(|c| c["id"] == session.as_str())
    );

    // Claim: the customer is told a person joined.
    let claimed = send(
        &app,
        "POST",
        &format!("/api/staff/conversations/{session}/claim"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(claimed.status, StatusCode::OK, "{}", claimed.body);
    let events = read_events(&mut chat, "claimed", Duration::from_secs(5)).await;
    let joined = events
        .iter()
        .find(|(n, _)| n == "claimed")
        .expect("claimed reaches the chat");
    assert_eq!(joined.1["data"]["detail"]["name"], "Ada Admin");

    // A person's reply reaches the open chat.
    let started = std::time::Instant::now();
    let sent = send(
        &app,
        "POST",
        &format!("/api/staff/conversations/{session}/reply"),
        Some(&admin),
        Some(json!({ "text": "Hi Lucas, **Ada** here. It ships tomorrow." })),
    )
    .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    let events = read_events(&mut chat, "message", Duration::from_secs(5)).await;
    let message = events
        .iter()
        .find(|(n, _)| n == "message")
        .expect("the reply reaches the chat");
    println!(
        "in-process handoff delivery: {:.2} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
    assert_eq!(message.1["data"]["detail"]["author"], "Ada Admin");
    assert!(
        message.1["data"]["detail"]["html"]
            .as_str()
            .expect("html")
            .contains("<strong>Ada</strong>")
    );

    // While a person holds it, the agent stays quiet: the message is stored for the person.
    let (_, frames) = customer_says(
        &app,
        Some(&customer),
        "Thanks! Can you also check the shipping address?",
    )
    .await;
    assert!(
        frames
            .iter()
            .any(|f| f["event"] == "held" && f["data"]["name"] == "Ada Admin"),
        "{frames:?}"
    );
    let done = frames.iter().find(|f| f["event"] == "done").expect("done");
    assert_eq!(done["data"]["held_by"], "Ada Admin");
    assert!(
        !frames
            .iter()
            .any(|f| f["event"] == "token" && !f["data"]["text"].as_str().unwrap_or("").is_empty())
    );
    let transcript = json_of(
        &send(
            &app,
            "GET",
            &format!("/api/staff/conversations/{session}"),
            Some(&admin),
            None,
        )
        .await,
    );
    let roles: Vec<&str> = transcript["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| m["role"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(roles, ["user", "assistant", "agent", "user"]);
    assert!(transcript["messages"][0]["classification"]["category"].is_string());
    assert!(
        transcript["messages"][1]["tools"]
            .as_array()
            .is_some_and(|t| !t.is_empty())
    );

    // The reload view of the customer's chat shows the person too.
    let reload = json_of(
        &send(
            &app,
            "GET",
            "/api/support/conversation",
            Some(&customer),
            None,
        )
        .await,
    );
    assert_eq!(reload["held_by"], "Ada Admin");
    assert_eq!(reload["messages"][2]["author"], "Ada Admin");

    // Another staff member cannot take it; release hands it back and the agent answers again.
    let created = send(
        &app,
        "POST",
        "/api/staff/users",
        Some(&admin),
        Some(json!({ "email": "bo@store.example", "name": "Bo", "password": "bo password 12" })),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let bo = sign_in(&app, "bo@store.example", "bo password 12").await;
    let taken = send(
        &app,
        "POST",
        &format!("/api/staff/conversations/{session}/claim"),
        Some(&bo),
        None,
    )
    .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert!(
        json_of(&taken)["error"]
            .as_str()
            .expect("sentence")
            .contains("Ada Admin")
    );
    let released = send(
        &app,
        "POST",
        &format!("/api/staff/conversations/{session}/release"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(released.status, StatusCode::OK);
    assert!(
        read_events(&mut chat, "released", Duration::from_secs(5))
            .await
            .iter()
            .any(|(n, _)| n == "released")
    );
    let (_, frames) = customer_says(
        &app,
        Some(&customer),
        "What is your return policy for monitors?",
    )
    .await;
    assert!(!frames.iter().any(|f| f["event"] == "held"));
    assert!(
        frames
            .iter()
            .any(|f| f["event"] == "done" && f["data"]["held_by"].is_null())
    );

    // Resolve closes it (and its tickets); the customer sees that too.
    let resolved = send(
        &app,
        "POST",
        &format!("/api/staff/conversations/{session}/resolve"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(resolved.status, StatusCode::OK);
    assert_eq!(json_of(&resolved)["conversation"]["status"], "closed");
    let late = send(
        &app,
        "POST",
        &format!("/api/staff/conversations/{session}/reply"),
        Some(&admin),
        Some(json!({ "text": "One more thing" })),
    )
    .await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert!(
        json_of(&late)["error"]
            .as_str()
            .expect("sentence")
            .contains("resolved")
    );
    assert!(
        read_events(&mut chat, "resolved", Duration::from_secs(5))
            .await
            .iter()
            .any(|(n, _)| n == "resolved")
    );

    // Analytics count what happened.
    let analytics = json_of(
        &send(
            &app,
            "GET",
            "/api/staff/analytics?days=1",
            Some(&admin),
            None,
        )
        .await,
    );
    assert_eq!(analytics["conversations"], 1);
    assert_eq!(analytics["human_replied"], 1);
    assert_eq!(analytics["resolved"], 1);
    assert_eq!(analytics["automation_rate"], 0.0);
    assert_eq!(analytics["customer_messages"], 3);
    assert!(analytics["first_response"]["median_ms"].as_f64().is_some());
    assert!(analytics["tools"].as_array().is_some_and(|t| !t.is_empty()));
    let metrics = app.get("/metrics").await.body;
    for action in ["claim", "reply", "release", "resolve"] {
        assert!(
            metrics.contains(&format!(
                "support_desk_actions_total{{action=\"{action}\"}} 1"
            )),
            "{action}"
        );
    }
    let bad = send(
        &app,
        "GET",
        "/api/staff/analytics?days=0",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    app.cleanup().await;
}

#[tokio::test]
async fn tickets_change_status_and_unknown_statuses_are_refused() {
    tickets_change_status_and_unknown_statuses_are_refused_on(app().await).await;
}

#[tokio::test]
async fn tickets_change_status_and_unknown_statuses_are_refused_on_postgres() {
    if let Some(app) = postgres_app().await {
        tickets_change_status_and_unknown_statuses_are_refused_on(app).await;
    }
}

async fn tickets_change_status_and_unknown_statuses_are_refused_on(app: TestApp) {
    let admin = sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let (customer, _) =
        customer_says(&app, None, "This is unacceptable, I want a manager now!").await;
    assert!(customer.is_some());
    let open = json_of(
        &send(
            &app,
            "GET",
            "/api/staff/tickets?status=open",
            Some(&admin),
            None,
        )
        .await,
    );
    let ticket = open["tickets"]
        .as_array()
        .expect("tickets")
        .first()
        .cloned()
        .expect("the escalation opened a ticket");
    let id = ticket["id"].as_i64().expect("id");
    let moved = send(
        &app,
        "POST",
        &format!("/api/staff/tickets/{id}/status"),
        Some(&admin),
        Some(json!({ "status": "in_progress" })),
    )
    .await;
    assert_eq!(moved.status, StatusCode::OK);
    let listed = json_of(
        &send(
            &app,
            "GET",
            "/api/staff/tickets?status=in_progress",
            Some(&admin),
            None,
        )
        .await,
    );
    assert!(
        listed["tickets"]
            .as_array()
            .expect("tickets")
            .iter()
            .any(|t| t["id"] == id)
    );
    let bad = send(
        &app,
        "POST",
        &format!("/api/staff/tickets/{id}/status"),
        Some(&admin),
        Some(json!({ "status": "lost" })),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let missing = send(
        &app,
        "POST",
        "/api/staff/tickets/99999/status",
        Some(&admin),
        Some(json!({ "status": "open" })),
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let escalated = json_of(
        &send(
            &app,
            "GET",
            "/api/staff/conversations?view=escalated",
            Some(&admin),
            None,
        )
        .await,
    );
    assert_eq!(
        escalated["conversations"].as_array().expect("list").len(),
        1
    );
    app.cleanup().await;
}

async fn new_key(app: &TestApp, admin: &str, rate: i64) -> (i64, String) {
    let created = send(
        app,
        "POST",
        "/api/staff/api-keys",
        Some(admin),
        Some(json!({ "name": "test client", "rate_per_minute": rate })),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let body = json_of(&created);
    (
        body["key"]["id"].as_i64().expect("id"),
        body["secret"].as_str().expect("secret").to_owned(),
    )
}

#[tokio::test]
async fn api_keys_authenticate_are_limited_per_key_and_stop_when_revoked() {
    api_keys_authenticate_are_limited_per_key_and_stop_when_revoked_on(app().await).await;
}

#[tokio::test]
async fn api_keys_authenticate_are_limited_per_key_and_stop_when_revoked_on_postgres() {
    if let Some(app) = postgres_app().await {
        api_keys_authenticate_are_limited_per_key_and_stop_when_revoked_on(app).await;
    }
}

async fn api_keys_authenticate_are_limited_per_key_and_stop_when_revoked_on(app: TestApp) {
    let admin = sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let (id, key) = new_key(&app, &admin, 3).await;
    assert!(key.starts_with("aip_"));
    // Only a hash is stored: the secret appears nowhere in the database.
    let stored = app
        .db
        .store
        .scalar_text("SELECT key_hash FROM api_keys")
        .await
        .expect("query")
        .expect("row");
    assert_ne!(stored, key);
    assert!(
        !json_of(&send(&app, "GET", "/api/staff/api-keys", Some(&admin), None).await)
            .to_string()
            .contains(&key)
    );

    let uri = "/api/v1/customers/lucas.rossi@example.com/conversations";
    let none = app.get(uri).await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    let wrong = api(&app, "GET", uri, "aip_not-a-key", None).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    for _ in 0..3 {
        assert_eq!(
            api(&app, "GET", uri, &key, None).await.status,
            StatusCode::OK
        );
    }
    let limited = api(&app, "GET", uri, &key, None).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = limited.headers[header::RETRY_AFTER]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=20).contains(&retry), "{retry}");
    // Another key has its own budget; X-API-Key works as well as Bearer.
    let (_, other) = new_key(&app, &admin, 100).await;
    let by_header = app
        .request(
            Request::get(uri)
                .header("x-api-key", &other)
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(by_header.status, StatusCode::OK);

    let revoked = send(
        &app,
        "POST",
        &format!("/api/staff/api-keys/{id}/revoke"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    let refused = api(&app, "GET", uri, &key, None).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(json_of(&refused)["error"], "This API key has been revoked.");
    app.cleanup().await;
}

#[tokio::test]
async fn the_api_converses_escalates_resolves_and_lists_by_customer() {
    let app = app().await;
    let admin = sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let (_, key) = new_key(&app, &admin, 1000).await;
    let first = api(&app, "POST", "/api/v1/messages", &key, Some(json!({ "customer_email": "Lucas.Rossi@example.com", "message": "Where is order 1013? My email is lucas.rossi@example.com" }))).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let first = json_of(&first);
    let id = first["conversation_id"].as_str().expect("id").to_owned();
    assert!(first["reply"].as_str().expect("reply").contains("1013"));
    assert!(
        first["tools"]
            .as_array()
            .expect("tools")
            .iter()
            .any(|t| t["tool"] == "get_order_status"
                || t["tool"].as_str().is_some_and(|n| n.contains("order")))
    );
    let follow = json_of(
        &api(
            &app,
            "POST",
            "/api/v1/messages",
            &key,
            Some(json!({ "conversation_id": id, "message": "Thanks, that is all." })),
        )
        .await,
    );
    assert_eq!(follow["conversation_id"], id.as_str());

    let read = json_of(
        &api(
            &app,
            "GET",
            &format!("/api/v1/conversations/{id}"),
            &key,
            None,
        )
        .await,
    );
    assert_eq!(read["messages"].as_array().expect("messages").len(), 4);
    assert_eq!(
        read["conversation"]["customer_email"],
        "lucas.rossi@example.com"
    );

    let escalated = json_of(
        &api(
            &app,
            "POST",
            &format!("/api/v1/conversations/{id}/escalate"),
            &key,
            Some(json!({ "reason": "The customer wants to change the address." })),
        )
        .await,
    );
    assert_eq!(escalated["escalated"], true, "{escalated}");
    let read = json_of(
        &api(
            &app,
            "GET",
            &format!("/api/v1/conversations/{id}"),
            &key,
            None,
        )
        .await,
    );
    assert_eq!(read["conversation"]["status"], "escalated");
    assert!(!read["tickets"].as_array().expect("tickets").is_empty());

    let resolved = json_of(
        &api(
            &app,
            "POST",
            &format!("/api/v1/conversations/{id}/resolve"),
            &key,
            None,
        )
        .await,
    );
    assert_eq!(resolved["status"], "closed");
    let listed = json_of(
        &api(
            &app,
            "GET",
            "/api/v1/customers/lucas.rossi@example.com/conversations",
            &key,
            None,
        )
        .await,
    );
    assert_eq!(listed["conversations"][0]["id"], id.as_str());

    for (method, uri, body, status) in [
        (
            "POST",
            "/api/v1/messages",
            json!({ "message": "" }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "POST",
            "/api/v1/messages",
            json!({ "message": "x".repeat(4_001) }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "POST",
            "/api/v1/messages",
            json!({ "conversation_id": "../../etc", "message": "hi" }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "POST",
            "/api/v1/messages",
            json!({ "text": "wrong field" }),
            StatusCode::BAD_REQUEST,
        ),
        (
            "GET",
            "/api/v1/conversations/no-such-conversation",
            Value::Null,
            StatusCode::NOT_FOUND,
        ),
        (
            "POST",
            "/api/v1/conversations/no-such-conversation/resolve",
            Value::Null,
            StatusCode::NOT_FOUND,
        ),
        (
            "GET",
            "/api/v1/customers/not-an-email/conversations",
            Value::Null,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let reply = api(&app, method, uri, &key, (!body.is_null()).then_some(body)).await;
        assert_eq!(reply.status, status, "{method} {uri}: {}", reply.body);
        assert!(json_of(&reply)["error"].is_string());
    }
    app.cleanup().await;
}

#[tokio::test]
async fn an_api_client_confirms_or_declines_an_action_card() {
    let app = app().await;
    let admin = sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let (_, key) = new_key(&app, &admin, 1000).await;
    let order_status = |app: &TestApp| {
        let store = app.db.store.clone();
        async move {
            store
                .order_detail(1024)
                .await
                .expect("order 1024")
                .map(|o| o.status)
        }
    };
    let asked = api(
        &app,
        "POST",
        "/api/v1/messages",
        &key,
        Some(
            json!({ "message": "Please cancel order 1024, my email is ava.thompson@example.com" }),
        ),
    )
    .await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    let asked = json_of(&asked);
    let id = asked["conversation_id"].as_str().expect("id").to_owned();
    let proposal = asked["proposal"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("a proposal: {asked}"))
        .to_owned();
    assert_eq!(asked["proposal"]["action"], "cancel_order");
    assert_eq!(
        order_status(&app).await.as_deref(),
        Some("pending"),
        "nothing happens before the decision"
    );

    // Declining drops the card; confirming it afterwards changes nothing.
    let declined = api(
        &app,
        "POST",
        &format!("/api/v1/conversations/{id}/decision"),
        &key,
        Some(json!({ "proposal_id": proposal, "confirm": false })),
    )
    .await;
    assert_eq!(declined.status, StatusCode::OK, "{}", declined.body);
    let late = json_of(
        &api(
            &app,
            "POST",
            &format!("/api/v1/conversations/{id}/decision"),
            &key,
            Some(json!({ "proposal_id": proposal, "confirm": true })),
        )
        .await,
    );
    assert!(late["proposal"].is_null(), "{late}");
    assert_eq!(order_status(&app).await.as_deref(), Some("pending"));

    // A new card, confirmed: the order is cancelled, once.
    let again = json_of(
        &api(
            &app,
            "POST",
            "/api/v1/messages",
            &key,
            Some(json!({ "conversation_id": id, "message": "Cancel order 1024 please" })),
        )
        .await,
    );
    let proposal = again["proposal"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("a new proposal: {again}"))
        .to_owned();
    let confirmed = json_of(
        &api(
            &app,
            "POST",
            &format!("/api/v1/conversations/{id}/decision"),
            &key,
            Some(json!({ "proposal_id": proposal, "confirm": true })),
        )
        .await,
    );
    assert!(
        confirmed["tools"]
            .as_array()
            .expect("tools")
            .iter()
            .any(|t| t["tool"] == "cancel_order" && t["ok"] == true),
        "{confirmed}"
    );
    assert_eq!(order_status(&app).await.as_deref(), Some("cancelled"));

    for (uri, body, status) in [
        (
            format!("/api/v1/conversations/{id}/decision"),
            json!({ "proposal_id": "../x", "confirm": true }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            format!("/api/v1/conversations/{id}/decision"),
            json!({ "confirm": true }),
            StatusCode::BAD_REQUEST,
        ),
        (
            "/api/v1/conversations/no-such-conversation/decision".to_string(),
            json!({ "proposal_id": proposal, "confirm": true }),
            StatusCode::NOT_FOUND,
        ),
    ] {
        let reply = api(&app, "POST", &uri, &key, Some(body)).await;
        assert_eq!(reply.status, status, "{uri}: {}", reply.body);
        assert!(json_of(&reply)["error"].is_string());
    }
    app.cleanup().await;
}

/// Checks `value` against a schema of the document (objects, required fields, basic types).
fn conforms(doc: &Value, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.rsplit('/').next().unwrap_or_default();
        return conforms(doc, &doc["components"]["schemas"][name], value, at);
    }
    if let Some(options) = schema["oneOf"].as_array().or(schema["anyOf"].as_array()) {
        return options
            .iter()
            .any(|o| conforms(doc, o, value, at).is_ok())
            .then_some(())
            .ok_or_else(|| format!("{at}: {value} matches no option"));
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => return Ok(()),
    };
    let ok = types.iter().any(|t| match *t {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        _ => true,
    });
    if !ok {
        return Err(format!("{at}: {value} is not {types:?}"));
    }
    if let Some(required) = schema["required"].as_array() {
        for field in required.iter().filter_map(Value::as_str) {
            if value.get(field).is_none() {
                return Err(format!("{at}: missing required {field}"));
            }
        }
    }
    if let (Some(properties), Some(object)) = (schema["properties"].as_object(), value.as_object())
    {
        for (name, property) in properties {
            if let Some(v) = object.get(name) {
                conforms(doc, property, v, &format!("{at}.{name}"))?;
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (i, v) in array.iter().enumerate() {
            conforms(doc, items, v, &format!("{at}[{i}]"))?;
        }
    }
    Ok(())
}

#[tokio::test]
async fn the_api_answers_as_its_openapi_document_says() {
    let app = TestApp::builder()
        .env("ADMIN_EMAIL", ADMIN_EMAIL)
        .env("ADMIN_PASSWORD", ADMIN_PASSWORD)
        .knowledge()
        .build()
        .await
        .expect("app");
    let admin = sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let (_, key) = new_key(&app, &admin, 1000).await;
    let doc_reply = app.get("/api/v1/openapi.json").await;
    assert_eq!(doc_reply.status, StatusCode::OK);
    let doc = json_of(&doc_reply);
    assert_eq!(doc["info"]["version"], "1.0.0");
    assert_eq!(
        doc["components"]["securitySchemes"]["api_key"]["scheme"],
        "bearer"
    );
    let ui = app.get("/api/v1/docs/").await;
    assert_eq!(ui.status, StatusCode::OK);
    assert!(
        ui.body.contains("swagger-ui"),
        "{}",
        &ui.body[..ui.body.len().min(300)]
    );
    let ui_script = app.get("/api/v1/docs/swagger-ui-bundle.js").await;
    assert_eq!(
        ui_script.status,
        StatusCode::OK,
        "Swagger UI's files are served from the binary"
    );

    // One real call per documented operation (plus an unauthenticated one), each checked against
    // the documented status codes and response schema.
    let started = json_of(&api(&app, "POST", "/api/v1/messages", &key, Some(json!({ "customer_email": "aisha.bello@example.com", "message": "Hello, what is your return window for headphones?" }))).await);
    let id = started["conversation_id"].as_str().expect("id").to_owned();
    let mut operations = 0;
    for (path, methods) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in methods.as_object().expect("methods") {
            let uri = path
                .replace("{id}", &id)
                .replace("{email}", "aisha.bello@example.com");
            let method = method.to_uppercase();
            let calls: Vec<Reply> = if path == "/api/v1/kb/documents" {
                let (content_type, body) = multipart(
                    "returns.md",
                    b"# Gift returns\n\nGifts can be returned for store credit within 60 days.\n",
                    &[("category", "returns")],
                );
                let request = |auth: bool| {
                    let mut r =
                        Request::post(&uri).header(header::CONTENT_TYPE, content_type.clone());
                    if auth {
                        r = r.header(header::AUTHORIZATION, format!("Bearer {key}"));
                    }
                    r.body(Body::from(body.clone())).expect("request")
                };
                vec![
                    app.request(request(true)).await,
                    app.request(request(false)).await,
                ]
            } else {
                let body = (method == "POST").then(|| match path.as_str() {
                    "/api/v1/messages" => {
                        json!({ "conversation_id": id, "message": "And for monitors?" })
                    }
                    "/api/v1/conversations/{id}/decision" => {
                        json!({ "proposal_id": "no-such-proposal", "confirm": true })
                    }
                    _ => json!({ "reason": "checking the API" }),
                });
                vec![
                    api(&app, &method, &uri, &key, body.clone()).await,
                    send(&app, &method, &uri, None, body).await,
                ]
            };
            for reply in calls {
                let status = reply.status.as_u16().to_string();
                let documented = &operation["responses"][&status];
                assert!(
                    documented.is_object(),
                    "{method} {path} answered {status}, which is not documented: {}",
                    reply.body
                );
                let schema = &documented["content"]["application/json"]["schema"];
                conforms(
                    &doc,
                    schema,
                    &json_of(&reply),
                    &format!("{method} {path} {status}"),
                )
                .unwrap_or_else(|e| panic!("{e}\n{}", reply.body));
            }
            operations += 1;
        }
    }
    assert_eq!(operations, 7, "every operation is documented");
    app.cleanup().await;
}

async fn wait_until_indexed(app: &TestApp, admin: &str, id: i64) -> Value {
    for _ in 0..600 {
        let list = json_of(&send(app, "GET", "/api/staff/kb/documents", Some(admin), None).await);
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
    let kb = app.support.knowledge_base().expect("loaded");
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
            &format!("/api/staff/kb/documents/{id}/chunks"),
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
            json_of(&reply)["error"]
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
        &format!("/api/staff/kb/documents/{id}"),
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
            &format!("/api/staff/kb/documents/{id}"),
            Some(&admin),
            None
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );

    // Re-index everything: 202, progress on the live stream, then the same number of vectors.
    let mut events = stream(&app, "/api/staff/events", &admin).await;
    let started = send(&app, "POST", "/api/staff/kb/reindex", Some(&admin), None).await;
    assert_eq!(started.status, StatusCode::ACCEPTED);
    assert_eq!(
        send(&app, "POST", "/api/staff/kb/reindex", Some(&admin), None)
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
    // The index flushes to its folder when the last handle goes: before the folder is removed.
    drop(kb);
    app.cleanup().await;
}
