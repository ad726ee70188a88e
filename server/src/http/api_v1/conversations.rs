//! Conversations: send a customer message, answer an action card, read, escalate, resolve, and
//! list a customer's conversations.

use super::body::{JsonBody, OptionalJsonBody, PathParam, bad_conversation_id, refused};
use super::client::{ConversationsRead, MessagesWrite, Scoped};
use super::wire::*;
use crate::http::error::{ApiError, error};
use crate::services::support::SupportService;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::api::v1::is_conversation_id;
use std::sync::Arc;
use store::Store;

/// Send a customer message; the agent's reply comes back whole.
#[utoipa::path(
    post, path = "/api/v1/messages", tag = "conversations",
    request_body = SendMessage,
    responses(
        (status = 200, description = "The agent's reply (or, when a person holds the conversation, the message is stored for them)", body = AgentReply),
        (status = 400, description = "The body is not JSON of this shape (a missing or unknown field, a wrong type)", body = ErrorBody),
        (status = 401, description = "No, unknown or revoked API key", body = ErrorBody),
        (status = 403, description = "The key lacks the messages:write scope", body = ErrorBody),
        (status = 413, description = "The body is over 64 KB", body = ErrorBody),
        (status = 415, description = "The body is not sent as application/json", body = ErrorBody),
        (status = 422, description = "A value breaks a rule the schema states (a blank or too long message, a malformed id or email); `field` names it", body = ErrorBody),
        (status = 429, description = "Over the key's rate", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds until the key may call again"))),
        (status = 503, description = "The store cannot be reached; try again", body = ErrorBody),
    ),
    security(("api_key" = ["messages:write"]))
)]
pub async fn send_message(
    State(service): State<Arc<SupportService>>,
    Scoped(key, _): Scoped<MessagesWrite>,
    JsonBody(body): JsonBody<SendMessage>,
) -> Response {
    if let Err(refusal) = body.check() {
        return refused(refusal);
    }
    let conversation_id = body
        .conversation_id
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let email = body.customer_email.map(|e| e.to_lowercase());
    let result = service.turn_quietly(&conversation_id, &body.message).await;
    let result = match result {
        Ok(r) => r,
        Err(support::AgentError::Invalid(m)) => return error(StatusCode::UNPROCESSABLE_ENTITY, &m),
        Err(e) => {
            tracing::error!(error = %e, key_id = key.id, "API message failed");
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                "The message could not be stored; try again.",
            );
        }
    };
    if let Some(email) = &email {
        let store = service.store();
        if let Ok(Some(info)) = store.conversation(&conversation_id).await
            && info.customer_email.is_none()
            && let Err(e) = store
                .set_conversation_customer(&conversation_id, email)
                .await
        {
            tracing::warn!(error = %e, "cannot record the customer's email");
        }
    }
    Json(agent_reply(conversation_id, result)).into_response()
}

/// The reply of one turn, as the API documents it.
fn agent_reply(conversation_id: String, result: support::TurnResult) -> AgentReply {
    let proposal = result.proposal.map(|p| ProposalOut {
        id: p.id,
        action: p.action,
        title: p.title,
        details: p.details,
        order_id: p.order_id,
        expires_at: p.expires_at,
    });
    AgentReply {
        proposal,
        conversation_id,
        reply: result.reply,
        held_by: result.held_by,
        escalated: result.escalated,
        classification: ClassificationOut {
            category: result.classification.category,
            priority: result.classification.priority,
            sentiment: result.classification.sentiment,
            escalate: result.classification.escalate,
        },
        tools: result
            .tools
            .into_iter()
            .map(|t| ToolCallOut {
                tool: t.tool,
                ok: t.ok,
                summary: t.summary,
                elapsed_ms: t.elapsed_ms,
            })
            .collect(),
        citations: result
            .citations
            .into_iter()
            .map(|c| CitationOut {
                id: c.id,
                title: c.title,
            })
            .collect(),
        backend: result.backend,
        elapsed_ms: result.elapsed_ms,
    }
}

