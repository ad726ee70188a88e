//! The Customer Support endpoints: a turn streamed as server-sent events, the conversation for a
//! reload, a fresh conversation, and "Talk to a human".
//!
//! The agent starts answering at once with rules only; the knowledge base and MiniLM load in the
//! background (a second or two, longer on the very first start while the chunks are indexed) and
//! the full agent takes over when ready.

use crate::http::cookies;
use crate::http::error::error;
use crate::http::visitor::Visitor;
use crate::services::support::SupportService;
use crate::state::ServerState;
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::Event;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::SameSite;
use domain::api::feedback::{ConversationRating, FeedbackRecorded, ReplyFeedback};
use domain::api::support::{
    ChatRequest, ConversationState, HandedOff, Inbox, MessageRole, ProposalCard, ReplyMetadata,
    Started, TranscriptMessage, TurnDone, TurnFailed,
};
use std::sync::Arc;
use support::TurnEvent;
use tokio::sync::mpsc;

pub const SUPPORT_SESSION_COOKIE: &str = "support_session";

fn session_cookie(headers: &HeaderMap) -> Option<String> {
    cookies::read(headers, SUPPORT_SESSION_COOKIE, domain::chat::is_session_id)
}

fn set_cookie(response: &mut Response, session: &str) {
    cookies::set(
        response,
        &cookies::session(
            SUPPORT_SESSION_COOKIE,
            session.to_owned(),
            SameSite::Lax,
            SESSION_MAX_AGE_SECONDS,
            false,
        ),
    );
}

/// A support conversation is resumed for thirty days.
const SESSION_MAX_AGE_SECONDS: i64 = 30 * 86_400;

use crate::http::sse::event as sse;
use domain::api::routes::support_chat;

fn failed(message: &str) -> Event {
    sse(
        "error",
        &TurnFailed {
            message: message.to_owned(),
        },
    )
}

/// The card the page shows for a proposal.
fn proposal_card(p: &support::Proposal) -> ProposalCard {
    ProposalCard {
        id: p.id.clone(),
        action: p.action.clone(),
        title: p.title.clone(),
        details: p.details.clone(),
        order_id: p.order_id,
        expires_at: Some(p.expires_at),
    }
}

fn event_frame(event: &TurnEvent) -> Event {
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
    sse(name, event)
}

/// `POST /api/support/chat` {message}: one turn, streamed.
pub async fn chat(
    State(service): State<Arc<SupportService>>,
    State(metrics): State<crate::services::metrics::Metrics>,
    Visitor(visitor): Visitor,
    headers: HeaderMap,
    body: Result<Json<ChatRequest>, JsonRejection>,
) -> Response {
    let Json(body) = match body {
        Ok(b) => b,
        Err(rejection) => return crate::http::error::unreadable_chat(&rejection),
    };
    let decision = match body.decision {
        Some(d) if domain::api::support::is_proposal_id(&d.proposal_id) => {
            Some((d.proposal_id, d.confirm))
        }
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
    note_visitor(&service, &session, &message, &visitor).await;
    let uses_llm = service.agent().uses_llm();
    let (events_tx, mut events_rx) = mpsc::channel::<TurnEvent>(128);
    let (body_tx, body_rx) = mpsc::channel::<Event>(128);
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
            let _ = body_tx.send(event_frame(&event)).await;
        }
        let outcome = turn.await;
        if let Ok(Ok(result)) = &outcome {
            metrics.support_turn(result, uses_llm);
        }
        let frame = match outcome {
            Ok(Ok(result)) => sse(
                "done",
                &TurnDone {
                    html: markdown::to_safe_html(&result.reply),
                    message_id: result.reply_message_id,
                    elapsed_ms: (result.elapsed_ms * 10.0).round() / 10.0,
                    escalated: result.escalated,
                    held_by: result.held_by.clone(),
                    proposal: result.proposal.as_ref().map(proposal_card),
                },
            ),
            Ok(Err(support::AgentError::Invalid(message))) => failed(&message),
            Ok(Err(e)) => {
                tracing::error!(error = %e, "support turn failed");
                failed("Your message could not be saved; please try again.")
            }
            Err(e) => {
                tracing::error!(error = %e, "support turn panicked");
                failed("Something went wrong; please try again.")
            }
        };
        let _ = body_tx.send(frame).await;
    });
    let mut response = crate::http::sse::response(body_rx, None);
    if new_session {
        set_cookie(&mut response, &session);
    }
    response
}

