//! The agent's tools: a JSON schema for each (what the LLM sees), validation of its arguments,
//! and its execution against the store or the knowledge base. Identity and consent are enforced
//! here, not in a prompt, so the LLM path gets the same guarantees as the offline planner:
//! - any tool that reads or acts on an order needs the order number and the email on that
//!   order (in its arguments, or matched earlier in the same conversation);
//! - listing an email's orders needs that email proven by a one-time code;
//! - irreversible actions (cancel, modify, return, place) only return a proposal; a separate
//!   confirmation of that exact proposal, by the customer, carries it out.

pub mod args;
mod exec;
mod identity;
pub mod mail;
mod proposals;
pub mod results;
mod specs;

pub use mail::{Mail, Mailer};
pub use proposals::{Confirmation, PROPOSAL_MINUTES, Proposal};
pub use specs::{ToolName, specs};

use crate::catalogue::Catalogue;
use chrono::{DateTime, Utc};
use kb::KnowledgeBase;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Instant;
use store::Store;

/// What a conversation has established so far, kept with the conversation.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub conversation_id: String,
    /// The email that matched an order (number and email together) in this conversation: it
    /// stands in for the email when the customer names another order number.
    pub verified_email: Option<String>,
    pub customer_name: Option<String>,
    /// The email proven by a one-time code in this conversation: its orders may be listed.
    #[serde(default)]
    pub proven_email: Option<String>,
}

/// A knowledge-base passage a reply relies on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Citation {
    pub id: String,
    pub title: String,
    pub score: f32,
}

/// The result of one tool call, as the trace, the memory and the model see it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ToolOutcome {
    pub tool: String,
    pub arguments: serde_json::Value,
    pub ok: bool,
    /// One line for the trace ("order 1013: shipped", "refused: past the 14-day window").
    pub summary: String,
    /// The typed result on success, `{"error": ...}` otherwise.
    pub result: serde_json::Value,
    pub error: Option<String>,
    /// Why it failed: `invalid` (arguments), `identity`, `refused` (a store rule), `internal`.
    pub error_kind: Option<String>,
    pub citations: Vec<Citation>,
    pub elapsed_ms: f64,
    /// Set when the call only proposed an irreversible action: nothing changed yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposal: Option<Proposal>,
    /// Set when the call carried out a proposal the customer confirmed (its id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmed_proposal: Option<String>,
}

impl ToolOutcome {
    /// The result as the tool's typed result (`tools::results`); `None` when the call failed.
    pub fn read<T: serde::de::DeserializeOwned>(&self) -> Option<T> {
        if !self.ok {
            return None;
        }
        match serde_json::from_value(self.result.clone()) {
            Ok(value) => Some(value),
            Err(e) => {
                tracing::error!(tool = %self.tool, error = %e, "a tool result has another shape");
                None
            }
        }
    }

    /// Whether the call changed or read something, as opposed to only proposing an action.
    pub fn took_effect(&self) -> bool {
        self.proposal.is_none()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Identity(String),
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    Internal(String),
}

impl ToolError {
    fn kind(&self) -> &'static str {
        match self {
            ToolError::Invalid(_) => "invalid",
            ToolError::Identity(_) => "identity",
            ToolError::Refused(_) => "refused",
            ToolError::Internal(_) => "internal",
        }
    }
}

impl From<store::StoreError> for ToolError {
    fn from(e: store::StoreError) -> ToolError {
        match e {
            store::StoreError::Refused(message) => ToolError::Refused(message),
            other => {
                tracing::error!(error = %other, "tool store error");
                ToolError::Internal(
                    "the store database is not answering right now; please try again in a moment"
                        .into(),
                )
            }
        }
    }
}

/// What a successful tool returns before timing is added.
pub(crate) struct Done {
    pub result: serde_json::Value,
    pub summary: String,
    pub citations: Vec<Citation>,
    pub proposal: Option<Proposal>,
}

impl Done {
    /// A finished call whose result is one of `tools::results`, serialised for the model.
    pub(crate) fn of(
        result: impl Serialize,
        summary: impl Into<String>,
    ) -> Result<Done, ToolError> {
        Ok(Done {
            result: serde_json::to_value(result)
                .map_err(|e| ToolError::Internal(format!("result: {e}")))?,
            summary: summary.into(),
            citations: Vec::new(),
            proposal: None,
        })
    }
}

/// Everything the tools need; cheap to clone.
#[derive(Clone)]
pub struct Toolbox {
    pub store: Store,
    pub kb: Option<Arc<KnowledgeBase>>,
    /// Where one-time codes go: an SMTP server, or (none set) the demo inbox in the outbox table.
    pub mailer: Option<Arc<dyn Mailer>>,
    /// Drafting a reply for the team: tools that act ([`ToolName::acts`]) are refused, so a
    /// suggestion reads the store and the knowledge base and changes nothing.
    pub drafting: bool,
}

impl Toolbox {
    pub fn new(store: Store, kb: Option<Arc<KnowledgeBase>>) -> Toolbox {
        Toolbox {
            store,
            kb,
            mailer: None,
            drafting: false,
        }
    }

    pub fn with_mailer(mut self, mailer: Option<Arc<dyn Mailer>>) -> Toolbox {
        self.mailer = mailer;
        self
    }

    pub async fn catalogue(&self) -> Result<Catalogue, ToolError> {
        Ok(Catalogue::new(self.store.all_products().await?))
    }

    /// Runs one call. Never panics and never returns an error: failures are outcomes the
    /// model and the customer can read.
    pub async fn run(
        &self,
        name: &str,
        arguments: serde_json::Value,
        session: &mut Session,
        now: DateTime<Utc>,
    ) -> ToolOutcome {
        let started = Instant::now();
        let result = match ToolName::parse(name) {
            Some(tool) if self.drafting && tool.acts() => Err(ToolError::Refused(format!(
                "{name} is not run for a suggested reply; the person sending it decides"
            ))),
            Some(tool) => exec::execute(self, tool, &arguments, session, now).await,
            None => Err(ToolError::Invalid(format!(
                "there is no tool called {name}"
            ))),
        };
        let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
        match result {
            Ok(done) => ToolOutcome::done(name, arguments, done, elapsed_ms),
            Err(e) => ToolOutcome::failed(name, arguments, &e, elapsed_ms),
        }
    }
}

impl ToolOutcome {
    pub(crate) fn done(
        name: &str,
        arguments: serde_json::Value,
        done: Done,
        elapsed_ms: f64,
    ) -> ToolOutcome {
        ToolOutcome {
            tool: name.to_string(),
            arguments,
            ok: true,
            summary: done.summary,
            result: done.result,
            error: None,
            error_kind: None,
            citations: done.citations,
            elapsed_ms,
            proposal: done.proposal,
            confirmed_proposal: None,
        }
    }

    pub(crate) fn failed(
        name: &str,
        arguments: serde_json::Value,
        e: &ToolError,
        elapsed_ms: f64,
    ) -> ToolOutcome {
        ToolOutcome {
            tool: name.to_string(),
            arguments,
            ok: false,
            summary: format!("{}: {e}", e.kind()),
            result: serde_json::json!({ "error": e.to_string(), "kind": e.kind() }),
            error: Some(e.to_string()),
            error_kind: Some(e.kind().to_string()),
            citations: Vec::new(),
            elapsed_ms,
            proposal: None,
            confirmed_proposal: None,
        }
    }
}
