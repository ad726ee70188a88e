//! What is stored with each of the agent's replies, read back by both agents (the planner's and
//! the LLM's) to rebuild the trace and the conversation's state after a reload.

use crate::dialogue::PlannerState;
use crate::tools::{Citation, Proposal, ToolOutcome};
use serde::{Deserialize, Serialize};

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
    /// The action card this reply showed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposal: Option<Proposal>,
}
