//! The REST API for machine clients: API keys with their limits, conversations, action cards,
//! and every answer checked against the API's own OpenAPI document.
// A test stops at a failed step: unwrap and expect are what it means here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::staff::*;
use common::*;
use serde_json::{Value, json};

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
        !json_of(&send(&app, "GET", "/api/desk/api-keys", Some(&admin), None).await)
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
        &format!("/api/desk/api-keys/{id}/revoke"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    let refused = api(&app, "GET", uri, &key, None).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        json_of(&refused)["error"]["message"],
        "This API key has been revoked."
    );
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
        let error = &json_of(&reply)["error"];
        assert!(error["message"].is_string(), "{}", reply.body);
        assert!(error["code"].is_string(), "{}", reply.body);
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
        let error = &json_of(&reply)["error"];
        assert!(error["message"].is_string(), "{}", reply.body);
        assert!(error["code"].is_string(), "{}", reply.body);
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
    assert_eq!(operations, 12, "every operation is documented");
    app.cleanup().await;
}

#[tokio::test]
async fn a_key_does_only_what_its_scopes_allow_and_its_use_is_recorded_in_batches() {
    let app = app().await;
    let admin = sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let no_scope = send(
        &app,
        "POST",
        "/api/desk/api-keys",
        Some(&admin),
        Some(json!({ "name": "nothing", "scopes": [] })),
    )
    .await;
    assert_eq!(no_scope.status, StatusCode::UNPROCESSABLE_ENTITY);
    let (id, chat_only) =
        new_key_with(&app, &admin, 100, &["messages:write", "conversations:read"]).await;
    let listed = json_of(&send(&app, "GET", "/api/desk/api-keys", Some(&admin), None).await);
    assert_eq!(
        listed["keys"][0]["scopes"],
        json!(["messages:write", "conversations:read"])
    );
    let sent = api(
        &app,
        "POST",
        "/api/v1/messages",
        &chat_only,
        Some(json!({ "message": "What is your return window?" })),
    )
    .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);

    let (content_type, body) = multipart("returns.md", b"# Returns\n\nWithin 30 days.\n", &[]);
    let upload = app
        .request(
            Request::post("/api/v1/kb/documents")
                .header(header::AUTHORIZATION, format!("Bearer {chat_only}"))
                .header(header::CONTENT_TYPE, content_type)
                .body(Body::from(body))
                .expect("request"),
        )
        .await;
    assert_eq!(upload.status, StatusCode::FORBIDDEN, "{}", upload.body);
    let message = json_of(&upload)["error"]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(message.contains("kb:write"), "{message}");
    let job = api(&app, "GET", "/api/v1/jobs/1", &chat_only, None).await;
    assert_eq!(job.status, StatusCode::FORBIDDEN);
    assert!(job.body.contains("jobs:read"), "{}", job.body);

    // Uses are noted in memory: nothing is written until the batch is flushed.
    let last_used = || async {
        app.db
            .store
            .scalar_text(&format!(
                "SELECT COALESCE(CAST(last_used_at AS TEXT), 'never') FROM api_keys WHERE id = {id}"
            ))
            .await
            .expect("query")
            .expect("the key's row")
    };
    assert_eq!(last_used().await, "never");
    let flushed = app.key_limits.flush_uses(&app.db.store).await;
    assert_eq!(flushed, 1, "one key was used");
    assert_ne!(last_used().await, "never");
    app.cleanup().await;
}

