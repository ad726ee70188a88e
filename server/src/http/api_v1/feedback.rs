//! Customer feedback from machine clients: a vote on a reply (or a passage it cited) and a rating
//! of a resolved conversation, as the support page records them.

use super::body::{JsonBody, PathParam, bad_conversation_id, refused};
use super::client::{MessagesWrite, Scoped};
use super::wire::*;
use crate::services::support::SupportService;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use domain::api::feedback::{ConversationRating, FeedbackRecorded, ReplyFeedback};
use domain::api::v1::is_conversation_id;
use std::sync::Arc;
use store::Store;

/// Record the customer's vote on one of the agent's replies, or on one passage it cited
/// (`passage`: a `citations[].id` of that reply). Voting again replaces the vote.
#[utoipa::path(
    post, path = "/api/v1/conversations/{id}/feedback", tag = "conversations",
    params(("id" = String, Path, description = "The conversation id: 8-64 letters, digits, '-' or '_'", pattern = "^[A-Za-z0-9_-]{8,64}$")),
    request_body = ReplyFeedback,
    responses(
        (status = 200, description = "Recorded", body = FeedbackRecorded),
        (status = 400, description = "The body is not JSON of this shape (a missing or unknown field, a wrong type)", body = ErrorBody),
        (status = 401, description = "No, unknown or revoked API key", body = ErrorBody),
        (status = 403, description = "The key lacks the messages:write scope", body = ErrorBody),
        (status = 404, description = "No reply of the agent with that id in this conversation, or it did not cite that passage", body = ErrorBody),
        (status = 413, description = "The body is over 64 KB", body = ErrorBody),
        (status = 415, description = "The body is not sent as application/json", body = ErrorBody),
        (status = 422, description = "A malformed conversation id, or a reason over 500 characters; `field` names it", body = ErrorBody),
        (status = 429, description = "Over the key's rate", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds until the key may call again"))),
        (status = 503, description = "The store cannot be reached; try again", body = ErrorBody),
    ),
    security(("api_key" = ["messages:write"]))
)]
pub async fn reply_feedback(
    State(store): State<Store>,
    State(service): State<Arc<SupportService>>,
    Scoped(_key, _): Scoped<MessagesWrite>,
    PathParam(id): PathParam<String>,
    JsonBody(body): JsonBody<ReplyFeedback>,
) -> Response {
    if !is_conversation_id(&id) {
        return bad_conversation_id();
    }
    if let Err(refusal) = body.check() {
        return refused(refusal);
    }
    match crate::services::feedback::vote(&store, &id, &body, service.keeps_transcripts()).await {
        Ok(()) => Json(FeedbackRecorded { recorded: true }).into_response(),
        Err(e) => e.into_response(),
    }
}

/// Record the customer's 1-5 rating of a resolved conversation, with an optional comment.
/// Rating again replaces it.
#[utoipa::path(
    post, path = "/api/v1/conversations/{id}/rating", tag = "conversations",
    params(("id" = String, Path, description = "The conversation id: 8-64 letters, digits, '-' or '_'", pattern = "^[A-Za-z0-9_-]{8,64}$")),
    request_body = ConversationRating,
    responses(
        (status = 200, description = "Recorded", body = FeedbackRecorded),
        (status = 400, description = "The body is not JSON of this shape (a missing or unknown field, a wrong type)", body = ErrorBody),
        (status = 401, description = "No, unknown or revoked API key", body = ErrorBody),
        (status = 403, description = "The key lacks the messages:write scope", body = ErrorBody),
        (status = 404, description = "No such conversation", body = ErrorBody),
        (status = 409, description = "The conversation is not resolved yet", body = ErrorBody),
        (status = 413, description = "The body is over 64 KB", body = ErrorBody),
        (status = 415, description = "The body is not sent as application/json", body = ErrorBody),
        (status = 422, description = "A malformed conversation id, a rating outside 1-5, or a comment over 1000 characters; `field` names it", body = ErrorBody),
        (status = 429, description = "Over the key's rate", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds until the key may call again"))),
        (status = 503, description = "The store cannot be reached; try again", body = ErrorBody),
    ),
    security(("api_key" = ["messages:write"]))
)]
pub async fn rating(
    State(store): State<Store>,
    State(service): State<Arc<SupportService>>,
    Scoped(_key, _): Scoped<MessagesWrite>,
    PathParam(id): PathParam<String>,
    JsonBody(body): JsonBody<ConversationRating>,
) -> Response {
    if !is_conversation_id(&id) {
        return bad_conversation_id();
    }
    if let Err(refusal) = body.check() {
        return refused(refusal);
    }
    match crate::services::feedback::rate(&store, &id, &body, service.keeps_transcripts()).await {
        Ok(()) => {
            crate::services::feedback::announce_rating(&service, &id, body.rating).await;
            Json(FeedbackRecorded { recorded: true }).into_response()
        }
        Err(e) => e.into_response(),
    }
}