/// `GET /api/support/conversation`: the session's conversation, to resume after a reload.
pub async fn conversation(
    State(service): State<Arc<SupportService>>,
    State(knowledge): State<Arc<crate::services::knowledge::KnowledgeService>>,
    headers: HeaderMap,
) -> Response {
    let agent = service.agent();
    let knowledge = knowledge.state();
    let Some(session) = session_cookie(&headers) else {
        return Json(ConversationState {
            messages: Vec::new(),
            pending_proposal: None,
            held_by: None,
            status: "new".into(),
            backend: agent.backend(),
            knowledge,
            feedback: Default::default(),
        })
        .into_response();
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
    let messages = messages.iter().filter_map(transcript_message).collect();
    let holder = store.conversation_holder(&session).await.ok().flatten();
    let pending = agent
        .toolbox()
        .pending_proposal(&session, chrono::Utc::now())
        .await
        .ok()
        .flatten();
    let feedback = crate::services::feedback::mine(store, &session)
        .await
        .unwrap_or_default();
    Json(ConversationState {
        messages,
        pending_proposal: pending.map(|p| p.id),
        held_by: holder.map(|(_, name)| name),
        status: info.map(|i| i.status).unwrap_or_else(|| "new".into()),
        backend: agent.backend(),
        knowledge,
        feedback,
    })
    .into_response()
}

/// `POST /api/support/feedback` {message_id, helpful, reason?, passage?}: a vote on a reply of
/// this browser's conversation, or on a passage it cited.
pub async fn feedback(
    State(store): State<store::Store>,
    State(service): State<Arc<SupportService>>,
    headers: HeaderMap,
    body: Result<Json<ReplyFeedback>, JsonRejection>,
) -> Response {
    let Some(session) = session_cookie(&headers) else {
        return error(
            StatusCode::NOT_FOUND,
            "There is no conversation to rate yet.",
        );
    };
    let Ok(Json(body)) = body else {
        return error(
            StatusCode::BAD_REQUEST,
            "Send {\"message_id\": …, \"helpful\": true or false}.",
        );
    };
    match crate::services::feedback::vote(&store, &session, &body, service.keeps_transcripts())
        .await
    {
        Ok(()) => Json(FeedbackRecorded { recorded: true }).into_response(),
        Err(e) => e.into_response(),
    }
}

/// `POST /api/support/rating` {rating, comment?}: this browser's conversation, once resolved.
pub async fn rating(
    State(store): State<store::Store>,
    State(service): State<Arc<SupportService>>,
    headers: HeaderMap,
    body: Result<Json<ConversationRating>, JsonRejection>,
) -> Response {
    let Some(session) = session_cookie(&headers) else {
        return error(
            StatusCode::NOT_FOUND,
            "There is no conversation to rate yet.",
        );
    };
    let Ok(Json(body)) = body else {
        return error(
            StatusCode::BAD_REQUEST,
            "Send {\"rating\": 1 to 5, \"comment\": \"…\"}.",
        );
    };
    match crate::services::feedback::rate(&store, &session, &body, service.keeps_transcripts())
        .await
    {
        Ok(()) => {
            crate::services::feedback::announce_rating(&service, &session, body.rating).await;
            Json(FeedbackRecorded { recorded: true }).into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// `POST /api/support/new`: forget this browser's conversation and start another.
pub async fn new_conversation() -> Response {
    let mut response = Json(Started { ok: true }).into_response();
    set_cookie(&mut response, &uuid::Uuid::new_v4().to_string());
    response
}

/// Remembers which browser the conversation came from, before the turn runs, so a "Try the
/// desk" account of that browser hears about it from its first message. Only a demo depends on
/// it: a failure is logged, and the customer's turn goes on.
async fn note_visitor(service: &SupportService, session: &str, message: &str, visitor: &str) {
    let title = match support::understanding::classify::summarize(message) {
        t if t.is_empty() => "Talk to a person".to_owned(),
        t => t,
    };
    if let Err(e) = service
        .store()
        .note_conversation_visitor(session, &title, visitor)
        .await
    {
        tracing::warn!(error = %e, "support: cannot note the conversation's browser");
    }
}

/// `POST /api/support/human`: "Talk to a human" without typing a reason.
pub async fn human(
    State(service): State<Arc<SupportService>>,
    Visitor(visitor): Visitor,
    headers: HeaderMap,
) -> Response {
    let Some(session) = session_cookie(&headers) else {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Start the conversation first, so the team can see what it is about.",
        );
    };
    note_visitor(&service, &session, "", &visitor).await;
    let result = service
        .turn_quietly(&session, "I'd like to talk to a human, please.")
        .await;
    match result {
        Ok(r) => Json(HandedOff {
            escalated: r.escalated,
            html: markdown::to_safe_html(&r.reply),
            reply: r.reply,
        })
        .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "support: escalation failed");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "Could not reach the team right now; please try again.",
            )
        }
    }
}

