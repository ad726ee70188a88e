//! The Customer Support endpoints: a turn streamed as server-sent events, the conversation for a
//! reload, a fresh conversation, and "Talk to a human".
//!
//! The agent starts answering at once with rules only; the knowledge base and MiniLM load in the
//! background (a second or two, longer on the very first start while the chunks are indexed) and
//! the full agent takes over when ready.

use crate::config::Config;
use crate::llm_registry::LlmRegistry;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use std::convert::Infallible;
use std::sync::{Arc, RwLock};
use support::setup::{KnowledgeSettings, open_knowledge_with};
use support::{SupportAgent, Toolbox, TurnEvent};
use tokio::sync::mpsc;

pub const SUPPORT_SESSION_COOKIE: &str = "support_session";

/// Where the knowledge base stands, for the page and /health/ready.
#[derive(Clone, Debug, serde::Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum KnowledgeState {
    Loading,
    Ready {
        backend: String,
        embedding_model: String,
        chunks: usize,
        indexed_now: usize,
        elapsed_ms: u64,
    },
    Failed {
        reason: String,
    },
}

pub struct SupportService {
    agent: RwLock<Arc<SupportAgent>>,
    knowledge: RwLock<KnowledgeState>,
    kb: RwLock<Option<Arc<kb::KnowledgeBase>>>,
    llm: Option<Arc<support::llm_agent::LlmAgent>>,
    hub: crate::live::Hub,
    mailer: Option<Arc<dyn support::tools::Mailer>>,
}

impl SupportService {
    /// A rules-only agent over `store`, until `load` brings the knowledge base.
    pub fn new(
        store: store::Store,
        llm: &LlmRegistry,
        hub: crate::live::Hub,
        mailer: Option<Arc<dyn support::tools::Mailer>>,
    ) -> SupportService {
        let llm = llm
            .support_provider()
            .map(|p| Arc::new(support::llm_agent::LlmAgent::new(p)));
        SupportService {
            agent: RwLock::new(Arc::new(SupportAgent::new(
                Toolbox::new(store, None).with_mailer(mailer.clone()),
                None,
                llm.clone(),
            ))),
            knowledge: RwLock::new(KnowledgeState::Loading),
            kb: RwLock::new(None),
            llm,
            hub,
            mailer,
        }
    }

