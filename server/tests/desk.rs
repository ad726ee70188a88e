//! The support desk over HTTP: staff sign-in and access control, the live hand-off between a
//! person and a customer's open chat, and tickets.
// A test stops at a failed step: unwrap and expect are what it means here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::staff::*;
use common::*;
use domain::api::desk::TeamAction;
use serde_json::{Value, json};
use std::time::Duration;

/// What `/desk` is for each kind of request: the server looks the session up first.
#[tokio::test]
async fn the_desk_is_the_sign_in_page_for_a_visitor_and_the_app_for_a_session() {
    let app = app().await;
    let visitor_page = |body: &str, who: &str| {
        assert!(body.contains("data-testid=\"sign-in\""), "{who}: {body}");
        assert!(body.contains("data-api=\"/api/desk/login\""), "{who}");
        // No WebAssembly: the document is the whole page, with its own script.
        assert!(!body.contains("<leptos-island"), "{who}");
        assert!(body.contains("data-enhanced"), "{who}");
        assert!(!body.contains("desk-loading"), "{who}");
        assert_eq!(
            body.matches("<noscript>").count(),
            1,
            "{who}: one noscript line"
        );
    };
    let visitor = send(&app, "GET", "/desk", None, None).await;
    assert_eq!(visitor.status, StatusCode::OK);
    visitor_page(&visitor.body, "no cookie");

    // A cookie that looks like a session but is none (ended, or made up) is still a visitor.
    let made_up = format!("staff_session={}", "a1".repeat(32));
    let stale = send(&app, "GET", "/desk", Some(&made_up), None).await;
    visitor_page(&stale.body, "a made-up session");

    let admin = sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let desk = send(&app, "GET", "/desk", Some(&admin), None).await;
    assert_eq!(desk.status, StatusCode::OK);
    assert!(desk.body.contains("desk-loading"), "{}", desk.body);
    assert!(
        desk.body
            .contains("<leptos-island data-component=\"StaffDesk_")
    );
    assert!(!desk.body.contains("data-testid=\"sign-in\""));

    // Signed out, the same cookie is a visitor's again.
    let out = send(&app, "POST", "/api/desk/logout", Some(&admin), None).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    let after = send(&app, "GET", "/desk", Some(&admin), None).await;
    visitor_page(&after.body, "after signing out");
    app.cleanup().await;
}

