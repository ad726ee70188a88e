//! Alerts: what a webhook receives, and the log of alerts sent.

use super::*;

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
