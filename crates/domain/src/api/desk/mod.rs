//! The support desk's wire (staff only): the conversation list and a transcript, claim / release
//! / reply / resolve, tickets, analytics, staff accounts and API keys. The rows the store reads
//! are these same types (with the `sqlx` feature), so the database, the server and the page agree
//! on one shape.

pub use super::support::MessageRole;
use super::support::TranscriptMessage;
use crate::time::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

mod alerts;
mod analytics;
mod live;
mod team;

pub use alerts::*;
pub use analytics::*;
pub use live::*;
pub use team::*;

text_enum!(
    /// Where a support conversation stands.
    ConversationStatus, "conversation status" {
        /// The agent answers.
        Open = "open",
        /// Waiting for a person.
        Escalated = "escalated",
        /// Resolved; it reopens when the customer writes again.
        Closed = "closed",
    }
);

text_enum!(
    /// Which conversations the desk lists (`?view=`).
    ConversationFilter, "conversation view" {
        All = "all",
        Unassigned = "unassigned",
        /// Held by the staff member asking.
        Mine = "mine",
        Escalated = "escalated",
    }
);

text_enum!(
    /// A band of the customer's 1-5 rating, for searching the desk (`?rating=`).
    RatingBand, "rating" {
        /// Rated 1 or 2.
        Low = "low",
        Middle = "middle",
        /// Rated 4 or 5.
        High = "high",
        Unrated = "unrated",
    }
);

text_enum!(
    TicketStatus, "ticket status" {
        Open = "open",
        InProgress = "in_progress",
        Resolved = "resolved",
    }
);

text_enum!(
    Priority, "priority" {
        Low = "low",
        Medium = "medium",
        High = "high",
        Urgent = "urgent",
    }
);

text_enum!(
    StaffRole, "staff role" {
        /// Answers customers and works tickets.
        Agent = "agent",
        /// Also manages the knowledge base, the team and API keys.
        Admin = "admin",
    }
);

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct ConversationSummary {
    pub id: String,
    pub title: String,
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "String"))]
    pub status: ConversationStatus,
    pub customer_email: Option<String>,
    pub assigned_to: Option<i64>,
    pub assigned_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub escalated_at: Option<DateTime<Utc>>,
    pub message_count: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Ticket {
    pub id: i64,
    pub customer_name: String,
    pub customer_email: String,
    pub order_id: Option<i64>,
    pub subject: String,
    pub description: String,
    pub category: String,
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "String"))]
    pub priority: Priority,
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "String"))]
    pub status: TicketStatus,
    pub assigned_team: Option<String>,
    pub conversation_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The person it is assigned to.
    #[serde(default)]
    #[cfg_attr(feature = "sqlx", sqlx(default))]
    pub assigned_to: Option<i64>,
    #[serde(default)]
    #[cfg_attr(feature = "sqlx", sqlx(default))]
    pub assigned_name: Option<String>,
}

impl Priority {
    /// The service level: hours from a ticket's opening to its due time.
    pub fn sla_hours(self) -> i64 {
        match self {
            Priority::Urgent => 4,
            Priority::High => 8,
            Priority::Medium => 24,
            Priority::Low => 72,
        }
    }
}

impl Ticket {
    /// When it should be resolved by, from its priority's service level.
    pub fn due_at(&self) -> DateTime<Utc> {
        self.created_at + Duration::hours(self.priority.sla_hours())
    }

    /// Still unresolved after its due time.
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        self.is_overdue_at_ms(now.timestamp_millis())
    }

    /// [`Ticket::is_overdue`] at a time in milliseconds since 1970 (what a browser's clock
    /// gives).
    pub fn is_overdue_at_ms(&self, now_ms: i64) -> bool {
        self.status != TicketStatus::Resolved && now_ms > self.due_at().timestamp_millis()
    }
}

/// `GET /api/desk/conversations`: one page of the conversations that match.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationList {
    pub conversations: Vec<ConversationSummary>,
    /// How many match in all.
    #[serde(default)]
    pub total: u64,
    /// This page (from 1).
    #[serde(default)]
    pub page: u32,
    #[serde(default)]
    pub per_page: u32,
    /// For a search by words: where each conversation on the page matched.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub snippets: Vec<super::snippet::Snippet>,
}

