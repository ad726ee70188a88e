//! One support turn from message to stored reply: validate, store the message first, classify,
//! escalate when the rules say so, answer with the offline planner or the LLM agent, and keep
//! the whole transcript (tool calls, results, classification, timings) as memory.

use crate::classify::{self, Classification};
use crate::llm_agent::LlmAgent;
use crate::planner::{self, Planner, PlannerState};
use crate::semantic::Semantic;
use crate::tools::{Citation, Session, ToolOutcome, Toolbox};
use crate::turn::{ToolRunner, TurnEvent};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::mpsc;

pub const MAX_MESSAGE_CHARS: usize = 4_000;
pub const CONVERSATION_KIND: &str = "support";

#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    #[error("{0}")]
    Invalid(String),
    #[error("the conversation could not be saved: {0}")]
    Store(#[from] store::StoreError),
}

/// What a finished turn produced (also what the eval harness checks).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TurnResult {
    pub reply: String,
    pub backend: String,
    pub classification: Classification,
    pub tools: Vec<ToolOutcome>,
    pub citations: Vec<Citation>,
    pub suggestions: Vec<String>,
    pub escalated: bool,
    pub user_message_id: i64,
    /// 0 when nobody replied (a person holds the conversation).
    pub reply_message_id: i64,
    pub elapsed_ms: f64,
    /// Who holds the conversation, when a person does: the agent did not answer.
    #[serde(default)]
    pub held_by: Option<String>,
}

/// Metadata stored with the assistant's reply: enough to rebuild the trace after a reload.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ReplyMetadata {
    pub backend: String,
    pub tools: Vec<ToolOutcome>,
    pub citations: Vec<Citation>,
    pub suggestions: Vec<String>,
    pub planner: Option<PlannerState>,
    pub elapsed_ms: f64,
    /// For the LLM path: the model's own tool-call ids, to replay the transcript.
    #[serde(default)]
    pub call_ids: Vec<String>,
}

#[derive(Clone)]
pub struct SupportAgent {
    toolbox: Toolbox,
    planner: Arc<Planner>,
    semantic: Option<Arc<Semantic>>,
    llm: Option<Arc<LlmAgent>>,
}

impl SupportAgent {
    pub fn new(
        toolbox: Toolbox,
        semantic: Option<Arc<Semantic>>,
        llm: Option<Arc<LlmAgent>>,
    ) -> SupportAgent {
        SupportAgent {
            toolbox,
            planner: Arc::new(Planner::new(semantic.clone())),
            semantic,
            llm,
        }
    }

    pub fn toolbox(&self) -> &Toolbox {
        &self.toolbox
    }

    /// Who answers: the LLM's label, or the planner's.
    pub fn backend(&self) -> String {
        match &self.llm {
            Some(llm) => llm.label(),
            None => self.planner.label().to_string(),
        }
    }

    pub fn uses_llm(&self) -> bool {
        self.llm.is_some()
    }