    /// The knowledge base once loaded (uploads and re-indexing work on it).
    pub fn knowledge_base(&self) -> Option<Arc<kb::KnowledgeBase>> {
        match self.kb.read() {
            Ok(k) => k.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub fn store(&self) -> store::Store {
        self.agent().toolbox().store.clone()
    }

    pub fn hub(&self) -> &crate::live::Hub {
        &self.hub
    }

    /// Whether one-time codes go out by real mail (otherwise only to the demo inbox).
    pub fn smtp_configured(&self) -> bool {
        self.agent().toolbox().mailer.is_some()
    }

    /// A turn whose progress nobody watches (the REST API, the "Talk to a human" button): only
    /// the stored result matters.
    pub async fn turn_quietly(
        &self,
        session: &str,
        message: &str,
    ) -> Result<support::TurnResult, support::AgentError> {
        self.answer_quietly(session, support::Input::Text(message))
            .await
    }

    /// A message or a press on an action card whose progress nobody watches.
    pub async fn answer_quietly(
        &self,
        session: &str,
        input: support::Input<'_>,
    ) -> Result<support::TurnResult, support::AgentError> {
        let (tx, mut rx) = mpsc::channel(32);
        let drain = tokio::spawn(async move { while rx.recv().await.is_some() {} });
        let result = self.answer(session, input, tx).await;
        let _ = drain.await;
        result
    }

    /// One customer turn; the dashboard hears of it when it is stored.
    pub async fn turn(
        &self,
        session: &str,
        message: &str,
        events: mpsc::Sender<TurnEvent>,
    ) -> Result<support::TurnResult, support::AgentError> {
        self.answer(session, support::Input::Text(message), events)
            .await
    }

    /// A message or a press of Confirm / Cancel on an action card.
    pub async fn answer(
        &self,
        session: &str,
        input: support::Input<'_>,
        events: mpsc::Sender<TurnEvent>,
    ) -> Result<support::TurnResult, support::AgentError> {
        let result = self
            .agent()
            .answer(session, input, events, chrono::Utc::now())
            .await;
        if let Ok(r) = &result {
            self.hub.publish(crate::live::LiveEvent {
                kind: "conversation",
                conversation_id: Some(session.to_owned()),
                data: json!({
                    "user_message_id": r.user_message_id,
                    "reply_message_id": r.reply_message_id,
                    "escalated": r.escalated,
                    "held_by": r.held_by,
                    "classification": r.classification,
                }),
                for_customer: false,
            });
        }
        result
    }

    pub fn agent(&self) -> Arc<SupportAgent> {
        match self.agent.read() {
            Ok(a) => a.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub fn knowledge(&self) -> KnowledgeState {
        match self.knowledge.read() {
            Ok(k) => k.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn set_knowledge(&self, state: KnowledgeState) {
        match self.knowledge.write() {
            Ok(mut k) => *k = state,
            Err(poisoned) => *poisoned.into_inner() = state,
        }
    }

    /// Opens the knowledge base and swaps in the full agent; failures leave the rules-only agent
    /// answering and are reported on the page.
    pub async fn load(&self, settings: KnowledgeSettings) {
        let store = self.store();
        match store.fail_interrupted_documents().await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(
                documents = n,
                "documents whose indexing a restart interrupted are marked failed"
            ),
            Err(e) => tracing::error!(error = %e, "cannot check interrupted documents"),
        }
        let uploaded = match store.uploaded_chunks().await {
            Ok(rows) => rows.into_iter().map(crate::knowledge::chunk_of).collect(),
            Err(e) => {
                tracing::error!(error = %e, "cannot read uploaded documents; only the shipped knowledge is searchable");
                Vec::new()
            }
        };
        match open_knowledge_with(&settings, uploaded).await {
            Ok(knowledge) => {
                let kb = knowledge.kb.clone();
                match self.kb.write() {
                    Ok(mut k) => *k = Some(kb.clone()),
                    Err(poisoned) => *poisoned.into_inner() = Some(kb.clone()),
                }
                let agent = SupportAgent::new(
                    Toolbox::new(self.agent().toolbox().store.clone(), Some(kb.clone()))
                        .with_mailer(self.mailer.clone()),
                    Some(knowledge.semantic),
                    self.llm.clone(),
                );
                match self.agent.write() {
                    Ok(mut a) => *a = Arc::new(agent),
                    Err(poisoned) => *poisoned.into_inner() = Arc::new(agent),
                }
                self.set_knowledge(KnowledgeState::Ready {
                    backend: kb.index().label().to_string(),
                    embedding_model: kb.embedder().model().to_string(),
                    chunks: kb.chunks().len(),
                    indexed_now: kb.last_sync.upserted,
                    elapsed_ms: kb.last_sync.elapsed_ms,
                });
            }
            Err(reason) => {
                tracing::error!(%reason, "knowledge base unavailable; support runs on rules only");
                self.set_knowledge(KnowledgeState::Failed { reason });
            }
        }
    }
}

/// The settings, with OpenAI embeddings when a key or compatible server is configured and
/// answers; otherwise (or when it fails) MiniLM in process, so the page still works offline.
pub async fn knowledge_settings_with_remote(config: &Config) -> KnowledgeSettings {
    let mut settings = knowledge_settings(config);
    if let Some(openai) =
        crate::llm_registry::openai_settings(config, &config.openai_embedding_model)
    {
        match support::setup::OpenAiEmbeddings::connect(&openai).await {
            Ok(remote) => settings.remote_embedder = Some(Arc::new(remote)),
            Err(e) => {
                tracing::warn!(error = %e, model = %config.openai_embedding_model, "OpenAI embeddings unavailable; the knowledge base uses MiniLM")
            }
        }
    }
    settings
}

pub fn knowledge_settings(config: &Config) -> KnowledgeSettings {
    KnowledgeSettings {
        models_dir: config.models_dir.clone(),
        edge_dir: config.kb_dir.clone(),
        qdrant_url: config
            .qdrant_url
            .as_ref()
            .map(|u| u.as_str().trim_end_matches('/').to_owned()),
        qdrant_api_key: config
            .qdrant_api_key
            .as_ref()
            .map(|k| k.expose().to_owned()),
        threads: config.llm_threads,
        remote_embedder: None,
    }
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

fn session_cookie(headers: &HeaderMap) -> Option<String> {
    let cookies = headers.get(header::COOKIE)?.to_str().ok()?;
    cookies.split(';').find_map(|c| {
        let (name, value) = c.trim().split_once('=')?;
        (name == SUPPORT_SESSION_COOKIE && domain::chat::is_session_id(value))
            .then(|| value.to_owned())
    })
}

fn set_cookie(response: &mut Response, session: &str) {
    if let Ok(cookie) = HeaderValue::from_str(&format!(
        "{SUPPORT_SESSION_COOKIE}={session}; Path=/; HttpOnly; SameSite=Lax; Max-Age=2592000"
    )) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
}

use crate::sse::frame as sse;

fn event_frame(event: &TurnEvent) -> Bytes {
    let name = match event {
        TurnEvent::Meta { .. } => "meta",
        TurnEvent::Classification(_) => "classification",
        TurnEvent::ToolStarted { .. } => "tool_start",
        TurnEvent::ToolFinished { .. } => "tool_end",
        TurnEvent::Text { .. } => "token",
        TurnEvent::Citations { .. } => "citations",
        TurnEvent::Suggestions { .. } => "suggestions",
        TurnEvent::Escalated { .. } => "escalated",
        TurnEvent::Held { .. } => "held",
        TurnEvent::Proposal { .. } => "proposal",
    };
    sse(name, &serde_json::to_value(event).unwrap_or_default())
}

#[derive(Deserialize)]
pub struct ChatBody {
    #[serde(default)]
    pub message: String,
    /// A press on an action card instead of a message.
    #[serde(default)]
    pub decision: Option<DecisionBody>,
}

#[derive(Deserialize)]
pub struct DecisionBody {
    pub proposal_id: String,
    pub confirm: bool,
}

/// Proposal ids are "prop_" and 32 hex digits.
fn is_proposal_id(id: &str) -> bool {
    id.strip_prefix("prop_")
        .is_some_and(|hex| hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// `POST /api/support/chat` {message}: one turn, streamed.
pub async fn chat(
    State(service): State<Arc<SupportService>>,
    State(metrics): State<crate::metrics::Metrics>,
    headers: HeaderMap,
    body: Result<Json<ChatBody>, JsonRejection>,
) -> Response {
    let Json(body) = match body {
        Ok(b) => b,
        Err(r) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "That message is far too long to send.",
            );
        }
        Err(r) => {
            return error(
                StatusCode::BAD_REQUEST,
                &format!("The request is not valid: {r}"),
            );
        }
    };
    let decision = match body.decision {
        Some(d) if is_proposal_id(&d.proposal_id) => Some((d.proposal_id, d.confirm)),
        Some(_) => {
            return error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "That action card is not valid; please reload the page.",
            );
        }
        None => None,
    };
    let message = body.message.trim().to_string();
    if message.is_empty() && decision.is_none() {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "Type a message first.");
    }
    if message.chars().count() > support::agent::MAX_MESSAGE_CHARS {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!(
                "Messages are limited to {} characters.",
                support::agent::MAX_MESSAGE_CHARS
            ),
        );
    }
    let (session, new_session) = match session_cookie(&headers) {
        Some(id) => (id, false),
        None => (uuid::Uuid::new_v4().to_string(), true),
    };
    let uses_llm = service.agent().uses_llm();
    let (events_tx, mut events_rx) = mpsc::channel::<TurnEvent>(128);
    let (body_tx, body_rx) = mpsc::channel::<Result<Bytes, Infallible>>(128);
    // The turn runs to the end even if the page goes away: the message, any order or return
    // and the reply are all stored, never half done.
    let turn = {
        let session = session.clone();
        let service = service.clone();
        tokio::spawn(async move {
            let input = match &decision {
                Some((id, confirm)) => support::Input::Press {
                    proposal_id: id,
                    confirm: *confirm,
                },
                None => support::Input::Text(&message),
            };
            service.answer(&session, input, events_tx).await
        })
    };
    tokio::spawn(async move {
        while let Some(event) = events_rx.recv().await {
            // A closed page only stops the forwarding.
            let _ = body_tx.send(Ok(event_frame(&event))).await;
        }
        let outcome = turn.await;
        if let Ok(Ok(result)) = &outcome {
            metrics.support_turn(result, uses_llm);
        }
        let frame = match outcome {
            Ok(Ok(result)) => sse(
                "done",
                &json!({
                    "html": markdown::to_safe_html(&result.reply),
                    "message_id": result.reply_message_id,
                    "elapsed_ms": (result.elapsed_ms * 10.0).round() / 10.0,
                    "escalated": result.escalated,
                    "held_by": result.held_by,
                    "proposal": result.proposal,
                }),
            ),
            Ok(Err(support::AgentError::Invalid(message))) => {
                sse("error", &json!({"message": message}))
            }
            Ok(Err(e)) => {
                tracing::error!(error = %e, "support turn failed");
                sse(
                    "error",
                    &json!({"message": "Your message could not be saved; please try again."}),
                )
            }
            Err(e) => {
                tracing::error!(error = %e, "support turn panicked");
                sse(
                    "error",
                    &json!({"message": "Something went wrong; please try again."}),
                )
            }
        };
        let _ = body_tx.send(Ok(frame)).await;
    });
    let mut response = crate::sse::response(body_rx);
    if new_session {
        set_cookie(&mut response, &session);
    }
    response
}

/// `GET /api/support/conversation`: the session's conversation, to resume after a reload.
pub async fn conversation(
    State(service): State<Arc<SupportService>>,
    headers: HeaderMap,
) -> Response {
    let agent = service.agent();
    let knowledge = service.knowledge();
    let Some(session) = session_cookie(&headers) else {
        return Json(json!({"messages": [], "status": "new", "backend": agent.backend(), "knowledge": knowledge})).into_response();
    };
    let store = &agent.toolbox().store;
    let (info, messages) = match (
        store.conversation(&session).await,
        store.recent_messages(&session, 200).await,
    ) {
        (Ok(info), Ok(messages)) => (info, messages),
        (Err(e), _) | (_, Err(e)) => {
            tracing::error!(error = %e, "support: cannot read the conversation");
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                "The conversation could not be loaded.",
            );
        }
    };
    let messages: Vec<serde_json::Value> = messages
        .iter()
        .filter(|m| m.is_transcript_line())
        .map(message_json)
        .collect();
    let holder = store.conversation_holder(&session).await.ok().flatten();
    let pending = agent
        .toolbox()
        .pending_proposal(&session, chrono::Utc::now())
        .await
        .ok()
        .flatten();
    Json(json!({
        "messages": messages,
        "pending_proposal": pending.map(|p| p.id),
        "held_by": holder.map(|(_, name)| name),
        "status": info.map(|i| i.status).unwrap_or_else(|| "new".into()),
        "backend": agent.backend(),
        "knowledge": knowledge,
    }))
    .into_response()
}

/// `POST /api/support/new`: forget this browser's conversation and start another.
pub async fn new_conversation() -> Response {
    let mut response = Json(json!({"ok": true})).into_response();
    set_cookie(&mut response, &uuid::Uuid::new_v4().to_string());
    response
}

/// `POST /api/support/human`: "Talk to a human" without typing a reason.
pub async fn human(State(service): State<Arc<SupportService>>, headers: HeaderMap) -> Response {
    let Some(session) = session_cookie(&headers) else {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Start the conversation first, so the team can see what it is about.",
        );
    };
    let result = service
        .turn_quietly(&session, "I'd like to talk to a human, please.")
        .await;
    match result {
        Ok(r) => Json(json!({"escalated": r.escalated, "reply": r.reply, "html": markdown::to_safe_html(&r.reply)})).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "support: escalation failed");
            error(StatusCode::SERVICE_UNAVAILABLE, "Could not reach the team right now; please try again.")
        }
    }
}