#[tokio::test]
async fn every_staff_route_refuses_without_a_session_and_admin_routes_refuse_agents() {
    let app = app().await;
    let staff_routes = [
        ("GET", "/api/desk/me"),
        ("GET", "/api/desk/conversations"),
        ("GET", "/api/desk/conversations/abc"),
        ("POST", "/api/desk/conversations/abc/claim"),
        ("POST", "/api/desk/conversations/abc/release"),
        ("POST", "/api/desk/conversations/abc/resolve"),
        ("POST", "/api/desk/conversations/abc/reply"),
        ("GET", "/api/desk/tickets"),
        ("POST", "/api/desk/tickets/1/status"),
        ("GET", "/api/desk/analytics"),
        ("GET", "/api/desk/events"),
    ];
    let admin_routes = [
        ("GET", "/api/desk/users"),
        ("POST", "/api/desk/users"),
        ("POST", "/api/desk/users/1/active"),
        ("GET", "/api/desk/api-keys"),
        ("POST", "/api/desk/api-keys"),
        ("POST", "/api/desk/api-keys/1/revoke"),
        ("GET", "/api/desk/kb/documents"),
        ("DELETE", "/api/desk/kb/documents/1"),
        ("GET", "/api/desk/kb/documents/1/chunks"),
        ("POST", "/api/desk/kb/reindex"),
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
            json_of(&reply)["error"]["message"]
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
            "/api/desk/login",
            None,
            Some(json!({ "email": email, "password": password })),
        )
        .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            json_of(&reply)["error"]["message"],
            "That email and password do not match an active account."
        );
        assert!(reply.headers.get(header::SET_COOKIE).is_none());
    }

    let admin = sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let me = json_of(&send(&app, "GET", "/api/desk/me", Some(&admin), None).await);
    assert_eq!(me["staff"]["role"], "admin");
    assert_eq!(me["staff"]["name"], "Ada Admin");

    // Admins add agents; short passwords and duplicate emails are refused with a sentence.
    let short = send(
        &app,
        "POST",
        "/api/desk/users",
        Some(&admin),
        Some(json!({ "email": "a@store.example", "name": "A", "password": "short" })),
    )
    .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    let created = send(&app, "POST", "/api/desk/users", Some(&admin), Some(json!({ "email": "Sam@Store.example", "name": "Sam Agent", "password": "agent password 1" }))).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let agent_id = json_of(&created)["staff"]["id"].as_i64().expect("id");
    let again = send(
        &app,
        "POST",
        "/api/desk/users",
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
        &format!("/api/desk/users/{agent_id}/active"),
        Some(&admin),
        Some(json!({ "active": false })),
    )
    .await;
    assert_eq!(off.status, StatusCode::NO_CONTENT);
    assert_eq!(
        send(&app, "GET", "/api/desk/me", Some(&agent), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let out = send(&app, "POST", "/api/desk/logout", Some(&admin), None).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert!(
        out.headers
            .get(header::SET_COOKIE)
            .is_some_and(|c| c.to_str().unwrap_or("").contains("Max-Age=0"))
    );
    assert_eq!(
        send(&app, "GET", "/api/desk/me", Some(&admin), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    app.cleanup().await;
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
    let mut desk = stream(&app, "/api/desk/events", &admin).await;
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
    let session = session_of(&customer);
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
            "/api/desk/conversations?view=unassigned",
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
        &format!("/api/desk/conversations/{session}/claim"),
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
    // The customer's page reads it (`TeamAction::read`).
    assert_eq!(
        TeamAction::read(&joined.1.to_string()),
        Some(TeamAction::By {
            name: "Ada Admin".into()
        })
    );

    // A person's reply reaches the open chat.
    let started = std::time::Instant::now();
    let sent = send(
        &app,
        "POST",
        &format!("/api/desk/conversations/{session}/reply"),
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
    match TeamAction::read(&message.1.to_string()) {
        Some(TeamAction::Reply(reply)) => assert_eq!(reply.author, "Ada Admin"),
        other => panic!("the page reads the reply: {other:?}"),
    }
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
            &format!("/api/desk/conversations/{session}"),
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
        "/api/desk/users",
        Some(&admin),
        Some(json!({ "email": "bo@store.example", "name": "Bo", "password": "bo password 12" })),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let bo = sign_in(&app, "bo@store.example", "bo password 12").await;
    let taken = send(
        &app,
        "POST",
        &format!("/api/desk/conversations/{session}/claim"),
        Some(&bo),
        None,
    )
    .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert!(
        json_of(&taken)["error"]["message"]
            .as_str()
            .expect("sentence")
            .contains("Ada Admin")
    );
    let released = send(
        &app,
        "POST",
        &format!("/api/desk/conversations/{session}/release"),
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
        &format!("/api/desk/conversations/{session}/resolve"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(resolved.status, StatusCode::OK);
    assert_eq!(json_of(&resolved)["conversation"]["status"], "closed");
    let late = send(
        &app,
        "POST",
        &format!("/api/desk/conversations/{session}/reply"),
        Some(&admin),
        Some(json!({ "text": "One more thing" })),
    )
    .await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert!(
        json_of(&late)["error"]["message"]
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
            "/api/desk/analytics?days=1",
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
    let metrics = app.metrics().await.body;
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
        "/api/desk/analytics?days=0",
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
            "/api/desk/tickets?status=open",
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
        &format!("/api/desk/tickets/{id}/status"),
        Some(&admin),
        Some(json!({ "status": "in_progress" })),
    )
    .await;
    assert_eq!(moved.status, StatusCode::OK);
    let listed = json_of(
        &send(
            &app,
            "GET",
            "/api/desk/tickets?status=in_progress",
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
        &format!("/api/desk/tickets/{id}/status"),
        Some(&admin),
        Some(json!({ "status": "lost" })),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let missing = send(
        &app,
        "POST",
        "/api/desk/tickets/99999/status",
        Some(&admin),
        Some(json!({ "status": "open" })),
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let escalated = json_of(
        &send(
            &app,
            "GET",
            "/api/desk/conversations?view=escalated",
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

#[tokio::test]
async fn tickets_are_assigned_to_a_person_and_carry_their_due_time() {
    tickets_are_assigned_on(app().await).await;
}

#[tokio::test]
async fn tickets_are_assigned_to_a_person_and_carry_their_due_time_on_postgres() {
    if let Some(app) = postgres_app().await {
        tickets_are_assigned_on(app).await;
    }
}

async fn tickets_are_assigned_on(app: TestApp) {
    let admin = sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let created = send(
        &app,
        "POST",
        "/api/desk/users",
        Some(&admin),
        Some(json!({ "email": "cy@store.example", "name": "Cy", "password": "cy's long password", "role": "agent" })),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let cy_id = json_of(&created)["staff"]["id"].as_i64().unwrap();
    let cy = sign_in(&app, "cy@store.example", "cy's long password").await;
    customer_says(&app, None, "This is unacceptable, I want a manager now!").await;
    let tickets = json_of(&send(&app, "GET", "/api/desk/tickets", Some(&cy), None).await);
    let ticket: domain::api::desk::Ticket =
        serde_json::from_value(tickets["tickets"][0].clone()).expect("a ticket");
    assert_eq!(ticket.assigned_to, None);
    // Its due time follows from its priority.
    assert_eq!(
        ticket.due_at() - ticket.created_at,
        chrono::Duration::hours(ticket.priority.sla_hours())
    );
    let assign = |to: Value, who: String| {
        let app = &app;
        async move {
            send(
                app,
                "POST",
                &format!("/api/desk/tickets/{}/assign", ticket.id),
                Some(&who),
                Some(json!({ "staff_id": to })),
            )
            .await
        }
    };
    // An agent takes it; the list says who holds it.
    let taken = assign(json!(cy_id), cy.clone()).await;
    assert_eq!(taken.status, StatusCode::OK, "{}", taken.body);
    assert_eq!(json_of(&taken)["ticket"]["assigned_name"], "Cy");
    let listed = json_of(&send(&app, "GET", "/api/desk/tickets", Some(&cy), None).await);
    assert_eq!(listed["tickets"][0]["assigned_to"], cy_id);
    // An agent cannot give it to someone else; an administrator can, and can take it back.
    let admin_id =
        json_of(&send(&app, "GET", "/api/desk/me", Some(&admin), None).await)["staff"]["id"]
            .as_i64()
            .unwrap();
    assert_eq!(
        assign(json!(admin_id), cy.clone()).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        assign(json!(admin_id), admin.clone()).await.status,
        StatusCode::OK
    );
    // Nobody, an unknown person, a bad body, a missing ticket.
    assert_eq!(assign(Value::Null, cy.clone()).await.status, StatusCode::OK);
    assert_eq!(
        assign(json!(99_999), admin.clone()).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let bad = send(
        &app,
        "POST",
        &format!("/api/desk/tickets/{}/assign", ticket.id),
        Some(&admin),
        Some(json!({ "staff_id": "bob" })),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let missing = send(
        &app,
        "POST",
        "/api/desk/tickets/99999/assign",
        Some(&admin),
        Some(json!({ "staff_id": null })),
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    app.cleanup().await;
}

#[tokio::test]
async fn analytics_show_automation_by_intent_and_every_table_downloads_as_csv() {
    let app = app().await;
    let admin = sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    customer_says(
        &app,
        None,
        "Where is order 1013? My email is lucas.rossi@example.com",
    )
    .await;
    customer_says(&app, None, "This is unacceptable, I want a manager now!").await;
    let figures = json_of(
        &send(
            &app,
            "GET",
            "/api/desk/analytics?days=7",
            Some(&admin),
            None,
        )
        .await,
    );
    let intents = figures["by_intent"].as_array().expect("by_intent");
    let total: u64 = intents
        .iter()
        .map(|i| i["conversations"].as_u64().unwrap())
        .sum();
    assert_eq!(
        total,
        figures["conversations"].as_u64().unwrap(),
        "{figures}"
    );
    let automated: u64 = intents
        .iter()
        .map(|i| i["automated"].as_u64().unwrap())
        .sum();
    assert_eq!(automated, figures["automated"].as_u64().unwrap());
    // Every table the desk offers a link to answers.
    for (table, _) in domain::api::analytics_export::TABLES {
        let csv = send(
            &app,
            "GET",
            &format!("/api/desk/analytics.csv?days=7&table={table}"),
            Some(&admin),
            None,
        )
        .await;
        assert_eq!(csv.status, StatusCode::OK, "{table}: {}", csv.body);
        assert!(
            csv.headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/csv"),
            "{table}"
        );
        assert!(csv.body.contains("\r\n"), "{table}: a header line at least");
    }
    let intents_csv = send(
        &app,
        "GET",
        "/api/desk/analytics.csv?table=intents",
        Some(&admin),
        None,
    )
    .await;
    assert!(
        intents_csv
            .body
            .starts_with("intent,conversations,automated,automation_rate\r\n")
    );
    let bad = send(
        &app,
        "GET",
        "/api/desk/analytics.csv?table=secrets",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let period = send(
        &app,
        "GET",
        "/api/desk/analytics.csv?days=0",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(period.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        send(&app, "GET", "/api/desk/analytics.csv", None, None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    app.cleanup().await;
}

#[tokio::test]
async fn a_message_in_another_language_is_recognised_and_the_desk_shows_which() {
    let app = app().await;
    let admin = sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let (customer, frames) = customer_says(
        &app,
        None,
        "Bonjour, je voudrais savoir où est ma commande, merci beaucoup",
    )
    .await;
    let done = frames
        .iter()
        .find(|f| f["event"] == "done")
        .expect("a reply");
    assert!(
        done["data"]["html"]
            .as_str()
            .unwrap()
            .contains("I can only understand English"),
        "{done}"
    );
    let id = session_of(&customer.unwrap());
    let t = json_of(
        &send(
            &app,
            "GET",
            &format!("/api/desk/conversations/{id}"),
            Some(&admin),
            None,
        )
        .await,
    );
    assert_eq!(t["messages"][0]["language"], "French", "{t}");
    // English stays English, even short.
    let (_, frames) = customer_says(&app, None, "order 1013 pls").await;
    let done = frames
        .iter()
        .find(|f| f["event"] == "done")
        .expect("a reply");
    assert!(!done.to_string().contains("only understand English"));
    app.cleanup().await;
}
