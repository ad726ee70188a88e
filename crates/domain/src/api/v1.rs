//! REST API v1 (`/api/v1`, for machine clients): the request and answer bodies, as the server
//! reads and writes them and as its OpenAPI document states them (`openapi` feature).

use super::desk::{ConversationStatus, ConversationSummary, Priority, TicketStatus};
use super::knowledge::{Document, DocumentStatus};
use super::support::MessageRole;
use crate::time::{DateTime, Utc};
use serde::{Deserialize, Serialize};

// The rules the API enforces, each beside the pattern its OpenAPI document states (the schema
// attributes below repeat these literals; the tests check the document, the literals and the
// checks agree, so a client generated from the document sends nothing the server refuses).

/// A conversation id: 8-64 letters, digits, `-` or `_` (a UUID is one).
pub const CONVERSATION_ID_PATTERN: &str = "^[A-Za-z0-9_-]{8,64}$";
/// Text with at least one character that is not white space (Unicode White_Space, spelled out
/// so Python's, JavaScript's and Rust's regex engines all read it as `char::is_whitespace`).
pub const NOT_BLANK_PATTERN: &str = "[^\\t\\n\\u000B\\f\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]";
/// The longest customer message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 4_000;
/// The longest escalation reason, in characters.
pub const MAX_REASON_CHARS: usize = 1_000;

pub fn is_conversation_id(id: &str) -> bool {
    (8..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Nothing but white space (or nothing at all).
pub fn is_blank(text: &str) -> bool {
    text.chars().all(char::is_whitespace)
}

/// A rule a request broke: the field and a sentence for the person who sent it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub field: &'static str,
    pub message: String,
}

fn refuse(field: &'static str, message: &str) -> Refusal {
    Refusal {
        field,
        message: message.to_owned(),
    }
}

/// The sentence for a malformed conversation id.
pub const BAD_CONVERSATION_ID: &str = "A conversation id is 8-64 letters, digits, '-' or '_'.";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SendMessage {
    /// The conversation to continue; omit it to start a new one (its id comes back).
    #[cfg_attr(
        feature = "openapi",
        schema(
            example = "0d6c3c3e-3b1e-4a0f-9a57-5d0c1b8e2f11",
            pattern = "^[A-Za-z0-9_-]{8,64}$"
        )
    )]
    #[serde(default)]
    pub conversation_id: Option<String>,
    /// The customer's email, recorded on a new conversation so it can be listed later.
    #[cfg_attr(
        feature = "openapi",
        schema(
            example = "lucas.rossi@example.com",
            pattern = "^[A-Za-z0-9._+'-]+@[A-Za-z0-9.-]+$",
            max_length = 200
        )
    )]
    #[serde(default)]
    pub customer_email: Option<String>,
    /// The customer's message: 1-4000 characters, not only white space.
    #[cfg_attr(
        feature = "openapi",
        schema(
            example = "Where is order 1013? My email is lucas.rossi@example.com",
            min_length = 1,
            max_length = 4000,
            pattern = "[^\\t\\n\\u000B\\f\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]"
        )
    )]
    pub message: String,
}

impl SendMessage {
    /// Every rule the schema states, checked on the body as sent (nothing trimmed first).
    pub fn check(&self) -> Result<(), Refusal> {
        if let Some(id) = &self.conversation_id
            && !is_conversation_id(id)
        {
            return Err(refuse("conversation_id", BAD_CONVERSATION_ID));
        }
        if let Some(email) = &self.customer_email
            && !crate::is_email_address(email)
        {
            return Err(refuse(
                "customer_email",
                "customer_email is not an email address.",
            ));
        }
        if is_blank(&self.message) {
            return Err(refuse("message", "Type a message first."));
        }
        if self.message.chars().count() > MAX_MESSAGE_CHARS {
            return Err(refuse(
                "message",
                "Messages are limited to 4000 characters.",
            ));
        }
        Ok(())
    }
}

/// The customer's answer to an action card: carry the proposed action out, or drop it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
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

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EscalateBody {
    /// Why a person is needed (passed to the team), up to 1000 characters.
    #[cfg_attr(feature = "openapi", schema(max_length = 1000))]
    #[serde(default)]
    pub reason: Option<String>,
}