/// What a line whose words were removed shows.
pub const NOT_KEPT: &str =
    "(Not kept: this service removes what was said once a conversation ends.)";

/// A stored message as the chat and the desk show it (Markdown rendered and sanitized).
pub fn transcript_message(m: &store::chat::StoredMessage) -> Option<TranscriptMessage> {
    let role = m.role.parse::<MessageRole>().ok()?;
    let metadata: ReplyMetadata = serde_json::from_str(&m.metadata).unwrap_or_else(|e| {
        // The line still shows; only what the agent recorded with it is missing.
        tracing::warn!(error = %e, message_id = m.id, "unreadable message metadata");
        ReplyMetadata::default()
    });
    // Removed when the conversation ended (STORE_TRANSCRIPTS=false): the line says so.
    let text = if metadata.not_kept {
        NOT_KEPT.to_owned()
    } else {
        m.content.clone()
    };
    Some(TranscriptMessage {
        id: m.id,
        role,
        html: (role != MessageRole::User).then(|| markdown::to_safe_html(&text)),
        text,
        classification: metadata.classification,
        language: metadata.language,
        tools: metadata.tools,
        citations: metadata.citations,
        suggestions: metadata.suggestions,
        backend: metadata.backend,
        elapsed_ms: metadata.elapsed_ms,
        author: metadata.author,
        proposal: metadata.proposal,
        created_at: m.created_at,
    })
}

/// `GET /api/support/inbox`: the demo inbox, the mail the store sent (or, with no SMTP server,
/// would have sent) from this browser's conversation: one-time codes.
pub async fn inbox(State(service): State<Arc<SupportService>>, headers: HeaderMap) -> Response {
    let Some(session) = session_cookie(&headers) else {
        return Json(Inbox {
            mails: Vec::new(),
            smtp: service.smtp_configured(),
        })
        .into_response();
    };
    match service.store().outbox_for_conversation(&session).await {
        Ok(mails) => Json(Inbox {
            mails,
            smtp: service.smtp_configured(),
        })
        .into_response(),
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
    let hello = domain::api::desk::CustomerHello { held_by: holder };
    let last_seen = crate::http::live::last_event_id(&headers);
    crate::http::live::stream(service.hub(), &hello, last_seen, move |event| {
        std::future::ready(
            event.for_customer && event.conversation_id.as_deref() == Some(conversation.as_str()),
        )
    })
    .await
}

/// The customer chat: a turn (rate limited), the conversation, a new one, a person, the
/// live stream and the demo inbox.
pub fn router(state: &ServerState) -> Router<ServerState> {
    Router::new()
        .route(
            support_chat::CHAT.template(),
            axum::routing::post(chat)
                .route_layer(axum::middleware::from_fn(
                    crate::http::visitor::ensure_visitor,
                ))
                .route_layer(axum::middleware::from_fn_with_state(
                    state.chat_limit.clone(),
                    crate::http::rate_limit::limit_chat,
                ))
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::http::JSON_BODY_LIMIT,
                )),
        )
        .route(support_chat::CONVERSATION.template(), get(conversation))
        .route(support_chat::NEW.template(), post(new_conversation))
        .route(
            support_chat::HUMAN.template(),
            post(human).route_layer(axum::middleware::from_fn(
                crate::http::visitor::ensure_visitor,
            )),
        )
        .route(support_chat::EVENTS.template(), get(events))
        .route(support_chat::INBOX.template(), get(inbox))
        .route(support_chat::FEEDBACK.template(), post(feedback))
        .route(support_chat::RATING.template(), post(rating))
}