/// A stored message as the chat and the dashboard show it (Markdown rendered and sanitized).
pub fn message_json(m: &store::chat::StoredMessage) -> serde_json::Value {
    let metadata: serde_json::Value = serde_json::from_str(&m.metadata).unwrap_or_default();
    json!({
        "id": m.id,
        "role": m.role,
        "text": m.content,
        "html": if m.role == "user" { serde_json::Value::Null } else { json!(markdown::to_safe_html(&m.content)) },
        "classification": metadata.get("classification"),
        "tools": metadata.get("tools"),
        "citations": metadata.get("citations"),
        "suggestions": metadata.get("suggestions"),
        "backend": metadata.get("backend"),
        "elapsed_ms": metadata.get("elapsed_ms"),
        "author": metadata.get("author"),
        "proposal": metadata.get("proposal"),
        "created_at": m.created_at,
    })
}

/// `GET /api/support/inbox`: the demo inbox, the mail the store sent (or, with no SMTP server,
/// would have sent) from this browser's conversation: one-time codes.
pub async fn inbox(State(service): State<Arc<SupportService>>, headers: HeaderMap) -> Response {
    let Some(session) = session_cookie(&headers) else {
        return Json(json!({"mails": [], "smtp": service.smtp_configured()})).into_response();
    };
    match service.store().outbox_for_conversation(&session).await {
        Ok(mails) => {
            Json(json!({"mails": mails, "smtp": service.smtp_configured()})).into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "support: cannot read the demo inbox");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "The inbox could not be loaded; please try again.",
            )
        }
    }
}

/// `GET /api/support/events`: this browser's conversation as it happens on the team's side (a
/// person joins, replies, leaves, resolves), as server-sent events.
pub async fn events(State(service): State<Arc<SupportService>>, headers: HeaderMap) -> Response {
    let Some(session) = session_cookie(&headers) else {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Start the conversation first.",
        );
    };
    let holder = service
        .store()
        .conversation_holder(&session)
        .await
        .ok()
        .flatten()
        .map(|(_, name)| name);
    let conversation = session.clone();
    service
        .hub()
        .stream(json!({ "held_by": holder }), move |event| {
            event.for_customer && event.conversation_id.as_deref() == Some(conversation.as_str())
        })
}
