//! Agent assist for the team: a suggested reply to the customer's last message, worked out as
//! a turn would be (the LLM agent when one is configured, else the offline planner, with the
//! same tools and knowledge base), but stored nowhere and acting on nothing: the toolbox drafts
//! ([`Toolbox::drafting`]), so reading tools run and acting ones are refused. The person edits
//! it and sends it, or not.

use crate::agent::{AgentError, SupportAgent};
use crate::tools::{Citation, Session, ToolOutcome};
use crate::turn::{ToolRunner, TurnEvent};
use crate::understanding::classify::{self, Classification};
use chrono::{DateTime, Utc};
use std::time::Instant;
use tokio::sync::mpsc;

/// A reply the team may send.
#[derive(Clone, Debug)]
pub struct Suggestion {
    pub text: String,
    /// The customer message it answers.
    pub answers: String,
    /// The tool calls behind it (acting ones refused), with their results.
    pub tools: Vec<ToolOutcome>,
    pub citations: Vec<Citation>,
    /// Who drafted it (the planner, or the LLM).
    pub backend: String,
    pub elapsed_ms: f64,
}

impl SupportAgent {
    /// The agent's answer to the customer's last message (`None` when the customer has said
    /// nothing yet).
    pub async fn suggest_reply(
        &self,
        conversation_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Suggestion>, AgentError> {
        let started = Instant::now();
        let store = &self.toolbox.store;
        let history = store.recent_messages(conversation_id, 60).await?;
        let Some(last) = history.iter().rev().find(|m| m.role == "user") else {
            return Ok(None);
        };
        // The classification the turn stored with the message, or a fresh offline one.
        let classification = serde_json::from_str::<serde_json::Value>(&last.metadata)
            .ok()
            .and_then(|m| {
                serde_json::from_value::<Classification>(m["classification"].clone()).ok()
            });
        let classification = match classification {
            Some(c) => c,
            None => classify::classify(&last.content, self.semantic.as_deref()).await,
        };
        let info = store.conversation(conversation_id).await?;
        let mut session = Session {
            conversation_id: conversation_id.to_string(),
            verified_email: info.and_then(|c| c.customer_email),
            customer_name: None,
            proven_email: store.verified_email(conversation_id).await?,
        };
        let mut state = self.planner_state(conversation_id).await?;
        let mut toolbox = self.toolbox.clone();
        toolbox.drafting = true;
        // Nobody listens: a draft streams nowhere.
        let (events, _) = mpsc::channel::<TurnEvent>(1);
        let mut runner = ToolRunner::new(&toolbox, &mut session, now, &events)
            .with_id_prefix(format!("draft_m{}", last.id));
        let mut backend = self.planner.label().to_string();
        let llm_text = match &self.llm {
            Some(llm) => match llm.respond(&history, last.id, &mut runner).await {
                Ok((text, _)) => {
                    backend = llm.label();
                    Some(text)
                }
                Err(e) => {
                    tracing::warn!(error = %e, "LLM draft failed; the offline planner drafts");
                    backend = format!("{} (the LLM failed)", self.planner.label());
                    None
                }
            },
            None => None,
        };
        let text = match llm_text {
            Some(text) => text,
            None => {
                self.planner
                    .respond(&last.content, &classification, &mut state, &mut runner)
                    .await
                    .text
            }
        };
        let citations = runner.citations();
        let tools = runner.outcomes.iter().map(|(_, o)| o.clone()).collect();
        Ok(Some(Suggestion {
            text,
            answers: last.content.clone(),
            tools,
            citations,
            backend,
            elapsed_ms: started.elapsed().as_secs_f64() * 1000.0,
        }))
    }
}
