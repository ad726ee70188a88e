//! Conversations: send a customer message, answer an action card, read, escalate, resolve, and
//! list a customer's conversations.

use super::client::ApiClient;
use super::wire::*;
use crate::http::error::error;
use crate::services::support::SupportService;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use store::Store;

fn is_conversation_id(id: &str) -> bool {
    (8..=64).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn bad_id() -> Response {
    error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "A conversation id is 8-64 letters, digits, '-' or '_'.",
    )
}

/// Send a customer message; the agent's reply comes back whole.
#[utoipa::path(
    post, path = "/api/v1/messages", tag = "conversations",
    request_body = SendMessage,
    responses(
        (status = 200, description = "The agent's reply (or, when a person holds the conversation, the message is stored for them)", body = AgentReply),
        (status = 400, description = "The body is not valid JSON of this shape", body = ErrorBody),
        (status = 401, description = "No, unknown or revoked API key", body = ErrorBody),
        (status = 422, description = "An empty or too long message, or a malformed id or email", body = ErrorBody),
        (status = 429, description = "Over the key's rate; see Retry-After", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub async fn send_message(
    State(service): State<Arc<SupportService>>,
    ApiClient(key): ApiClient,
    body: Result<Json<SendMessage>, JsonRejection>,
) -> Response {
    let Json(body) = match body {
        Ok(b) => b,
        Err(r) => {
            return error(
                StatusCode::BAD_REQUEST,
                &format!("The request is not valid: {}", r.body_text()),
            );
        }
    };
    let conversation_id = match body.conversation_id {
        Some(id) if !is_conversation_id(&id) => return bad_id(),
        Some(id) => id,
        None => uuid::Uuid::new_v4().to_string(),
    };
    let email = body
        .customer_email
        .map(|e| e.trim().to_lowercase())
        .filter(|e| !e.is_empty());
    if let Some(e) = &email
        && !domain::is_email_address(e)
    {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "customer_email is not an email address.",
        );
    }
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
    params(("id" = String, Path, description = "The conversation id")),
    request_body = DecisionIn,
    responses(
        (status = 200, description = "What happened, in the agent's words (the action's outcome, or why nothing changed)", body = AgentReply),
        (status = 400, description = "The body is not valid JSON of this shape", body = ErrorBody),
        (status = 401, description = "No, unknown or revoked API key", body = ErrorBody),
        (status = 404, description = "No such conversation", body = ErrorBody),
        (status = 422, description = "A malformed conversation or proposal id", body = ErrorBody),
        (status = 429, description = "Over the key's rate; see Retry-After", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub async fn decide(
    State(service): State<Arc<SupportService>>,
    ApiClient(key): ApiClient,
    Path(id): Path<String>,
    body: Result<Json<DecisionIn>, JsonRejection>,
) -> Response {
    if !is_conversation_id(&id) {
        return bad_id();
    }
    let Json(body) = match body {
        Ok(b) => b,
        Err(r) => {
            return error(
                StatusCode::BAD_REQUEST,
                &format!("The request is not valid: {}", r.body_text()),
            );
        }
    };
    if !domain::api::support::is_proposal_id(&body.proposal_id) {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "A proposal id is \"prop_\" and 32 hex digits: the proposal.id of a reply.",
        );
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
    params(("id" = String, Path, description = "The conversation id")),
    responses(
        (status = 200, description = "The conversation", body = Transcript),
        (status = 401, description = "No, unknown or revoked API key", body = ErrorBody),
        (status = 404, description = "No such conversation", body = ErrorBody),
        (status = 422, description = "A malformed id", body = ErrorBody),
        (status = 429, description = "Over the key's rate; see Retry-After", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub async fn get_conversation(
    State(store): State<Store>,
    ApiClient(_client): ApiClient,
    Path(id): Path<String>,
) -> Response {
    if !is_conversation_id(&id) {
        return bad_id();
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
    params(("id" = String, Path, description = "The conversation id")),
    request_body = EscalateBody,
    responses(
        (status = 200, description = "Escalated", body = Escalated),
        (status = 401, description = "No, unknown or revoked API key", body = ErrorBody),
        (status = 404, description = "No such conversation", body = ErrorBody),
        (status = 422, description = "A malformed id or reason", body = ErrorBody),
        (status = 429, description = "Over the key's rate; see Retry-After", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub async fn escalate(
    State(service): State<Arc<SupportService>>,
    ApiClient(_client): ApiClient,
    Path(id): Path<String>,
    body: Option<Json<EscalateBody>>,
) -> Response {
    if !is_conversation_id(&id) {
        return bad_id();
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
    let reason = body
        .and_then(|Json(b)| b.reason)
        .map(|r| r.trim().to_owned())
        .unwrap_or_default();
    if reason.chars().count() > 1_000 {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Keep the reason under 1000 characters.",
        );
    }
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
    params(("id" = String, Path, description = "The conversation id")),
    responses(
        (status = 200, description = "Resolved", body = ConversationOut),
        (status = 401, description = "No, unknown or revoked API key", body = ErrorBody),
        (status = 404, description = "No such conversation", body = ErrorBody),
        (status = 422, description = "A malformed id", body = ErrorBody),
        (status = 429, description = "Over the key's rate; see Retry-After", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub async fn resolve(
    State(service): State<Arc<SupportService>>,
    ApiClient(key): ApiClient,
    Path(id): Path<String>,
) -> Response {
    if !is_conversation_id(&id) {
        return bad_id();
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
    params(("email" = String, Path, description = "The customer's email")),
    responses(
        (status = 200, description = "The conversations", body = ConversationList),
        (status = 401, description = "No, unknown or revoked API key", body = ErrorBody),
        (status = 422, description = "Not an email address", body = ErrorBody),
        (status = 429, description = "Over the key's rate; see Retry-After", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub async fn customer_conversations(
    State(store): State<Store>,
    ApiClient(_client): ApiClient,
    Path(email): Path<String>,
) -> Response {
    if !domain::is_email_address(&email) {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "That is not an email address.",
        );
    }
    match store.customer_conversations(&email).await {
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
