//! One support turn from message to stored reply: validate, store the message first, classify,
//! escalate when the rules say so, answer with the offline planner or the LLM agent, and keep
//! the whole transcript (tool calls, results, classification, timings) as memory.

use crate::actions;
use crate::llm_agent::LlmAgent;
use crate::planner::{self, Planner, PlannerState};
use crate::tools::{Citation, Confirmation, Proposal, Session, ToolOutcome, Toolbox};
use crate::turn::{ToolRunner, TurnEvent};
use crate::understanding::classify::{self, Classification};
use crate::understanding::language;
use crate::understanding::reading;
use crate::understanding::semantic::Semantic;
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
    /// The action this turn proposed, waiting for the customer's Confirm.
    #[serde(default)]
    pub proposal: Option<Proposal>,
    /// Who actually answered this turn (the planner when an LLM failed, say).
    #[serde(default)]
    pub answered_by: String,
    /// What of this turn the configured LLM failed to do ("classification", "reply"), so that
    /// rules or the offline planner stood in; empty when it did everything asked of it.
    #[serde(default)]
    pub fell_back: Vec<String>,
}

/// What the customer sent: a message, or a press of Confirm or Cancel on an action card.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input<'a> {
    Text(&'a str),
    Press { proposal_id: &'a str, confirm: bool },
}

pub use crate::transcript::ReplyMetadata;

#[derive(Clone)]
pub struct SupportAgent {
    pub(crate) toolbox: Toolbox,
    pub(crate) planner: Arc<Planner>,
    pub(crate) semantic: Option<Arc<Semantic>>,
    pub(crate) llm: Option<Arc<LlmAgent>>,
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
        self.answer(conversation_id, Input::Text(text), events, now)
            .await
    }

    /// A message or a press of Confirm / Cancel, whichever the customer sent.
    pub async fn answer(
        &self,
        conversation_id: &str,
        input: Input<'_>,
        events: mpsc::Sender<TurnEvent>,
        now: DateTime<Utc>,
    ) -> Result<TurnResult, AgentError> {
        let started = Instant::now();
        let text = match input {
            Input::Text(text) => text.trim(),
            Input::Press { confirm: true, .. } => "Confirm",
            Input::Press { confirm: false, .. } => "Cancel",
        };
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
            proven_email: store.verified_email(conversation_id).await?,
        };
        let mut state = self.planner_state(conversation_id).await?;

        // A yes or no to the card just shown is answered here, before any model reads the
        // message: only the customer's own confirmation of that exact proposal carries it out.
        let decision = match input {
            Input::Press {
                proposal_id,
                confirm,
            } => Some((proposal_id.to_string(), confirm)),
            Input::Text(text) => {
                self.typed_decision(conversation_id, text, &state, now)
                    .await
            }
        };

        // The message is stored before anything else can fail; it is classified once.
        let mut fell_back: Vec<String> = Vec::new();
        let classification = match (&decision, &self.llm) {
            (Some(_), _) => classify::neutral(text),
            (None, Some(llm)) => match llm.classify(text).await {
                Some(c) => c,
                None => {
                    fell_back.push("classification".into());
                    classify::classify(text, self.semantic.as_deref()).await
                }
            },
            (None, None) => classify::classify(text, self.semantic.as_deref()).await,
        };
        // Only a typed message is read for its language (not a button press).
        let language = match &decision {
            None => language::foreign_language(text),
            Some(_) => None,
        };
        let mut user_metadata = json!({"classification": classification});
        if let Some(language) = language {
            user_metadata["language"] = json!(language);
        }
        if let Some((id, confirm)) = &decision {
            user_metadata["decision"] = json!({"proposal_id": id, "confirm": confirm});
        }
        let user_message_id = store
            .append_message(conversation_id, "user", text, &user_metadata.to_string())
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
                answered_by: format!("{name} (our team)"),
                held_by: Some(name),
                proposal: None,
                fell_back,
            });
        }

        let mut runner = ToolRunner::new(&self.toolbox, &mut session, now, &events)
            .with_id_prefix(format!("call_m{user_message_id}"));
        // The LLM path streams its own text; the planner's reply is sent whole below.
        let mut streamed = false;
        let mut answered_by = self.backend();
        let (reply, suggestions, call_ids) = if let Some((id, confirm)) = &decision {
            answered_by = "the customer's confirmation (tool layer)".into();
            let (text, suggestions) = match runner.decide(id, *confirm).await {
                Confirmation::Done(outcome) => {
                    if outcome.ok && outcome.tool == "place_order" {
                        state.slots.items.clear();
                    }
                    (
                        actions::confirmed_text(&outcome),
                        actions::confirmed_suggestions(&outcome),
                    )
                }
                Confirmation::Declined(p) => (actions::declined_text(&p), Vec::new()),
                Confirmation::Refused(why) => (why, Vec::new()),
            };
            state.pending = None;
            state.proposal = None;
            (text, suggestions, Vec::new())
        } else if classification.escalate {
            answered_by = self.planner.label().to_string();
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
        } else if let (None, Some(language)) = (&self.llm, language) {
            // The planner understands English only: it says so and offers a person.
            answered_by = self.planner.label().to_string();
            (
                language::not_understood(language),
                vec!["Talk to a human".to_string()],
                Vec::new(),
            )
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
                            fell_back.push(format!("reply ({e})"));
                            answered_by = format!("{} (the LLM failed)", self.planner.label());
                            runner
                                .emit(TurnEvent::Meta {
                                    backend: format!(
                                        "{} (the LLM failed: {e})",
                                        self.planner.label()
                                    ),
                                    model: kb_model(&self.semantic),
                                })
                                .await;
                            let r = self
                                .planner
                                .respond(text, &classification, &mut state, &mut runner)
                                .await;
                            (r.text, r.suggestions, Vec::new())
                        }
                    }
                }
                None => {
                    answered_by = self.planner.label().to_string();
                    let r = self
                        .planner
                        .respond(text, &classification, &mut state, &mut runner)
                        .await;
                    (r.text, r.suggestions, Vec::new())
                }
            }
        };
        let citations = runner.citations();
        let proposal = runner.proposal();
        // A typed yes answers only the card of the reply just before it.
        state.proposal = proposal.as_ref().map(|p| p.id.clone());
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
            proposal: proposal.clone(),
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
            proposal,
            answered_by,
            fell_back,
        })
    }

    /// A typed "yes" or "no" right after an action card answers that card.
    async fn typed_decision(
        &self,
        conversation_id: &str,
        text: &str,
        state: &PlannerState,
        now: DateTime<Utc>,
    ) -> Option<(String, bool)> {
        let yes = reading::is_confirmation(text);
        let no = !yes && reading::is_refusal(text);
        if !yes && !no {
            return None;
        }
        let pending = match self.toolbox.pending_proposal(conversation_id, now).await {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the pending proposal");
                None
            }
        };
        match pending {
            Some(p) if state.proposal.as_deref() == Some(p.id.as_str()) => Some((p.id, yes)),
            // The card shown last has expired or been answered: say so rather than guess.
            None if yes => state.proposal.clone().map(|id| (id, true)),
            _ => None,
        }
    }

    /// The planner's slots and pending question, from the last reply of the conversation.
    pub(crate) async fn planner_state(
        &self,
        conversation_id: &str,
    ) -> Result<PlannerState, AgentError> {
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
