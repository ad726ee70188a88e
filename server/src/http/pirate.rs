//! `POST /api/pirate/chat`: one reply of the pirate chat, streamed as server-sent events.
//!
//! The user's message is stored before anything else, so it is never lost. Tokens are forwarded
//! as they are generated; when the browser stops reading (Stop, or the tab closed), forwarding
//! fails, the provider's stream is dropped, which stops generation and frees the CPU, and the
//! partial reply is stored marked as stopped.

use crate::http::cookies;
use crate::http::error::error;
use crate::services::llm_registry::LlmRegistry;
use crate::state::ServerState;
use app::state::AppState;
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::response::sse::Event;
use axum_extra::extract::cookie::SameSite;
use domain::api::routes::pirate_api;
use domain::chat::{ChatInput, EMBEDDED_MODEL_NOTE, PIRATE_SESSION_COOKIE, StreamFrame};
use llm::{ChatEvent, ChatMessage, ChatRequest, FinishReason, Role};
use std::sync::Arc;
use tokio::sync::mpsc;

/// Messages of history sent with a new one, and their character budget (prompt processing on
/// the embedded model is the slow part of a reply).
const HISTORY_MESSAGES: i64 = 12;
const HISTORY_CHARS: usize = 3_000;
const MAX_REPLY_TOKENS: u32 = 320;

pub fn sse(frame: &StreamFrame) -> Event {
    let name = match frame {
        StreamFrame::Meta { .. } => "meta",
        StreamFrame::Queued => "queued",
        StreamFrame::Token { .. } => "token",
        StreamFrame::Done { .. } => "done",
        StreamFrame::Error { .. } => "error",
    };
    crate::http::sse::event(name, frame)
}

pub async fn chat(
    State(app): State<AppState>,
    State(llm): State<Arc<LlmRegistry>>,
    State(metrics): State<crate::services::metrics::Metrics>,
    headers: HeaderMap,
    input: Result<Json<ChatInput>, JsonRejection>,
) -> Response {
    let Json(input) = match input {
        Ok(input) => input,
        Err(rejection) => return crate::http::error::unreadable_chat(&rejection),
    };
    let (message, system_prompt, temperature) = match input.validate() {
        Ok(valid) => valid,
        Err(message) => return error(StatusCode::UNPROCESSABLE_ENTITY, &message),
    };
    let cookie = cookies::read(&headers, PIRATE_SESSION_COOKIE, domain::chat::is_session_id);
    let (session, new_session) = match cookie {
        Some(id) => (id, false),
        None => (uuid::Uuid::new_v4().to_string(), true),
    };

    // Stored first: whatever happens next, the message is kept.
    let stored = async {
        app.store
            .ensure_conversation(&session, "pirate", "Pirate chat")
            .await?;
        app.store
            .append_message(&session, "user", &message, "{}")
            .await?;
        let history = app
            .store
            .recent_messages(&session, HISTORY_MESSAGES)
            .await?;
        // The reply's row exists from the start and is filled in at the end: a Clear in between
        // deletes it, and the late update then changes nothing.
        let reply_id = app
            .store
            .append_message(&session, "assistant", "", r#"{"finish":"streaming"}"#)
            .await?;
        Ok::<_, store::StoreError>((history, reply_id))
    }
    .await;
    let (history, reply_id) = match stored {
        Ok(stored) => stored,
        Err(e) => {
            tracing::error!(error = %e, "pirate chat: cannot store the message");
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                "Your message could not be saved; please try again.",
            );
        }
    };

    let provider = llm.chat_provider(input.provider.as_deref());
    let request = ChatRequest::new(
        prompt_messages(&system_prompt, &history),
        temperature,
        MAX_REPLY_TOKENS,
    );
    let mut events = match provider.stream_chat(request) {
        Ok(events) => events,
        Err(e) => {
            // No reply will come: the empty row made for it goes too.
            if let Err(e) = app.store.delete_message(reply_id).await {
                tracing::warn!(error = %e, "pirate chat: cannot remove an empty reply");
            }
            return error(StatusCode::BAD_GATEWAY, &e.to_string());
        }
    };

    let (body_tx, body_rx) = mpsc::channel::<Event>(64);
    let meta = StreamFrame::Meta {
        provider: provider.provider().to_owned(),
        model: provider.model().to_owned(),
        note: (provider.provider() == "embedded").then(|| EMBEDDED_MODEL_NOTE.to_owned()),
    };
    let store = app.store.clone();
    let (mut provider_name, mut model_name) =
        (provider.provider().to_owned(), provider.model().to_owned());
    tokio::spawn(async move {
        let mut reply = String::new();
        let mut client_gone = body_tx.send(sse(&meta)).await.is_err();
        let mut summary = None;
        while !client_gone {
            let Some(event) = events.recv().await else {
                break;
            };
            let frame = match event {
                Ok(ChatEvent::Queued) => StreamFrame::Queued,
                Ok(ChatEvent::Fallback {
                    provider,
                    model,
                    reason,
                }) => {
                    provider_name = provider.clone();
                    model_name = model.clone();
                    StreamFrame::Meta {
                        provider,
                        model,
                        note: Some(format!(
                            "The configured model failed ({reason}); the embedded model answers instead."
                        )),
                    }
                }
                // The pirate offers no tools.
                Ok(ChatEvent::ToolCalls(_)) => continue,
                Ok(ChatEvent::Text(text)) => {
                    reply.push_str(&text);
                    StreamFrame::Token { text }
                }
                Ok(ChatEvent::Done(done)) => {
                    summary = Some(done);
                    break;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "pirate chat: generation failed");
                    let _ = body_tx
                        .send(sse(&StreamFrame::Error {
                            message: e.to_string(),
                        }))
                        .await;
                    break;
                }
            };
            client_gone = body_tx.send(sse(&frame)).await.is_err();
        }
        // Dropping the receiver here is what stops a generation the browser no longer reads.
        drop(events);
        if reply.is_empty() {
            if let Err(e) = store.delete_message(reply_id).await {
                tracing::warn!(error = %e, "pirate chat: cannot remove an empty reply");
            }
            return;
        }
        let finish = summary
            .as_ref()
            .map_or(FinishReason::Cancelled, |s| s.finish)
            .as_str();
        let rate = summary
            .as_ref()
            .map(|s| (s.tokens_per_second() * 10.0).round() / 10.0);
        let metadata = domain::chat::ReplyMetadata {
            provider: provider_name.to_string(),
            model: model_name.to_string(),
            finish: finish.to_owned(),
            completion_tokens: summary.as_ref().map(|s| s.completion_tokens),
            tokens_per_second: rate,
        };
        let metadata = serde_json::to_string(&metadata).unwrap_or_default();
        match store.update_message(reply_id, &reply, &metadata).await {
            Ok(true) => {}
            Ok(false) => {
                tracing::debug!("pirate chat: the conversation was cleared before the reply ended")
            }
            Err(e) => tracing::error!(error = %e, "pirate chat: cannot store the reply"),
        }
        metrics.count(
            "llm_replies_total",
            vec![
                ("provider", provider_name.clone()),
                ("finish", finish.to_owned()),
            ],
            1.0,
        );
        if let Some(s) = &summary {
            metrics.count(
                "llm_tokens_total",
                vec![("provider", provider_name.clone())],
                f64::from(s.completion_tokens),
            );
            metrics.observe(
                "llm_reply_duration_seconds",
                vec![("provider", provider_name.clone())],
                s.total_ms as f64 / 1000.0,
            );
        }
        if let (Some(s), Some(rate)) = (summary, rate) {
            let done = StreamFrame::Done {
                html: markdown::to_safe_html(&reply),
                finish: finish.to_owned(),
                completion_tokens: s.completion_tokens,
                first_token_ms: s.first_token_ms,
                total_ms: s.total_ms,
                tokens_per_second: rate,
            };
            let _ = body_tx.send(sse(&done)).await;
        }
    });

    let mut response = crate::http::sse::response(body_rx, None);
    if new_session {
        // A pirate conversation is resumed for thirty days.
        let cookie = cookies::session(
            PIRATE_SESSION_COOKIE,
            session,
            SameSite::Lax,
            30 * 86_400,
            false,
        );
        cookies::set(&mut response, &cookie);
    }
    response
}