/// Confirm or decline the action card a reply showed (its `proposal.id`). Only a confirmation of
/// the current proposal carries it out, once; an expired, superseded or already answered one
/// changes nothing and the reply says why.
#[utoipa::path(
    post, path = "/api/v1/conversations/{id}/decision", tag = "conversations",
    params(("id" = String, Path, description = "The conversation id: 8-64 letters, digits, '-' or '_'", pattern = "^[A-Za-z0-9_-]{8,64}$")),
    request_body = DecisionIn,
    responses(
        (status = 200, description = "What happened, in the agent's words (the action's outcome, or why nothing changed)", body = AgentReply),
        (status = 400, description = "The body is not JSON of this shape (a missing or unknown field, a wrong type)", body = ErrorBody),
        (status = 401, description = "No, unknown or revoked API key", body = ErrorBody),
        (status = 403, description = "The key lacks the messages:write scope", body = ErrorBody),
        (status = 404, description = "No such conversation", body = ErrorBody),
        (status = 413, description = "The body is over 64 KB", body = ErrorBody),
        (status = 415, description = "The body is not sent as application/json", body = ErrorBody),
        (status = 422, description = "A malformed conversation or proposal id; `field` names it", body = ErrorBody),
        (status = 429, description = "Over the key's rate", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds until the key may call again"))),
        (status = 503, description = "The store cannot be reached; try again", body = ErrorBody),
    ),
    security(("api_key" = ["messages:write"]))
)]
pub async fn decide(
    State(service): State<Arc<SupportService>>,
    Scoped(key, _): Scoped<MessagesWrite>,
    PathParam(id): PathParam<String>,
    JsonBody(body): JsonBody<DecisionIn>,
) -> Response {
    if !is_conversation_id(&id) {
        return bad_conversation_id();
    }
    if !domain::api::support::is_proposal_id(&body.proposal_id) {
        return ApiError::status(
            StatusCode::UNPROCESSABLE_ENTITY,
            "A proposal id is \"prop_\" and 32 hex digits: the proposal.id of a reply.",
        )
        .on_field("proposal_id")
        .into_response();
    }
    match service.store().conversation(&id).await {
        Ok(Some(_)) => {}
        Ok(None) => return error(StatusCode::NOT_FOUND, "There is no such conversation."),
        Err(e) => {
            tracing::error!(error = %e, "API decision: reading the conversation failed");
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                "The conversation could not be read; try again.",
            );
        }
    }
    let input = support::Input::Press {
        proposal_id: &body.proposal_id,
        confirm: body.confirm,
    };
    match service.answer_quietly(&id, input).await {
        Ok(result) => Json(agent_reply(id, result)).into_response(),
        Err(support::AgentError::Invalid(m)) => error(StatusCode::UNPROCESSABLE_ENTITY, &m),
        Err(e) => {
            tracing::error!(error = %e, key_id = key.id, "API decision failed");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "The decision could not be stored; try again.",
            )
        }
    }
}

/// Read a conversation: its state, every message and its tickets.
#[utoipa::path(
    get, path = "/api/v1/conversations/{id}", tag = "conversations",
    params(("id" = String, Path, description = "The conversation id: 8-64 letters, digits, '-' or '_'", pattern = "^[A-Za-z0-9_-]{8,64}$")),
    responses(
        (status = 200, description = "The conversation", body = Transcript),
        (status = 401, description = "No, unknown or revoked API key", body = ErrorBody),
        (status = 403, description = "The key lacks the conversations:read scope", body = ErrorBody),
        (status = 404, description = "No such conversation", body = ErrorBody),
        (status = 422, description = "A malformed id", body = ErrorBody),
        (status = 429, description = "Over the key's rate", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds until the key may call again"))),
        (status = 503, description = "The store cannot be reached; try again", body = ErrorBody),
    ),
    security(("api_key" = ["conversations:read"]))
)]
pub async fn get_conversation(
    State(store): State<Store>,
    Scoped(_client, _): Scoped<ConversationsRead>,
    PathParam(id): PathParam<String>,
) -> Response {
    if !is_conversation_id(&id) {
        return bad_conversation_id();
    }
    let (summary, messages, tickets) = match (
        store.conversation_summary(&id).await,
        store.recent_messages(&id, 1_000).await,
        store.tickets_for_conversation(&id).await,
    ) {
        (Ok(Some(s)), Ok(m), Ok(t)) => (s, m, t),
        (Ok(None), _, _) => return error(StatusCode::NOT_FOUND, "There is no such conversation."),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
            tracing::error!(error = %e, "API: cannot read a conversation");
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                "The conversation could not be read; try again.",
            );
        }
    };
    Json(Transcript {
        conversation: summary.into(),
        messages: messages
            .iter()
            .filter_map(crate::http::support::transcript_message)
            .map(|m| MessageOut {
                id: m.id,
                author: m.author,
                role: m.role,
                text: m.text,
                created_at: m.created_at,
            })
            .collect(),
        tickets: tickets
            .into_iter()
            .map(|t| TicketOut {
                id: t.id,
                subject: t.subject,
                priority: t.priority,
                status: t.status,
            })
            .collect(),
    })
    .into_response()
}

