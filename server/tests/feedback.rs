//! Customer feedback: votes on replies and cited passages, a rating once resolved, from the
//! support page and the REST API, and the figures the desk's analytics make of them.
// A test stops at a failed step: unwrap and expect are what it means here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::staff::*;
use common::*;
use serde_json::json;

#[tokio::test]
async fn votes_and_a_rating_reach_the_desk_analytics() {
    let app = app().await;
    let admin = sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let (_, key) = new_key(&app, &admin, 1000).await;
    let sent = api(
        &app,
        "POST",
        "/api/v1/messages",
        &key,
        Some(json!({ "message": "Where is order 1013? My email is lucas.rossi@example.com" })),
    )
    .await;
    let id = json_of(&sent)["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let transcript = json_of(
        &api(
            &app,
            "GET",
            &format!("/api/v1/conversations/{id}"),
            &key,
            None,
        )
        .await,
    );
    let messages = transcript["messages"].as_array().unwrap();
    let reply = messages.iter().find(|m| m["role"] == "assistant").unwrap()["id"]
        .as_i64()
        .unwrap();
    let question = messages.iter().find(|m| m["role"] == "user").unwrap()["id"]
        .as_i64()
        .unwrap();
    let feedback = format!("/api/v1/conversations/{id}/feedback");
    let rating = format!("/api/v1/conversations/{id}/rating");

    // A vote on the reply, with a reason; a vote on the customer's own line is refused.
    let voted = api(&app, "POST", &feedback, &key, Some(json!({ "message_id": reply, "helpful": false, "reason": "It did not give a delivery date" }))).await;
    assert_eq!(voted.status, StatusCode::OK, "{}", voted.body);
    let wrong = api(
        &app,
        "POST",
        &feedback,
        &key,
        Some(json!({ "message_id": question, "helpful": true })),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
    let no_passage = api(
        &app,
        "POST",
        &feedback,
        &key,
        Some(json!({ "message_id": reply, "helpful": true, "passage": "returns-9" })),
    )
    .await;
    assert_eq!(
        no_passage.status,
        StatusCode::NOT_FOUND,
        "{}",
        no_passage.body
    );
    // Ratings wait for the resolution; then 1-5 with a comment.
    let early = api(&app, "POST", &rating, &key, Some(json!({ "rating": 2 }))).await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.body);
    assert_eq!(
        api(
            &app,
            "POST",
            &format!("/api/v1/conversations/{id}/resolve"),
            &key,
            None
        )
        .await
        .status,
        StatusCode::OK
    );
    let zero = api(&app, "POST", &rating, &key, Some(json!({ "rating": 0 }))).await;
    assert_eq!(zero.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json_of(&zero)["error"]["field"], "rating");
    let rated = api(
        &app,
        "POST",
        &rating,
        &key,
        Some(json!({ "rating": 2, "comment": "Slow and vague" })),
    )
    .await;
    assert_eq!(rated.status, StatusCode::OK, "{}", rated.body);

    let figures = json_of(
        &send(
            &app,
            "GET",
            "/api/desk/analytics?days=1",
            Some(&admin),
            None,
        )
        .await,
    );
    let f = &figures["feedback"];
    assert_eq!(f["ratings"], 1);
    assert_eq!(f["csat"], 0.0);
    assert_eq!(f["average_rating"], 2.0);
    assert_eq!(
        (f["thumbs_up"].as_u64(), f["thumbs_down"].as_u64()),
        (Some(0), Some(1))
    );
    assert_eq!(f["down_by_intent"][0]["label"], "orders", "{f}");
    assert_eq!(f["low_rated"][0]["conversation_id"], id.as_str());
    assert_eq!(f["low_rated"][0]["comment"], "Slow and vague");
    app.cleanup().await;
}

#[tokio::test]
async fn the_support_page_votes_on_its_own_conversation_only() {
    // The knowledge base answers (and cites) the policy question.
    let app = TestApp::builder().knowledge().build().await.expect("app");
    // A customer's turn on the support page: the session cookie names the conversation.
    let turn = app
        .request(
            Request::post("/api/support/chat")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(
                    json!({ "message": "What is your return window for headphones?" }).to_string(),
                ))
                .unwrap(),
        )
        .await;
    let cookie = turn.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let state = json_of(
        &send(
            &app,
            "GET",
            "/api/support/conversation",
            Some(&cookie),
            None,
        )
        .await,
    );
    let reply = state["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["role"] == "assistant")
        .unwrap()
        .clone();
    let reply_id = reply["id"].as_i64().unwrap();
    let passage = reply["citations"][0]["id"].as_str().unwrap().to_owned();
    let vote = |body: serde_json::Value, cookie: Option<String>| {
        let app = &app;
        async move {
            send(
                app,
                "POST",
                "/api/support/feedback",
                cookie.as_deref(),
                Some(body),
            )
            .await
        }
    };
    assert_eq!(
        vote(
            json!({ "message_id": reply_id, "helpful": true }),
            Some(cookie.clone())
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(
        vote(
            json!({ "message_id": reply_id, "helpful": false, "passage": passage }),
            Some(cookie.clone())
        )
        .await
        .status,
        StatusCode::OK
    );
    // Another browser (no such conversation for it) cannot vote on this reply.
    let stranger = vote(
        json!({ "message_id": reply_id, "helpful": false }),
        Some("support_session=0d6c3c3e-3b1e-4a0f-9a57-5d0c1b8e2f11".into()),
    )
    .await;
    assert_eq!(stranger.status, StatusCode::NOT_FOUND, "{}", stranger.body);
    // After a reload the page gets its marks back.
    let state = json_of(
        &send(
            &app,
            "GET",
            "/api/support/conversation",
            Some(&cookie),
            None,
        )
        .await,
    );
    let votes = state["feedback"]["votes"].as_array().unwrap();
    assert_eq!(votes.len(), 2, "{votes:?}");
    assert!(
        votes
            .iter()
            .any(|v| v["passage"] == passage.as_str() && v["helpful"] == false)
    );
    app.cleanup().await;
}
