//! The support desk's wire (staff only): the conversation list and a transcript, claim / release
//! / reply / resolve, tickets, analytics, staff accounts and API keys. The rows the store reads
//! are these same types (with the `sqlx` feature), so the database, the server and the page agree
//! on one shape.

pub use super::support::MessageRole;
use super::support::TranscriptMessage;
use crate::time::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

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

/// A member of the team (never their password).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct StaffMember {
    pub id: i64,
    pub email: String,
    pub name: String,
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "String"))]
    pub role: StaffRole,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    /// A "Try the desk" account: it sees only the conversations its own browser started and
    /// none of the team's other pages.
    #[serde(default)]
    pub demo: bool,
}

impl StaffMember {
    pub fn is_admin(&self) -> bool {
        self.role == StaffRole::Admin && !self.demo
    }
}

/// What an API key may do; each `/api/v1` operation needs one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ApiScope {
    /// Send customer messages, answer action cards, escalate and resolve.
    #[serde(rename = "messages:write")]
    MessagesWrite,
    /// Read conversations and list a customer's.
    #[serde(rename = "conversations:read")]
    ConversationsRead,
    /// Upload knowledge-base documents.
    #[serde(rename = "kb:write")]
    KbWrite,
    /// Follow background jobs.
    #[serde(rename = "jobs:read")]
    JobsRead,
    /// Export or erase everything kept about a customer.
    #[serde(rename = "customers:privacy")]
    CustomersPrivacy,
}

impl ApiScope {
    pub const ALL: [ApiScope; 5] = [
        ApiScope::MessagesWrite,
        ApiScope::ConversationsRead,
        ApiScope::KbWrite,
        ApiScope::JobsRead,
        ApiScope::CustomersPrivacy,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ApiScope::MessagesWrite => "messages:write",
            ApiScope::ConversationsRead => "conversations:read",
            ApiScope::KbWrite => "kb:write",
            ApiScope::JobsRead => "jobs:read",
            ApiScope::CustomersPrivacy => "customers:privacy",
        }
    }

    /// What the scope allows, for the desk and the OpenAPI document.
    pub fn description(self) -> &'static str {
        match self {
            ApiScope::MessagesWrite => {
                "Send customer messages, answer action cards, escalate and resolve"
            }
            ApiScope::ConversationsRead => "Read conversations and list a customer's",
            ApiScope::KbWrite => "Upload knowledge-base documents",
            ApiScope::JobsRead => "Follow background jobs",
            ApiScope::CustomersPrivacy => "Export or erase everything kept about a customer",
        }
    }
}

impl std::str::FromStr for ApiScope {
    type Err = super::UnknownValue;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        ApiScope::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| super::UnknownValue {
                what: "API scope",
                value: text.to_owned(),
            })
    }
}

/// A key's scopes, stored as one line of words ("messages:write kb:write"), sorted, no repeats.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ApiScopes(pub Vec<ApiScope>);

impl ApiScopes {
    pub fn new(scopes: impl IntoIterator<Item = ApiScope>) -> ApiScopes {
        let mut scopes: Vec<ApiScope> = scopes.into_iter().collect();
        scopes.sort();
        scopes.dedup();
        ApiScopes(scopes)
    }

    pub fn all() -> ApiScopes {
        ApiScopes::new(ApiScope::ALL)
    }

    pub fn allows(&self, scope: ApiScope) -> bool {
        self.0.contains(&scope)
    }

