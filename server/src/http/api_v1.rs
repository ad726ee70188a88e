//! REST API v1 for machine clients: send a customer message and get the agent's reply, read a
//! conversation, escalate, resolve, list a customer's conversations, upload a knowledge-base
//! document. Every call needs an API key (created on the support desk, stored hashed) and is
//! limited per key (429 with Retry-After). The OpenAPI document is generated from these
//! handlers (utoipa) and served with Swagger UI, offline.

use crate::ServerState;
use crate::http::error::error;
use crate::http::rate_limit::RateLimiter;
use crate::services::knowledge::KnowledgeService;
use crate::services::staff::token_hash;
use crate::services::support::SupportService;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRef, FromRequestParts, Multipart, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use store::Store;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

/// A key's rate and its bucket.
type KeyBucket = (i64, Arc<RateLimiter>);

/// Per-key token buckets; each key has its own rate.
#[derive(Clone, Default)]
pub struct KeyLimits(Arc<Mutex<HashMap<i64, KeyBucket>>>);

impl KeyLimits {
    fn check(&self, key: &store::staff::ApiKey) -> Result<(), std::time::Duration> {
        let limiter = {
            let Ok(mut limits) = self.0.lock() else {
                return Ok(());
            };
            let entry = limits.entry(key.id).or_insert_with(|| {
                (
                    key.rate_per_minute,
                    Arc::new(RateLimiter::per_minute(key.rate_per_minute as u32)),
                )
            });
            if entry.0 != key.rate_per_minute {
                *entry = (
                    key.rate_per_minute,
                    Arc::new(RateLimiter::per_minute(key.rate_per_minute as u32)),
                );
            }
            entry.1.clone()
        };
        limiter.check("key", Instant::now())
    }
}

/// A request made with a valid, unrevoked API key, within its rate.
pub struct ApiClient(pub store::staff::ApiKey);

fn presented_key(parts: &Parts) -> Option<String> {
    let bearer = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let header_key = parts
        .headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    bearer
        .or(header_key)
        .filter(|k| !k.is_empty() && k.len() < 200)
        .map(str::to_owned)
}

/// Needs only the store and the per-key limits, whatever the state around them.
impl<S> FromRequestParts<S> for ApiClient
where
    S: Send + Sync,
    Store: FromRef<S>,
    KeyLimits: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let store = Store::from_ref(state);
        let key_limits = KeyLimits::from_ref(state);
        let Some(secret) = presented_key(parts) else {
            return Err(error(
                StatusCode::UNAUTHORIZED,
                "Send your API key as 'Authorization: Bearer <key>' or 'X-API-Key: <key>'.",
            ));
        };
        let key = match store.api_key_by_hash(&token_hash(&secret)).await {
            Ok(Some(key)) if key.revoked_at.is_none() => key,
            Ok(Some(_)) => {
                return Err(error(
                    StatusCode::UNAUTHORIZED,
                    "This API key has been revoked.",
                ));
            }
            Ok(None) => {
                return Err(error(
                    StatusCode::UNAUTHORIZED,
                    "This API key is not valid.",
                ));
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot check an API key");
                return Err(error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "The API is unavailable right now; try again shortly.",
                ));
            }
        };
        if let Err(wait) = key_limits.check(&key) {
            let seconds = wait.as_secs().max(1);
            tracing::info!(
                key_id = key.id,
                retry_after = seconds,
                "API key rate limit reached"
            );
            let mut response = error(
                StatusCode::TOO_MANY_REQUESTS,
                &format!(
                    "This key is limited to {} requests a minute; retry in {seconds} s.",
                    key.rate_per_minute
                ),
            );
            if let Ok(v) = HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return Err(response);
        }
        let id = key.id;
        tokio::spawn(async move {
            if let Err(e) = store.touch_api_key(id).await {
                tracing::debug!(error = %e, "cannot record an API key's use");
            }
        });
        Ok(ApiClient(key))
    }
}

pub use domain::api::ErrorBody;

#[derive(Deserialize, ToSchema)]
pub struct SendMessage {
    /// The conversation to continue; omit it to start a new one (its id comes back).
    #[schema(example = "0d6c3c3e-3b1e-4a0f-9a57-5d0c1b8e2f11")]
    pub conversation_id: Option<String>,
    /// The customer's email, recorded on a new conversation so it can be listed later.
    #[schema(example = "lucas.rossi@example.com")]
    pub customer_email: Option<String>,
    /// The customer's message (1-4000 characters).
    #[schema(example = "Where is order 1013? My email is lucas.rossi@example.com")]
    pub message: String,
}

