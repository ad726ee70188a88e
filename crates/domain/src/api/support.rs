//! The customer's support chat: a transcript line with what the agent did (classification,
//! tool calls, citations, an action card), and the conversation as the page resumes it.

use super::knowledge::KnowledgeState;
use crate::time::{DateTime, Utc};
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

/// What a customer message can be about (a classification's `category`).
pub const CATEGORIES: &[&str] = &[
    "orders",
    "shipping",
    "returns",
    "product_question",
    "billing",
    "technical",
    "account_management",
    "feature_request",
    "bug_report",
    "integration",
    "privacy",
    "general",
];

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
    /// The language a customer message was read as, when not English.
    #[serde(default)]
    pub language: Option<String>,
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
    /// For a customer message read as another language than English: its English name.
    #[serde(default)]
    pub language: Option<String>,
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
    /// The staff account of a person's reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff_id: Option<i64>,
    #[serde(default)]
    pub proposal: Option<ProposalCard>,
    /// The text was removed when the conversation ended (`STORE_TRANSCRIPTS=false`): only what
    /// analytics count is left.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not_kept: bool,
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
    /// The customer's votes and rating so far.
    #[serde(default)]
    pub feedback: super::feedback::MyFeedback,
}

/// A proposal's id: "prop_" and 32 hex digits (what the support crate's proposals are given).
/// The one check for both the page's card and the REST API's decision.
pub fn is_proposal_id(id: &str) -> bool {
    id.strip_prefix("prop_")
        .is_some_and(|hex| hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// A press on an action card instead of a message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardDecision {
    pub proposal_id: String,
    /// true carries the action out; false drops it.
    pub confirm: bool,
}

/// `POST /api/support/chat`: a message, or a decision on an action card.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatRequest {
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub decision: Option<CardDecision>,
}

/// One event of a turn as it happens, in the order the agent works (the server sends the
/// support crate's `TurnEvent`; this is how the page reads it, and a test on the server holds
/// the two together).
///
/// Read through `TurnFrameWire` (the same JSON): a derived internally tagged enum first copies
/// each frame into serde's generic buffer (`Content`) to find its tag and reads it again from
/// there, code the support page would carry only for this.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", try_from = "TurnFrameWire")]
pub enum TurnFrame {
    /// Who answers this turn.
    Meta {
        backend: String,
        model: String,
    },
    Classification(Classification),
    ToolStarted {
        call_id: String,
        name: String,
        #[serde(default)]
        arguments: Option<serde_json::Value>,
    },
    ToolFinished {
        call_id: String,
        outcome: ToolTrace,
    },
    Text {
        text: String,
    },
    Citations {
        citations: Vec<Citation>,
    },
    Suggestions {
        suggestions: Vec<String>,
    },
    /// The conversation now waits for a person.
    Escalated {
        #[serde(default)]
        ticket_id: Option<i64>,
    },
    /// A person holds the conversation: the message went to them.
    Held {
        name: String,
    },
    /// An irreversible action waits for the customer's Confirm or Cancel.
    Proposal {
        proposal: ProposalCard,
    },
}

impl TurnFrame {
    /// The server-sent event's name for this frame.
    pub fn event_name(&self) -> &'static str {
        match self {
            TurnFrame::Meta { .. } => "meta",
            TurnFrame::Classification(_) => "classification",
            TurnFrame::ToolStarted { .. } => "tool_start",
            TurnFrame::ToolFinished { .. } => "tool_end",
            TurnFrame::Text { .. } => "token",
            TurnFrame::Citations { .. } => "citations",
            TurnFrame::Suggestions { .. } => "suggestions",
            TurnFrame::Escalated { .. } => "escalated",
            TurnFrame::Held { .. } => "held",
            TurnFrame::Proposal { .. } => "proposal",
        }
    }
}

/// `TurnFrame` as JSON has it: the tag and every variant's fields, the others' absent (a
/// classification's fields sit beside the tag).
#[derive(Deserialize)]
struct TurnFrameWire {
    #[serde(rename = "type")]
    kind: String,
    backend: Option<String>,
    model: Option<String>,
    category: Option<String>,
    priority: Option<String>,
    sentiment: Option<String>,
    escalate: Option<bool>,
    call_id: Option<String>,
    name: Option<String>,
    arguments: Option<serde_json::Value>,
    outcome: Option<ToolTrace>,
    text: Option<String>,
    citations: Option<Vec<Citation>>,
    suggestions: Option<Vec<String>>,
    ticket_id: Option<i64>,
    proposal: Option<ProposalCard>,
}

impl TryFrom<TurnFrameWire> for TurnFrame {
    type Error = String;