    /// As stored: the words separated by spaces.
    pub fn to_line(&self) -> String {
        self.0
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl TryFrom<String> for ApiScopes {
    type Error = super::UnknownValue;

    fn try_from(line: String) -> Result<Self, Self::Error> {
        line.split_whitespace()
            .map(str::parse)
            .collect::<Result<Vec<_>, _>>()
            .map(ApiScopes::new)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct ApiKey {
    pub id: i64,
    pub name: String,
    /// The first characters of the key, to tell keys apart on the desk.
    pub prefix: String,
    pub rate_per_minute: i64,
    /// What the key may do, chosen when it was created.
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "String"))]
    pub scopes: ApiScopes,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
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

/// What an alert webhook receives (JSON), signed in `X-Signature-256`. It names the
/// conversation and the ticket, never the customer or their words: the team opens the desk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertPayload {
    /// `conversation.escalated`, `ticket.created` or `rating.low`.
    pub event: String,
    /// The delivery's number (also in `X-Delivery-Id`): a receiver can drop a repeat.
    pub delivery_id: i64,
    pub conversation_id: Option<String>,
    pub ticket_id: Option<i64>,
    pub priority: Option<String>,
    pub category: Option<String>,
    /// For `rating.low`: 1-5.
    pub rating: Option<u8>,
    pub occurred_at: DateTime<Utc>,
}

/// One alert sent (or being sent) to a webhook or a team member's email.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertDelivery {
    pub id: i64,
    pub event: String,
    /// `webhook` or `email`.
    pub channel: String,
    pub target: String,
    /// `pending`, `delivered` or `failed` (after the last retry).
    pub status: String,
    pub attempts: i64,
    /// The receiver's last HTTP status (webhooks).
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    /// The next try, while pending.
    pub next_attempt_at: Option<DateTime<Utc>>,
}

/// `GET /api/desk/alerts` (admin): the newest deliveries and where alerts go.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertLog {
    pub deliveries: Vec<AlertDelivery>,
    /// The webhook URLs configured (WEBHOOK_URLS).
    pub webhooks: Vec<String>,
    /// Whether alerts also go by email to the team (SMTP_URL set).
    pub email: bool,
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

/// The cookie that carries a desk session (staff or "Try the desk"), HttpOnly.
pub const STAFF_COOKIE: &str = "staff_session";

/// Whether `value` has the shape of a session token (64 hex digits); anything else reads as no
/// session at all.
pub fn is_session_token(value: &str) -> bool {
    value.len() == 64 && value.chars().all(|c| c.is_ascii_hexdigit())
}

/// `POST /api/desk/login`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignIn {
    pub email: String,
    pub password: String,
}

/// Who is signed in (sign-in, `GET /api/desk/me`), or the account made or changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffAnswer {
    pub staff: StaffMember,
}

/// `GET /api/desk/users` (admin).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffList {
    pub staff: Vec<StaffMember>,
}

/// One line of the audit log: who did what, to what, when and from where.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// The person ("Ada Admin <ada@store.example>"), the API key, or the email a failed
    /// sign-in gave.
    pub actor: String,
    pub staff_id: Option<i64>,
    /// What was done, as `area.verb` (sign_in, conversation.reply, api_key.create…).
    pub action: String,
    /// What it was done to (a conversation id, a ticket, a key, an account, a document).
    pub target: String,
    pub detail: String,
    /// The client's address.
    pub ip: String,
}

impl crate::csv::CsvRecord for AuditEntry {
    const HEADERS: &'static [&'static str] = &[
        "id", "at", "actor", "staff_id", "action", "target", "detail", "ip",
    ];
    fn cells(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.at.to_rfc3339(),
            self.actor.clone(),
            self.staff_id.map(|i| i.to_string()).unwrap_or_default(),
            self.action.clone(),
            self.target.clone(),
            self.detail.clone(),
            self.ip.clone(),
        ]
    }
}

/// `GET /api/desk/audit?before=<id>` (admin): newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditLog {
    pub entries: Vec<AuditEntry>,
    /// Pass as `before` for the next page; none when this is the last.
    pub next_before: Option<i64>,
}

/// `POST /api/desk/me/password`: the signed-in person's own password, with the current one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangePassword {
    pub current_password: String,
    pub new_password: String,
}

/// `POST /api/desk/users/{id}/password` (admin): a new password for someone else.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetPassword {
    pub new_password: String,
}

/// `POST /api/desk/users/{id}/role` (admin).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetRole {
    pub role: StaffRole,
}

/// `POST /api/desk/users` (admin).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewStaff {
    pub email: String,
    pub name: String,
    pub password: String,
    #[serde(default = "default_role")]
    pub role: StaffRole,
}

fn default_role() -> StaffRole {
    StaffRole::Agent
}

/// `POST /api/desk/users/{id}/active` (admin).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetActive {
    pub active: bool,
}

/// `GET /api/desk/api-keys` (admin).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyList {
    pub keys: Vec<ApiKey>,
}