/// Hand a conversation to a person: a ticket is opened and the team sees it at once.
#[utoipa::path(
    post, path = "/api/v1/conversations/{id}/escalate", tag = "conversations",
    params(("id" = String, Path, description = "The conversation id: 8-64 letters, digits, '-' or '_'", pattern = "^[A-Za-z0-9_-]{8,64}$")),
    request_body(content = Option<EscalateBody>, description = "Optional: send no body at all, or a JSON object"),
    responses(
        (status = 200, description = "Escalated", body = Escalated),
        (status = 400, description = "A body was sent and is not JSON of this shape", body = ErrorBody),
        (status = 401, description = "No, unknown or revoked API key", body = ErrorBody),
        (status = 403, description = "The key lacks the messages:write scope", body = ErrorBody),
        (status = 404, description = "No such conversation", body = ErrorBody),
        (status = 413, description = "The body is over 64 KB", body = ErrorBody),
        (status = 415, description = "A body was sent, not as application/json", body = ErrorBody),
        (status = 422, description = "A malformed id, or a reason over 1000 characters; `field` names it", body = ErrorBody),
        (status = 429, description = "Over the key's rate", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds until the key may call again"))),
        (status = 503, description = "The store cannot be reached; try again", body = ErrorBody),
    ),
    security(("api_key" = ["messages:write"]))
)]
pub async fn escalate(
    State(service): State<Arc<SupportService>>,
    Scoped(_client, _): Scoped<MessagesWrite>,
    PathParam(id): PathParam<String>,
    OptionalJsonBody(body): OptionalJsonBody<EscalateBody>,
) -> Response {
    if !is_conversation_id(&id) {
        return bad_conversation_id();
    }
    if let Err(refusal) = body.check() {
        return refused(refusal);
    }
    match service.store().conversation(&id).await {
        Ok(Some(_)) => {}
        Ok(None) => return error(StatusCode::NOT_FOUND, "There is no such conversation."),
        Err(e) => {
            tracing::error!(error = %e, "API: cannot read a conversation");
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                "The conversation could not be read; try again.",
            );
        }
    }
    let reason = body.reason.as_deref().map(str::trim).unwrap_or_default();
    let text = if reason.is_empty() {
        "I'd like to talk to a human, please.".to_owned()
    } else {
        format!("I'd like to talk to a human, please. {reason}")
    };
    let result = service.turn_quietly(&id, &text).await;
    match result {
        Ok(r) => Json(Escalated {
            conversation_id: id,
            escalated: r.escalated || r.held_by.is_some(),
            reply: r.reply,
        })
        .into_response(),
        Err(support::AgentError::Invalid(m)) => error(StatusCode::UNPROCESSABLE_ENTITY, &m),
        Err(e) => {
            tracing::error!(error = %e, "API: escalation failed");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "The conversation could not be escalated; try again.",
            )
        }
    }
}

/// Resolve a conversation (its tickets are resolved with it).
#[utoipa::path(
    post, path = "/api/v1/conversations/{id}/resolve", tag = "conversations",
    params(("id" = String, Path, description = "The conversation id: 8-64 letters, digits, '-' or '_'", pattern = "^[A-Za-z0-9_-]{8,64}$")),
    responses(
        (status = 200, description = "Resolved", body = ConversationOut),
        (status = 401, description = "No, unknown or revoked API key", body = ErrorBody),
        (status = 403, description = "The key lacks the messages:write scope", body = ErrorBody),
        (status = 404, description = "No such conversation", body = ErrorBody),
        (status = 422, description = "A malformed id", body = ErrorBody),
        (status = 429, description = "Over the key's rate", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds until the key may call again"))),
        (status = 503, description = "The store cannot be reached; try again", body = ErrorBody),
    ),
    security(("api_key" = ["messages:write"]))
)]
pub async fn resolve(
    State(service): State<Arc<SupportService>>,
    Scoped(key, _): Scoped<MessagesWrite>,
    PathParam(id): PathParam<String>,
) -> Response {
    if !is_conversation_id(&id) {
        return bad_conversation_id();
    }
    match crate::http::desk::resolve_conversation(&service, &id, &format!("API key {}", key.name))
        .await
    {
        Ok(summary) => Json(ConversationOut::from(summary)).into_response(),
        Err(r) => *r,
    }
}

/// A customer's conversations, newest first (up to 100).
#[utoipa::path(
    get, path = "/api/v1/customers/{email}/conversations", tag = "conversations",
    params(("email" = String, Path, description = "The customer's email", pattern = "^[A-Za-z0-9._+'-]+@[A-Za-z0-9.-]+$", max_length = 200)),
    responses(
        (status = 200, description = "The conversations", body = ConversationList),
        (status = 401, description = "No, unknown or revoked API key", body = ErrorBody),
        (status = 403, description = "The key lacks the conversations:read scope", body = ErrorBody),
        (status = 422, description = "Not an email address", body = ErrorBody),
        (status = 429, description = "Over the key's rate", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds until the key may call again"))),
        (status = 503, description = "The store cannot be reached; try again", body = ErrorBody),
    ),
    security(("api_key" = ["conversations:read"]))
)]
pub async fn customer_conversations(
    State(store): State<Store>,
    Scoped(_client, _): Scoped<ConversationsRead>,
    PathParam(email): PathParam<String>,
) -> Response {
    if !domain::is_email_address(&email) {
        return crate::http::privacy::not_an_email();
    }
    match store.customer_conversations(&email.to_lowercase()).await {
        Ok(list) => Json(ConversationList {
            conversations: list.into_iter().map(Into::into).collect(),
        })
        .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "API: cannot list conversations");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "The conversations could not be read; try again.",
            )
        }
    }
}