/// The desk's conversation search as its query string carries it; every part is optional, and
/// the server answers a sentence for one it cannot read.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConversationSearchParams {
    /// all, unassigned, mine or escalated.
    pub view: Option<String>,
    /// Words to find in the messages, an email address or a conversation id.
    pub q: Option<String>,
    /// open, escalated or closed.
    pub status: Option<String>,
    /// none, me, or a staff member's id.
    pub assignee: Option<String>,
    /// A classification category, e.g. returns.
    pub category: Option<String>,
    /// low, medium, high or urgent.
    pub priority: Option<String>,
    /// low (1-2), middle (3), high (4-5) or unrated.
    pub rating: Option<String>,
    /// Started on or after this day (YYYY-MM-DD).
    pub from: Option<String>,
    /// Started on or before this day (YYYY-MM-DD).
    pub to: Option<String>,
    /// From 1.
    pub page: Option<String>,
}

impl ConversationSearchParams {
    /// The parts that are set, as query pairs (for the page's URL).
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        [
            ("view", &self.view),
            ("q", &self.q),
            ("status", &self.status),
            ("assignee", &self.assignee),
            ("category", &self.category),
            ("priority", &self.priority),
            ("rating", &self.rating),
            ("from", &self.from),
            ("to", &self.to),
            ("page", &self.page),
        ]
        .into_iter()
        .filter_map(|(k, v)| {
            v.as_ref()
                .filter(|v| !v.trim().is_empty())
                .map(|v| (k, v.clone()))
        })
        .collect()
    }
}

/// `GET /api/desk/conversations/{id}`: the conversation, its transcript and its tickets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Transcript {
    pub conversation: ConversationSummary,
    /// The team's summary, written when a person took it over or resolved it (and when).
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub summary_at: Option<DateTime<Utc>>,
    pub messages: Vec<TranscriptMessage>,
    pub tickets: Vec<Ticket>,
}

/// The answer to claim, release and resolve.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationChanged {
    pub conversation: ConversationSummary,
}

/// `POST /api/desk/conversations/{id}/reply`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyRequest {
    pub text: String,
}

/// A person's reply as it was stored and sent to the customer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffReply {
    pub id: i64,
    pub role: MessageRole,
    pub text: String,
    pub html: String,
    pub author: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplySent {
    pub message: StaffReply,
    pub conversation: ConversationSummary,
}

/// `GET /api/desk/tickets`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketList {
    pub tickets: Vec<Ticket>,
}

/// `POST /api/desk/tickets/{id}/status`; the same comes back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketStatusChange {
    pub status: TicketStatus,
}

/// `GET /api/desk/conversations/{id}/suggestion`: what the agent would answer to the customer's
/// last message, for the person to edit and send (or not). Nothing was stored or done.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SuggestedReply {
    pub text: String,
    /// The customer message it answers.
    pub answers: String,
    /// The tool calls behind it: reading ones ran, acting ones were refused.
    pub tools: Vec<crate::api::support::ToolTrace>,
    pub citations: Vec<crate::api::support::Citation>,
    /// Who drafted it.
    pub backend: String,
    pub elapsed_ms: f64,
}

/// A canned reply from the knowledge base's macros, filled with the conversation's facts
/// (what is not known stays a bracketed blank to fill in).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CannedReply {
    pub id: String,
    pub title: String,
    pub text: String,
}

/// `GET /api/desk/conversations/{id}/canned`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CannedReplies {
    pub replies: Vec<CannedReply>,
}

/// `POST /api/desk/tickets/{id}/assign`: to a person, or `null` for nobody.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketAssign {
    pub staff_id: Option<i64>,
}

/// The ticket as it now is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketAssigned {
    pub ticket: Ticket,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketStatusChanged {
    pub ticket_id: i64,
    pub status: TicketStatus,
}