#[tokio::test]
async fn every_refusal_on_the_api_paths_is_the_apis_json_error() {
    let app = app().await;
    let admin = sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let (_, key) = new_key(&app, &admin, 1000).await;
    let raw = |method: &str, uri: &str, content_type: Option<&str>, body: &str| {
        let mut r = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {key}"));
        if let Some(t) = content_type {
            r = r.header(header::CONTENT_TYPE, t);
        }
        r.body(Body::from(body.to_owned())).expect("request")
    };
    let cases = [
        (
            raw(
                "POST",
                "/api/v1/messages",
                Some("application/json"),
                "{not json",
            ),
            400,
        ),
        (
            raw(
                "POST",
                "/api/v1/messages",
                Some("application/json"),
                r#"{"message":"hi","extra":1}"#,
            ),
            400,
        ),
        (
            raw(
                "POST",
                "/api/v1/messages",
                Some("application/json"),
                r#"{"message":7}"#,
            ),
            400,
        ),
        (
            raw("POST", "/api/v1/messages", None, r#"{"message":"hi"}"#),
            415,
        ),
        (
            raw(
                "POST",
                "/api/v1/messages",
                Some("application/json"),
                r#"{"message":" \u3000 "}"#,
            ),
            422,
        ),
        (
            raw(
                "POST",
                "/api/v1/messages",
                Some("application/json"),
                r#"{"message":"hi","customer_email":"not an email"}"#,
            ),
            422,
        ),
        (
            raw("POST", "/api/v1/conversations/short/escalate", None, ""),
            422,
        ),
        (
            raw(
                "POST",
                "/api/v1/kb/documents",
                Some("application/json"),
                "{}",
            ),
            415,
        ),
        (raw("GET", "/api/v1/jobs/not-a-number", None, ""), 422),
        (raw("GET", "/api/v1/no-such-operation", None, ""), 404),
        (raw("DELETE", "/api/v1/messages", None, ""), 405),
    ];
    for (request, status) in cases {
        let what = format!("{} {}", request.method(), request.uri());
        let reply = app.request(request).await;
        assert_eq!(reply.status.as_u16(), status, "{what}: {}", reply.body);
        let content_type = reply.headers[header::CONTENT_TYPE].to_str().unwrap();
        assert!(
            content_type.starts_with("application/json"),
            "{what}: {content_type}"
        );
        let body = json_of(&reply);
        assert!(body["error"]["message"].is_string(), "{what}: {body}");
        if status == 405 {
            assert_eq!(reply.headers[header::ALLOW], "POST", "{what}");
        }
    }
    // The upload form states its fields: one it does not have, a value out of its set, or a
    // title over 200 characters is refused, naming the field.
    let long_title = "t".repeat(201);
    for (fields, field) in [
        (vec![("colour", "blue")], "colour"),
        (vec![("audience", "everyone")], "audience"),
        (vec![("doc_type", " policy")], "doc_type"),
        (vec![("title", long_title.as_str())], "title"),
    ] {
        let (content_type, body) =
            multipart("returns.md", b"# Returns\n\nWithin 30 days.\n", &fields);
        let reply = app
            .request(
                Request::post("/api/v1/kb/documents")
                    .header(header::AUTHORIZATION, format!("Bearer {key}"))
                    .header(header::CONTENT_TYPE, content_type)
                    .body(Body::from(body))
                    .expect("request"),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}: {}",
            reply.body
        );
        assert_eq!(json_of(&reply)["error"]["field"], field);
    }
    // A JSON array is not the object the schema asks for, even one serde could read as a struct.
    let array = app
        .request(raw(
            "POST",
            "/api/v1/messages",
            Some("application/json"),
            r#"["hi"]"#,
        ))
        .await;
    assert_eq!(array.status, StatusCode::BAD_REQUEST);
    let started = json_of(
        &api(
            &app,
            "POST",
            "/api/v1/messages",
            &key,
            Some(json!({ "message": "Hello" })),
        )
        .await,
    );
    let id = started["conversation_id"].as_str().unwrap();
    let array = app
        .request(raw(
            "POST",
            &format!("/api/v1/conversations/{id}/escalate"),
            Some("application/json"),
            "[]",
        ))
        .await;
    assert_eq!(array.status, StatusCode::BAD_REQUEST, "{}", array.body);
    // A sent body with no content at all is still a valid escalation (the body is optional).
    let started = json_of(
        &api(
            &app,
            "POST",
            "/api/v1/messages",
            &key,
            Some(json!({ "message": "Hello" })),
        )
        .await,
    );
    let id = started["conversation_id"].as_str().unwrap();
    let escalated = app
        .request(raw(
            "POST",
            &format!("/api/v1/conversations/{id}/escalate"),
            None,
            "",
        ))
        .await;
    assert_eq!(escalated.status, StatusCode::OK, "{}", escalated.body);
    app.cleanup().await;
}