/// The system prompt, then as much recent history as fits the budget (newest kept), oldest first.
/// The history already ends with the message just stored.
fn prompt_messages(
    system_prompt: &str,
    history: &[store::chat::StoredMessage],
) -> Vec<ChatMessage> {
    let mut kept: Vec<ChatMessage> = Vec::new();
    let mut used = 0;
    for stored in history.iter().rev() {
        if stored.content.is_empty() {
            // A reply still being written (another tab).
            continue;
        }
        let role = match stored.role.as_str() {
            "user" => Role::User,
            "assistant" => Role::Assistant,
            _ => continue,
        };
        used += stored.content.len();
        if used > HISTORY_CHARS && !kept.is_empty() {
            break;
        }
        kept.push(ChatMessage::new(role, stored.content.clone()));
    }
    kept.push(ChatMessage::new(Role::System, system_prompt));
    kept.reverse();
    kept
}

/// `POST /api/pirate/chat`, rate limited per client.
pub fn router(state: &ServerState) -> Router<ServerState> {
    Router::new().route(
        pirate_api::CHAT.template(),
        axum::routing::post(chat)
            .route_layer(axum::middleware::from_fn_with_state(
                state.chat_limit.clone(),
                crate::http::rate_limit::limit_chat,
            ))
            .layer(axum::extract::DefaultBodyLimit::max(
                crate::http::JSON_BODY_LIMIT,
            )),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn stored(role: &str, content: &str) -> store::chat::StoredMessage {
        store::chat::StoredMessage {
            id: 0,
            role: role.into(),
            content: content.into(),
            metadata: "{}".into(),
            created_at: Utc::now(),
        }
    }

    #[test]
    fn prompt_starts_with_the_system_prompt_and_keeps_the_newest_history() {
        let long = "x".repeat(HISTORY_CHARS);
        let history = [
            stored("user", &long),
            stored("assistant", "Arr!"),
            stored("user", "Where be the treasure?"),
        ];
        let messages = prompt_messages("Be a pirate.", &history);
        let roles: Vec<Role> = messages.iter().map(|m| m.role).collect();
        assert_eq!(roles, [Role::System, Role::Assistant, Role::User]);
        assert_eq!(messages[2].content, "Where be the treasure?");
    }

    #[test]
    fn one_very_long_message_is_still_sent() {
        let long = "y".repeat(HISTORY_CHARS * 2);
        let messages = prompt_messages("p", &[stored("user", &long)]);
        assert_eq!(messages.len(), 2);
    }

    #[tokio::test]
    async fn frames_are_tagged_server_sent_events() {
        let (tx, rx) = mpsc::channel(1);
        tx.send(sse(&StreamFrame::Token {
            text: "Arr\nmatey".into(),
        }))
        .await
        .unwrap();
        drop(tx);
        let body = axum::body::to_bytes(crate::http::sse::response(rx, None).into_body(), 1024)
            .await
            .unwrap();
        assert_eq!(
            &body[..],
            b"event: token\ndata: {\"type\":\"token\",\"text\":\"Arr\\nmatey\"}\n\n"
        );
    }
}