/// The customer's answer to an action card: carry the proposed action out, or drop it.
#[derive(Deserialize, ToSchema)]
pub struct DecisionIn {
    /// The `proposal.id` a reply returned.
    #[schema(example = "6f1d2a4e-0b7c-4c1e-9e55-2a7b1f0c9d31")]
    pub proposal_id: String,
    /// true carries the action out; false drops it and changes nothing.
    pub confirm: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ClassificationOut {
    pub category: String,
    pub priority: String,
    pub sentiment: String,
    pub escalate: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ToolCallOut {
    pub tool: String,
    pub ok: bool,
    pub summary: String,
    pub elapsed_ms: f64,
}

#[derive(Serialize, ToSchema)]
pub struct CitationOut {
    pub id: String,
    pub title: String,
}

/// An irreversible action the agent proposed (cancel, change, return, place an order). Nothing
/// has happened yet: answer it at `POST /api/v1/conversations/{id}/decision`, or send "yes" (or
/// "no") as the very next message.
#[derive(Serialize, ToSchema)]
pub struct ProposalOut {
    pub id: String,
    /// The tool that carries it out, e.g. cancel_order.
    pub action: String,
    pub title: String,
    /// What will happen, one line each (lines, amounts, refund, address).
    pub details: Vec<String>,
    pub order_id: Option<i64>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct AgentReply {
    pub conversation_id: String,
    /// The agent's reply in Markdown; empty when a person holds the conversation.
    pub reply: String,
    /// The person handling the conversation, when one is: the agent did not answer.
    pub held_by: Option<String>,
    pub escalated: bool,
    pub classification: ClassificationOut,
    pub tools: Vec<ToolCallOut>,
    pub citations: Vec<CitationOut>,
    /// Who answered (the offline planner, or the LLM's provider and model).
    pub backend: String,
    pub elapsed_ms: f64,
    /// An action waiting for the customer's confirmation, when this reply proposed one.
    pub proposal: Option<ProposalOut>,
}

#[derive(Serialize, ToSchema)]
pub struct ConversationOut {
    pub id: String,
    pub title: String,
    /// open, escalated or closed.
    pub status: String,
    pub customer_email: Option<String>,
    /// The person holding the conversation, if any.
    pub assigned_name: Option<String>,
    pub message_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<store::operations::ConversationSummary> for ConversationOut {
    fn from(s: store::operations::ConversationSummary) -> Self {
        ConversationOut {
            id: s.id,
            title: s.title,
            status: s.status.to_string(),
            customer_email: s.customer_email,
            assigned_name: s.assigned_name,
            message_count: s.message_count,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MessageOut {
    pub id: i64,
    /// user (the customer), assistant (the agent) or agent (a person of the team).
    pub role: String,
    pub text: String,
    /// The person's name, for role "agent".
    pub author: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct TicketOut {
    pub id: i64,
    pub subject: String,
    pub priority: String,
    pub status: String,
}

#[derive(Serialize, ToSchema)]
pub struct Transcript {
    pub conversation: ConversationOut,
    pub messages: Vec<MessageOut>,
    pub tickets: Vec<TicketOut>,
}

#[derive(Serialize, ToSchema)]
pub struct ConversationList {
    pub conversations: Vec<ConversationOut>,
}

#[derive(Deserialize, ToSchema)]
pub struct EscalateBody {
    /// Why a person is needed (passed to the team).
    pub reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Escalated {
    pub conversation_id: String,
    pub escalated: bool,
    /// What the customer is told.
    pub reply: String,
}

#[derive(Serialize, ToSchema)]
pub struct DocumentOut {
    pub id: i64,
    pub title: String,
    pub filename: String,
    pub media_type: String,
    pub bytes: i64,
    /// indexing, ready or failed.
    pub status: String,
    pub chunks: i64,
    pub error: Option<String>,
}

impl From<store::operations::Document> for DocumentOut {
    fn from(d: store::operations::Document) -> Self {
        DocumentOut {
            id: d.id,
            title: d.title,
            filename: d.filename,
            media_type: d.media_type,
            bytes: d.bytes,
            status: d.status.to_string(),
            chunks: d.chunks,
            error: d.error,
        }
    }
}

/// The multipart form of an upload.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// Markdown, text, HTML, PDF or DOCX, up to 10 MB; the type is checked by content.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    title: Option<String>,
    /// customer (default) or agent.
    audience: Option<String>,
    /// policy (default), troubleshooting, setup, sop, macro or tool_contract.
    doc_type: Option<String>,
    category: Option<String>,
}

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
    if !is_conversation_id(&body.proposal_id) {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "A proposal id is 8-64 letters, digits, '-' or '_' (the proposal.id of a reply).",
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
            .into_iter()
            .filter(|m| m.is_transcript_line())
            .map(|m| {
                let meta: serde_json::Value = serde_json::from_str(&m.metadata).unwrap_or_default();
                MessageOut {
                    id: m.id,
                    author: meta["author"].as_str().map(str::to_owned),
                    role: m.role,
                    text: m.content,
                    created_at: m.created_at,
                }
            })
            .collect(),
        tickets: tickets
            .into_iter()
            .map(|t| TicketOut {
                id: t.id,
                subject: t.subject,
                priority: t.priority.to_string(),
                status: t.status.to_string(),
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

/// Upload a knowledge-base document; answers when it is indexed and searchable.
#[utoipa::path(
    post, path = "/api/v1/kb/documents", tag = "knowledge base",
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Indexed and searchable (or failed: see status and error)", body = DocumentOut),
        (status = 401, description = "No, unknown or revoked API key", body = ErrorBody),
        (status = 413, description = "Over 10 MB", body = ErrorBody),
        (status = 422, description = "No file, an unsupported or mislabelled type, or no text", body = ErrorBody),
        (status = 429, description = "Over the key's rate; see Retry-After", body = ErrorBody),
        (status = 503, description = "The knowledge base is still loading", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub async fn upload_document(
    State(service): State<Arc<SupportService>>,
    State(knowledge): State<Arc<KnowledgeService>>,
    ApiClient(key): ApiClient,
    form: Multipart,
) -> Response {
    let upload = match crate::http::knowledge::read_upload(form).await {
        Ok(u) => u,
        Err(r) => return *r,
    };
    let accepted = match knowledge
        .accept(upload, &format!("API key {}", key.name))
        .await
    {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    let id = accepted.document.id;
    let _ = accepted.indexing.await;
    match service.store().document(id).await {
        Ok(Some(d)) => (StatusCode::CREATED, Json(DocumentOut::from(d))).into_response(),
        _ => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "The document's state could not be read.",
        ),
    }
}

struct ApiKeyScheme;

impl Modify for ApiKeyScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("aip_…")
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "AI Portfolio support API",
        version = "1.0.0",
        description = "The electronics store's support agent for machine clients. Create a key on the support desk (Team & API keys) and send it as a Bearer token. Each key has its own rate limit; over it the API answers 429 with Retry-After."
    ),
    paths(send_message, decide, get_conversation, escalate, resolve, customer_conversations, upload_document),
    modifiers(&ApiKeyScheme),
    tags(
        (name = "conversations", description = "Customer messages, transcripts, escalation and resolution"),
        (name = "knowledge base", description = "Documents the agent searches")
    )
)]
pub struct ApiDoc;

/// The v1 routes (the OpenAPI document and Swagger UI are merged beside them), with CORS for browsers on other origins
/// (keys are sent as headers, never cookies, so no credentials are allowed).
pub fn router() -> Router<ServerState> {
    let cors = tower_http::cors::CorsLayer::new()
        .allow_origin(tower_http::cors::Any)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            axum::http::HeaderName::from_static("x-api-key"),
        ])
        .expose_headers([header::RETRY_AFTER])
        .max_age(std::time::Duration::from_secs(3_600));
    Router::new()
        .route("/messages", post(send_message))
        .route("/conversations/{id}", get(get_conversation))
        .route("/conversations/{id}/decision", post(decide))
        .route("/conversations/{id}/escalate", post(escalate))
        .route("/conversations/{id}/resolve", post(resolve))
        .route(
            "/customers/{email}/conversations",
            get(customer_conversations),
        )
        .route(
            "/kb/documents",
            post(upload_document).layer(axum::extract::DefaultBodyLimit::max(
                crate::http::knowledge::UPLOAD_BODY_LIMIT,
            )),
        )
        .layer(axum::extract::DefaultBodyLimit::max(
            crate::http::JSON_BODY_LIMIT,
        ))
        .layer(cors)
}

/// Swagger UI at /api/v1/docs over the document at /api/v1/openapi.json (files from the
/// vendored crate: nothing is fetched from the network).
pub fn docs() -> utoipa_swagger_ui::SwaggerUi {
    utoipa_swagger_ui::SwaggerUi::new("/api/v1/docs").url("/api/v1/openapi.json", ApiDoc::openapi())
}