    fn try_from(wire: TurnFrameWire) -> Result<Self, String> {
        let missing = |field: &str| format!("a {} frame needs `{field}`", wire.kind);
        Ok(match wire.kind.as_str() {
            "meta" => TurnFrame::Meta {
                backend: wire.backend.ok_or_else(|| missing("backend"))?,
                model: wire.model.ok_or_else(|| missing("model"))?,
            },
            "classification" => TurnFrame::Classification(Classification {
                category: wire.category.ok_or_else(|| missing("category"))?,
                priority: wire.priority.ok_or_else(|| missing("priority"))?,
                sentiment: wire.sentiment.ok_or_else(|| missing("sentiment"))?,
                escalate: wire.escalate.unwrap_or_default(),
            }),
            "tool_started" => TurnFrame::ToolStarted {
                call_id: wire.call_id.ok_or_else(|| missing("call_id"))?,
                name: wire.name.ok_or_else(|| missing("name"))?,
                arguments: wire.arguments,
            },
            "tool_finished" => TurnFrame::ToolFinished {
                call_id: wire.call_id.ok_or_else(|| missing("call_id"))?,
                outcome: wire.outcome.ok_or_else(|| missing("outcome"))?,
            },
            "text" => TurnFrame::Text {
                text: wire.text.ok_or_else(|| missing("text"))?,
            },
            "citations" => TurnFrame::Citations {
                citations: wire.citations.ok_or_else(|| missing("citations"))?,
            },
            "suggestions" => TurnFrame::Suggestions {
                suggestions: wire.suggestions.ok_or_else(|| missing("suggestions"))?,
            },
            "escalated" => TurnFrame::Escalated {
                ticket_id: wire.ticket_id,
            },
            "held" => TurnFrame::Held {
                name: wire.name.ok_or_else(|| missing("name"))?,
            },
            "proposal" => TurnFrame::Proposal {
                proposal: wire.proposal.ok_or_else(|| missing("proposal"))?,
            },
            other => return Err(format!("unknown frame type `{other}`")),
        })
    }
}

/// The last event of a turn that went through (`done`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TurnDone {
    /// The reply as safe HTML.
    pub html: String,
    pub message_id: i64,
    pub elapsed_ms: f64,
    pub escalated: bool,
    /// The person holding the conversation: the agent did not answer.
    #[serde(default)]
    pub held_by: Option<String>,
    #[serde(default)]
    pub proposal: Option<ProposalCard>,
}

/// The last event of a turn that failed (`error`): a sentence for the customer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TurnFailed {
    pub message: String,
}

/// `POST /api/support/new`: the conversation is forgotten (its cookie cleared).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Started {
    pub ok: bool,
}

/// `POST /api/support/human`: the conversation now waits for a person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandedOff {
    pub escalated: bool,
    /// What the customer is told, in Markdown and as safe HTML.
    pub reply: String,
    pub html: String,
}

/// A mail the store sent, or would have sent (the demo inbox).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct OutboxMail {
    pub id: i64,
    pub conversation_id: Option<String>,
    pub to_email: String,
    pub subject: String,
    pub body: String,
    /// "demo inbox" (kept here only) or "smtp" (also sent).
    pub transport: String,
    pub created_at: DateTime<Utc>,
}

/// `GET /api/support/inbox`: this browser's mail, and whether real mail goes out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inbox {
    pub mails: Vec<OutboxMail>,
    pub smtp: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every frame reads back what it wrote (tagged with `type`, read through the flat wire).
    #[test]
    fn a_frame_reads_back_what_it_wrote() {
        let frames = [
            TurnFrame::Meta {
                backend: "offline".into(),
                model: "planner".into(),
            },
            TurnFrame::Classification(Classification {
                category: "orders".into(),
                priority: "high".into(),
                sentiment: "negative".into(),
                escalate: true,
            }),
            TurnFrame::ToolStarted {
                call_id: "c1".into(),
                name: "order_status".into(),
                arguments: Some(serde_json::json!({"order_id": 1002})),
            },
            TurnFrame::ToolFinished {
                call_id: "c1".into(),
                outcome: ToolTrace {
                    tool: "order_status".into(),
                    arguments: None,
                    ok: true,
                    summary: "shipped".into(),
                    elapsed_ms: 2.5,
                },
            },
            TurnFrame::Text {
                text: "Hello".into(),
            },
            TurnFrame::Citations {
                citations: vec![Citation {
                    id: "returns".into(),
                    title: "Returns".into(),
                }],
            },
            TurnFrame::Suggestions {
                suggestions: vec!["Track my order".into()],
            },
            TurnFrame::Escalated { ticket_id: Some(7) },
            TurnFrame::Held { name: "Ada".into() },
            TurnFrame::Proposal {
                proposal: ProposalCard {
                    id: "prop_3f9a1c0d5e7b4a2c8d6e0f1a2b3c4d5e".into(),
                    action: "cancel_order".into(),
                    title: "Cancel order 1002".into(),
                    details: vec!["Refund: $35.00".into()],
                    order_id: Some(1002),
                    expires_at: None,
                },
            },
        ];
        for frame in frames {
            let wire = serde_json::to_string(&frame).expect("a frame serialises");
            let back: TurnFrame = serde_json::from_str(&wire).expect("reads back");
            assert_eq!(back, frame, "{wire}");
        }
        assert_eq!(
            serde_json::to_value(TurnFrame::Text { text: "Hi".into() }).expect("serialises"),
            serde_json::json!({"type": "text", "text": "Hi"})
        );
        let missing = serde_json::from_str::<TurnFrame>(r#"{"type":"held"}"#);
        assert!(missing.is_err_and(|e| e.to_string().contains("needs `name`")));
        assert!(serde_json::from_str::<TurnFrame>(r#"{"type":"surprise"}"#).is_err());
    }

    #[test]
    fn a_proposal_id_is_prop_and_32_hex_digits() {
        assert!(is_proposal_id("prop_3f9a1c0d5e7b4a2c8d6e0f1a2b3c4d5e"));
        assert!(!is_proposal_id("prop_3f9a1c0d5e7b4a2c8d6e0f1a2b3c4d5"));
        assert!(!is_proposal_id("prop_3f9a1c0d5e7b4a2c8d6e0f1a2b3c4d5g"));
        assert!(!is_proposal_id("no-such-proposal"));
        assert!(!is_proposal_id("../x"));
    }
}
