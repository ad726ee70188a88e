//! The agent's tools: a JSON schema for each (what the LLM sees), validation of its arguments,
//! and its execution against the store or the knowledge base. Identity is enforced here, not in
//! a prompt: any tool that reads or acts on an order needs the email on that order, either in
//! its arguments or verified earlier in the same conversation.

pub mod args;
mod exec;
mod specs;

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
    /// The email proven to own an order in this conversation (or the signed-in customer's).
    pub verified_email: Option<String>,
    pub customer_name: Option<String>,
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
}

/// Everything the tools need; cheap to clone.
#[derive(Clone)]
pub struct Toolbox {
    pub store: Store,
    pub kb: Option<Arc<KnowledgeBase>>,
}

impl Toolbox {
    pub fn new(store: Store, kb: Option<Arc<KnowledgeBase>>) -> Toolbox {
        Toolbox { store, kb }
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
            Some(tool) => exec::execute(self, tool, &arguments, session, now).await,
            None => Err(ToolError::Invalid(format!(
                "there is no tool called {name}"
            ))),
        };
        let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
        match result {
            Ok(done) => ToolOutcome {
                tool: name.to_string(),
                arguments,
                ok: true,
                summary: done.summary,
                result: done.result,
                error: None,
                error_kind: None,
                citations: done.citations,
                elapsed_ms,
            },
            Err(e) => ToolOutcome {
                tool: name.to_string(),
                arguments,
                ok: false,
                summary: format!("{}: {e}", e.kind()),
                result: serde_json::json!({ "error": e.to_string(), "kind": e.kind() }),
                error: Some(e.to_string()),
                error_kind: Some(e.kind().to_string()),
                citations: Vec::new(),
                elapsed_ms,
            },
        }
    }
}
