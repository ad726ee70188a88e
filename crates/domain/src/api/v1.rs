//! REST API v1 (`/api/v1`, for machine clients): the request and answer bodies, as the server
//! reads and writes them and as its OpenAPI document states them (`openapi` feature).

use super::desk::{ConversationStatus, ConversationSummary, Priority, TicketStatus};
use super::knowledge::{Document, DocumentStatus};
use super::support::MessageRole;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SendMessage {
    /// The conversation to continue; omit it to start a new one (its id comes back).
    #[cfg_attr(
        feature = "openapi",
        schema(example = "0d6c3c3e-3b1e-4a0f-9a57-5d0c1b8e2f11")
    )]
    pub conversation_id: Option<String>,
    /// The customer's email, recorded on a new conversation so it can be listed later.
    #[cfg_attr(feature = "openapi", schema(example = "lucas.rossi@example.com"))]
    pub customer_email: Option<String>,
    /// The customer's message (1-4000 characters).
    #[cfg_attr(
        feature = "openapi",
        schema(example = "Where is order 1013? My email is lucas.rossi@example.com")
    )]
    pub message: String,
}

/// The customer's answer to an action card: carry the proposed action out, or drop it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DecisionIn {
    /// The `proposal.id` a reply returned.
    #[cfg_attr(
        feature = "openapi",
        schema(
            example = "prop_3f9a1c0d5e7b4a2c8d6e0f1a2b3c4d5e",
            pattern = "^prop_[0-9a-fA-F]{32}$"
        )
    )]
    pub proposal_id: String,
    /// true carries the action out; false drops it and changes nothing.
    pub confirm: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClassificationOut {
    pub category: String,
    pub priority: String,
    pub sentiment: String,
    pub escalate: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ToolCallOut {
    pub tool: String,
    pub ok: bool,
    pub summary: String,
    pub elapsed_ms: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CitationOut {
    pub id: String,
    pub title: String,
}

/// An irreversible action the agent proposed (cancel, change, return, place an order). Nothing
/// has happened yet: answer it at `POST /api/v1/conversations/{id}/decision`, or send "yes" (or
/// "no") as the very next message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProposalOut {
    pub id: String,
    /// The tool that carries it out, e.g. cancel_order.
    pub action: String,
    pub title: String,
    /// What will happen, one line each (lines, amounts, refund, address).
    pub details: Vec<String>,
    pub order_id: Option<i64>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentReply {
    pub conversation_id: String,
    /// The agent's reply in Markdown; empty when a person holds the conversation.
    pub reply: String,
    /// The person handling the conversation, when one is: the agent did not answer.
    pub held_by: Option<String>,
    pub escalated: bool,
    pub classification: ClassificationOut,
    pub tools: Vec<ToolCallOut>,
    pub citations: Vec<CitationOut>,
    /// Who answered (the offline planner, or the LLM's provider and model).
    pub backend: String,
    pub elapsed_ms: f64,
    /// An action waiting for the customer's confirmation, when this reply proposed one.
    pub proposal: Option<ProposalOut>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConversationOut {
    pub id: String,
    pub title: String,
    pub status: ConversationStatus,
    pub customer_email: Option<String>,
    /// The person holding the conversation, if any.
    pub assigned_name: Option<String>,
    pub message_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<ConversationSummary> for ConversationOut {
    fn from(s: ConversationSummary) -> Self {
        ConversationOut {
            id: s.id,
            title: s.title,
            status: s.status,
            customer_email: s.customer_email,
            assigned_name: s.assigned_name,
            message_count: s.message_count,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageOut {
    pub id: i64,
    /// user (the customer), assistant (the agent) or agent (a person of the team).
    pub role: MessageRole,
    pub text: String,
    /// The person's name, for role "agent".
    pub author: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketOut {
    pub id: i64,
    pub subject: String,
    pub priority: Priority,
    pub status: TicketStatus,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Transcript {
    pub conversation: ConversationOut,
    pub messages: Vec<MessageOut>,
    pub tickets: Vec<TicketOut>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConversationList {
    pub conversations: Vec<ConversationOut>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EscalateBody {
    /// Why a person is needed (passed to the team).
    pub reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Escalated {
    pub conversation_id: String,
    pub escalated: bool,
    /// What the customer is told.
    pub reply: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocumentOut {
    pub id: i64,
    pub title: String,
    pub filename: String,
    pub media_type: String,
    pub bytes: i64,
    pub status: DocumentStatus,
    pub chunks: i64,
    pub error: Option<String>,
}

impl From<Document> for DocumentOut {
    fn from(d: Document) -> Self {
        DocumentOut {
            id: d.id,
            title: d.title,
            filename: d.filename,
            media_type: d.media_type,
            bytes: d.bytes,
            status: d.status,
            chunks: d.chunks,
            error: d.error,
        }
    }
}

/// `POST /api/v1/kb/documents` (202): the document, stored, and the job indexing it. Follow the
/// job (`GET /api/v1/jobs/{id}`) until it is `done` (searchable) or `failed`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocumentQueued {
    pub document: DocumentOut,
    pub job: super::jobs::Job,
}
