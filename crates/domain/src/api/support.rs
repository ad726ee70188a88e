//! The customer's support chat: a transcript line with what the agent did (classification,
//! tool calls, citations, an action card), and the conversation as the page resumes it.

use super::knowledge::KnowledgeState;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

text_enum!(
    /// Who wrote a line of a transcript.
    MessageRole, "message role" {
        /// The customer.
        User = "user",
        /// The support agent (the planner or a model).
        Assistant = "assistant",
        /// A person of the team.
        Agent = "agent",
    }
);

/// How a message was read: what it is about, how urgent, the customer's mood, whether a person
/// is needed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Classification {
    pub category: String,
    pub priority: String,
    pub sentiment: String,
    #[serde(default)]
    pub escalate: bool,
}

/// One tool call of an agent's reply, as the transcript shows it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ToolTrace {
    pub tool: String,
    #[serde(default)]
    pub arguments: Option<serde_json::Value>,
    #[serde(default)]
    pub ok: bool,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub elapsed_ms: f64,
}

/// A knowledge-base passage a reply cites.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Citation {
    pub id: String,
    pub title: String,
}

/// An irreversible action waiting for the customer: what will happen, with Confirm and Cancel.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalCard {
    pub id: String,
    pub action: String,
    pub title: String,
    #[serde(default)]
    pub details: Vec<String>,
    #[serde(default)]
    pub order_id: Option<i64>,
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

/// One line of a transcript, for the customer's page and the desk alike.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TranscriptMessage {
    pub id: i64,
    pub role: MessageRole,
    pub text: String,
    /// Safe HTML of a reply's Markdown (absent for the customer's own lines).
    #[serde(default)]
    pub html: Option<String>,
    #[serde(default)]
    pub classification: Option<Classification>,
    #[serde(default)]
    pub tools: Option<Vec<ToolTrace>>,
    #[serde(default)]
    pub citations: Option<Vec<Citation>>,
    #[serde(default)]
    pub suggestions: Option<Vec<String>>,
    /// Who answered (the planner, or a model's provider and name).
    #[serde(default)]
    pub backend: Option<String>,
    #[serde(default)]
    pub elapsed_ms: Option<f64>,
    /// The person's name, for a line of the team.
    #[serde(default)]
    pub author: Option<String>,
    #[serde(default)]
    pub proposal: Option<ProposalCard>,
    pub created_at: DateTime<Utc>,
}

/// What the agent recorded with a reply (stored as the message's metadata): read back into a
/// transcript line. Every part is optional: older rows have fewer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReplyMetadata {
    #[serde(default)]
    pub classification: Option<Classification>,
    #[serde(default)]
    pub tools: Option<Vec<ToolTrace>>,
    #[serde(default)]
    pub citations: Option<Vec<Citation>>,
    #[serde(default)]
    pub suggestions: Option<Vec<String>>,
    #[serde(default)]
    pub backend: Option<String>,
    #[serde(default)]
    pub elapsed_ms: Option<f64>,
    #[serde(default)]
    pub author: Option<String>,
    #[serde(default)]
    pub proposal: Option<ProposalCard>,
}

/// `GET /api/support/conversation`: this browser's conversation, to resume it after a reload.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConversationState {
    pub messages: Vec<TranscriptMessage>,
    /// The action card still waiting for Confirm or Cancel.
    #[serde(default)]
    pub pending_proposal: Option<String>,
    /// The person of the team handling the conversation, when one is.
    #[serde(default)]
    pub held_by: Option<String>,
    /// new (nothing sent yet), open, escalated or closed.
    pub status: String,
    /// Who answers (the offline planner, or a model's provider and name).
    pub backend: String,
    pub knowledge: KnowledgeState,
}
