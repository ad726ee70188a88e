//! The live streams: the events the desk and a customer's chat receive.

use super::*;

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
    pub classification: crate::api::support::Classification,
}

/// Events were missed (a slow reader): reload instead of showing a gap (event `resync`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resync {
    pub missed: u64,
}