/// `POST /api/desk/api-keys` (admin).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewApiKey {
    pub name: String,
    #[serde(default)]
    pub rate_per_minute: Option<i64>,
    /// At least one; the desk offers each with its description.
    pub scopes: Vec<ApiScope>,
}

/// The new key, with its secret shown this once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedApiKey {
    pub key: ApiKey,
    pub secret: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    pub count: usize,
    pub median_ms: Option<f64>,
    pub p90_ms: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Count {
    pub label: String,
    pub count: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Day {
    pub date: NaiveDate,
    pub conversations: usize,
    pub escalated: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolUse {
    pub tool: String,
    pub calls: usize,
    pub failed: usize,
}

/// `GET /api/desk/analytics?days=N`: the support figures of a period.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Analytics {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub conversations: usize,
    pub customer_messages: usize,
    /// Conversations the agent handled alone: never escalated, no person replied.
    pub automated: usize,
    pub escalated: usize,
    pub human_replied: usize,
    pub resolved: usize,
    pub automation_rate: Option<f64>,
    pub escalation_rate: Option<f64>,
    /// First customer message to the first reply (agent or person).
    pub first_response: Timing,
    /// Escalation to the first reply of a person.
    pub human_first_response: Timing,
    pub by_day: Vec<Day>,
    pub by_category: Vec<Count>,
    pub by_priority: Vec<Count>,
    pub by_sentiment: Vec<Count>,
    pub tools: Vec<ToolUse>,
    /// Ratings, CSAT and thumbs (older servers send none).
    #[serde(default)]
    pub feedback: super::feedback::FeedbackFigures,
    /// First customer message to the resolution, for resolved conversations.
    #[serde(default)]
    pub resolution: Timing,
    /// Each person of the team who replied in the period.
    #[serde(default)]
    pub by_agent: Vec<AgentFigures>,
    /// How much the agent handled alone, by what the customer first asked about.
    #[serde(default)]
    pub by_intent: Vec<IntentAutomation>,
}

/// Conversations by their first customer message's category, and how many the agent handled
/// alone (never escalated, no person replied).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IntentAutomation {
    pub intent: String,
    pub conversations: usize,
    pub automated: usize,
    pub automation_rate: Option<f64>,
}

/// One person's figures over the period.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AgentFigures {
    pub name: String,
    /// Conversations they replied in.
    pub handled: usize,
    /// Of those, resolved.
    pub resolved: usize,
    /// Escalation (or the first message) to their first reply.
    pub first_reply: Timing,
    /// First message to the resolution, for those resolved.
    pub resolution: Timing,
    /// The share of 4 and 5 among those rated.
    pub csat: Option<f64>,
    pub ratings: usize,
}

/// One event of the desk's live stream (`GET /api/desk/events`): the conversation it is about,
/// and what happened (`T` depends on the event: `IndexingProgress` for `kb`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LiveFrame<T> {
    #[serde(default)]
    pub conversation_id: Option<String>,
    pub data: T,
}

/// What a person did to a conversation, as the live stream tells the desk and the customer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum TeamAction {
    /// A reply (event `message`).
    Reply(StaffReply),
    /// Claimed, released or resolved by this person.
    By { name: String },
}

/// The `data` of a conversation event (`claimed`, `released`, `resolved`, `message`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationEvent {
    pub conversation: ConversationSummary,
    pub detail: TeamAction,
}

/// The first event of a customer's stream: who holds the conversation now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerHello {
    pub held_by: Option<String>,
}

/// The first event of the desk's stream: who is listening.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeskHello {
    pub staff: String,
}

/// `classifier` on the live stream: the taught classes changed on some instance (the state is in
/// the database; the other instances take it from there).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassifierChanged {
    /// Whether any class is taught now (false after a reset).
    pub taught: bool,
}

/// A ticket changed status (event `ticket`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketChanged {
    pub ticket_id: i64,
    pub status: TicketStatus,
    pub by: String,
}

/// A customer's turn was stored (event `conversation`, desk only).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TurnStored {
    pub user_message_id: i64,
    pub reply_message_id: i64,
    pub escalated: bool,
    pub held_by: Option<String>,
    pub classification: super::support::Classification,
}

/// Events were missed (a slow reader): reload instead of showing a gap (event `resync`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resync {
    pub missed: u64,
}