    /// Runs one turn. Events go to `events` as they happen; the result is also stored.
    pub async fn turn(
        &self,
        conversation_id: &str,
        text: &str,
        events: mpsc::Sender<TurnEvent>,
        now: DateTime<Utc>,
    ) -> Result<TurnResult, AgentError> {
        let started = Instant::now();
        let text = text.trim();
        if text.is_empty() {
            return Err(AgentError::Invalid("Type a message first.".into()));
        }
        if text.chars().count() > MAX_MESSAGE_CHARS {
            return Err(AgentError::Invalid(format!(
                "Messages are limited to {MAX_MESSAGE_CHARS} characters."
            )));
        }
        let store = &self.toolbox.store;
        store
            .ensure_conversation(
                conversation_id,
                CONVERSATION_KIND,
                &classify::summarize(text),
            )
            .await?;
        // Writing again after a resolution reopens the conversation.
        store.reopen_if_closed(conversation_id).await?;
        let info = store.conversation(conversation_id).await?;
        let mut session = Session {
            conversation_id: conversation_id.to_string(),
            verified_email: info.as_ref().and_then(|c| c.customer_email.clone()),
            customer_name: None,
        };
        let mut state = self.planner_state(conversation_id).await?;

        // The message is stored before anything else can fail.
        let classification = match &self.llm {
            Some(llm) => match llm.classify(text).await {
                Some(c) => c,
                None => classify::classify(text, self.semantic.as_deref()).await,
            },
            None => classify::classify(text, self.semantic.as_deref()).await,
        };
        let user_message_id = store
            .append_message(
                conversation_id,
                "user",
                text,
                &json!({"classification": classification}).to_string(),
            )
            .await?;
        let _ = events
            .send(TurnEvent::Meta {
                backend: self.backend(),
                model: match &self.llm {
                    Some(llm) => llm.model().to_string(),
                    None => kb_model(&self.semantic),
                },
            })
            .await;
        let _ = events
            .send(TurnEvent::Classification(classification.clone()))
            .await;
        if let Some((_, name)) = store.conversation_holder(conversation_id).await? {
            let _ = events.send(TurnEvent::Held { name: name.clone() }).await;
            return Ok(TurnResult {
                reply: String::new(),
                backend: format!("{name} (our team)"),
                classification,
                tools: Vec::new(),
                citations: Vec::new(),
                suggestions: Vec::new(),
                escalated: false,
                user_message_id,
                reply_message_id: 0,
                elapsed_ms: started.elapsed().as_secs_f64() * 1000.0,
                held_by: Some(name),
            });
        }

        let mut runner = ToolRunner::new(&self.toolbox, &mut session, now, &events)
            .with_id_prefix(format!("call_m{user_message_id}"));
        // The LLM path streams its own text; the planner's reply is sent whole below.
        let mut streamed = false;
        let (reply, suggestions, call_ids) = if classification.escalate {
            let reason = classification
                .escalation_reason
                .clone()
                .unwrap_or_else(|| "flagged for a person".into());
            let r = planner::escalate_with(
                &mut runner,
                &state,
                text,
                &reason,
                &classification.priority,
            )
            .await;
            state.pending = None;
            (r.text, r.suggestions, Vec::new())
        } else {
            match &self.llm {
                Some(llm) => {
                    let history = store.recent_messages(conversation_id, 60).await?;
                    match llm.respond(&history, user_message_id, &mut runner).await {
                        Ok((text, ids)) => {
                            streamed = true;
                            (text, vec!["Talk to a human".to_string()], ids)
                        }
                        Err(e) => {
                            // The model is unreachable: this turn is answered offline instead.
                            tracing::warn!(error = %e, "LLM agent failed; the offline planner answers");
                            runner
                                .emit(TurnEvent::Meta {
                                    backend: format!(
                                        "{} (the LLM failed: {e})",
                                        self.planner.label()
                                    ),
                                    model: kb_model(&self.semantic),
                                })
                                .await;
                            let r = self.planner.respond(text, &mut state, &mut runner).await;
                            (r.text, r.suggestions, Vec::new())
                        }
                    }
                }
                None => {
                    let r = self.planner.respond(text, &mut state, &mut runner).await;
                    (r.text, r.suggestions, Vec::new())
                }
            }
        };
        let citations = runner.citations();
        let outcomes: Vec<ToolOutcome> = runner.outcomes.iter().map(|(_, o)| o.clone()).collect();
        let call_ids = if call_ids.is_empty() {
            runner.outcomes.iter().map(|(id, _)| id.clone()).collect()
        } else {
            call_ids
        };
        drop(runner);

        let escalated = outcomes
            .iter()
            .any(|o| o.tool == "escalate_to_human" && o.ok);
        if !streamed {
            let _ = events
                .send(TurnEvent::Text {
                    text: reply.clone(),
                })
                .await;
        }
        if !citations.is_empty() {
            let _ = events
                .send(TurnEvent::Citations {
                    citations: citations.clone(),
                })
                .await;
        }
        if !suggestions.is_empty() {
            let _ = events
                .send(TurnEvent::Suggestions {
                    suggestions: suggestions.clone(),
                })
                .await;
        }
        if escalated {
            let ticket_id = outcomes
                .iter()
                .find(|o| o.tool == "escalate_to_human" && o.ok)
                .and_then(|o| o.result.get("ticket_id"))
                .and_then(serde_json::Value::as_i64);
            let _ = events.send(TurnEvent::Escalated { ticket_id }).await;
        }

        if let Some(email) = &session.verified_email
            && info.as_ref().and_then(|c| c.customer_email.as_ref()) != Some(email)
        {
            store
                .set_conversation_customer(conversation_id, email)
                .await?;
        }
        let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
        let metadata = ReplyMetadata {
            backend: self.backend(),
            tools: outcomes.clone(),
            citations: citations.clone(),
            suggestions: suggestions.clone(),
            planner: Some(state),
            elapsed_ms,
            call_ids,
        };
        let reply_message_id = store
            .append_message(
                conversation_id,
                "assistant",
                &reply,
                &serde_json::to_string(&metadata).unwrap_or_else(|_| "{}".into()),
            )
            .await?;
        Ok(TurnResult {
            reply,
            backend: self.backend(),
            classification,
            tools: outcomes,
            citations,
            suggestions,
            escalated,
            user_message_id,
            reply_message_id,
            elapsed_ms,
            held_by: None,
        })
    }

    /// The planner's slots and pending question, from the last reply of the conversation.
    async fn planner_state(&self, conversation_id: &str) -> Result<PlannerState, AgentError> {
        let recent = self
            .toolbox
            .store
            .recent_messages(conversation_id, 20)
            .await?;
        Ok(recent
            .iter()
            .rev()
            .find(|m| m.role == "assistant")
            .and_then(|m| serde_json::from_str::<ReplyMetadata>(&m.metadata).ok())
            .and_then(|m| m.planner)
            .unwrap_or_default())
    }
}

fn kb_model(semantic: &Option<Arc<Semantic>>) -> String {
    match semantic {
        Some(s) => s.embedder().model().to_string(),
        None => "rules".into(),
    }
}