impl EscalateBody {
    pub fn check(&self) -> Result<(), Refusal> {
        match &self.reason {
            Some(r) if r.chars().count() > MAX_REASON_CHARS => {
                Err(refuse("reason", "Keep the reason under 1000 characters."))
            }
            _ => Ok(()),
        }
    }
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

/// `POST /api/v1/customers/{email}/erase`: the email again, to confirm an erase that cannot be
/// undone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EraseRequest {
    /// The same email as in the path (compared without case).
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub confirm_email: String,
}

/// What an erase removed, by kind.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErasedOut {
    pub total: u64,
    pub conversations: u64,
    pub messages: u64,
    pub tickets: u64,
    pub orders: u64,
    pub returns: u64,
    pub feedback: u64,
    pub proposals: u64,
    pub email_codes: u64,
    pub mails: u64,
    pub live_events: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agree(pattern: &str, check: impl Fn(&str) -> bool, samples: &[&str]) {
        let re = regex::Regex::new(pattern).expect("the pattern compiles");
        for s in samples {
            assert_eq!(
                re.is_match(s),
                check(s),
                "{pattern:?} and its check disagree on {s:?}"
            );
        }
    }

    #[test]
    fn each_pattern_the_document_states_is_the_check_the_server_runs() {
        agree(
            CONVERSATION_ID_PATTERN,
            is_conversation_id,
            &[
                "0d6c3c3e-3b1e-4a0f-9a57-5d0c1b8e2f11",
                "abcdefg",
                "abcdefgh",
                "a_b-c_d-e",
                "abc def gh",
                "ééééééééé",
                &"a".repeat(64),
                &"a".repeat(65),
                "",
            ],
        );
        agree(
            crate::EMAIL_PATTERN,
            crate::is_email_address,
            &[
                "lucas.rossi@example.com",
                "o'neil+tag@mail.co.uk",
                "@example.com",
                "lucas@",
                "a@b@c",
                "lucas rossi@example.com",
                "lucas@exa mple.com",
                "lü@example.com",
                "a@b",
            ],
        );
        agree(
            NOT_BLANK_PATTERN,
            |s| !is_blank(s),
            &[
                "",
                " ",
                "\t\n\r\u{b}\u{c}",
                "\u{a0}\u{2003}\u{3000}\u{85}",
                "\u{1c}",
                "\u{200b}",
                " a ",
                "\u{feff}",
            ],
        );
    }

    #[test]
    fn a_message_is_checked_as_sent() {
        let message = |m: &str| SendMessage {
            conversation_id: None,
            customer_email: None,
            message: m.to_owned(),
        };
        assert!(message("Where is my order?").check().is_ok());
        assert_eq!(
            message(" \u{3000}\n").check().map_err(|r| r.field),
            Err("message")
        );
        // 4000 characters of text and one space: over the limit as sent, though not once trimmed.
        let long = format!("{} ", "a".repeat(MAX_MESSAGE_CHARS));
        assert_eq!(message(&long).check().map_err(|r| r.field), Err("message"));
        let mut bad_id = message("hi");
        bad_id.conversation_id = Some("short".into());
        assert_eq!(bad_id.check().map_err(|r| r.field), Err("conversation_id"));
        let unknown = serde_json::from_str::<SendMessage>(r#"{"message":"hi","extra":1}"#);
        assert!(
            unknown.is_err(),
            "a field the schema does not list is refused"
        );
    }

    #[cfg(feature = "openapi")]
    #[test]
    fn the_schema_states_the_same_patterns() {
        use utoipa::PartialSchema;
        let send = serde_json::to_value(SendMessage::schema()).expect("schema");
        let props = &send["properties"];
        assert_eq!(props["conversation_id"]["pattern"], CONVERSATION_ID_PATTERN);
        assert_eq!(props["customer_email"]["pattern"], crate::EMAIL_PATTERN);
        assert_eq!(props["customer_email"]["maxLength"], crate::MAX_EMAIL_CHARS);
        assert_eq!(props["message"]["pattern"], NOT_BLANK_PATTERN);
        assert_eq!(props["message"]["maxLength"], MAX_MESSAGE_CHARS);
        assert_eq!(send["additionalProperties"], false);
        let escalate = serde_json::to_value(EscalateBody::schema()).expect("schema");
        assert_eq!(
            escalate["properties"]["reason"]["maxLength"],
            MAX_REASON_CHARS
        );
    }
}
