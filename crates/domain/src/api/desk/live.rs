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
///
/// Written untagged; read through `TeamActionWire` (the same JSON): a derived untagged enum
/// copies the payload into serde's generic buffer (`Content`) to try each shape in turn, code the
/// customer's page would carry only for this.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged, try_from = "TeamActionWire")]
pub enum TeamAction {
    /// A reply (event `message`).
    Reply(StaffReply),
    /// Claimed, released or resolved by this person.
    By { name: String },
}

/// `TeamAction` as JSON has it: a reply's fields, or only the person's `name`.
#[derive(Deserialize)]
struct TeamActionWire {
    name: Option<String>,
    id: Option<i64>,
    role: Option<MessageRole>,
    text: Option<String>,
    html: Option<String>,
    author: Option<String>,
    created_at: Option<DateTime<Utc>>,
}

impl TryFrom<TeamActionWire> for TeamAction {
    type Error = String;

    fn try_from(wire: TeamActionWire) -> Result<Self, String> {
        if let Some(name) = wire.name {
            return Ok(TeamAction::By { name });
        }
        let missing = |field: &str| format!("a reply needs `{field}`");
        Ok(TeamAction::Reply(StaffReply {
            id: wire.id.ok_or_else(|| missing("id"))?,
            role: wire.role.ok_or_else(|| missing("role"))?,
            text: wire.text.ok_or_else(|| missing("text"))?,
            html: wire.html.ok_or_else(|| missing("html"))?,
            author: wire.author.ok_or_else(|| missing("author"))?,
            created_at: wire.created_at.ok_or_else(|| missing("created_at"))?,
        }))
    }
}

impl TeamAction {
    /// Reads what a person did from a conversation event (`LiveFrame<ConversationEvent>`): only
    /// `detail`, since the customer's page has no use for the desk's summary of the conversation.
    pub fn read(data: &str) -> Option<TeamAction> {
        /// `ConversationEvent` without its `conversation`.
        #[derive(Deserialize)]
        struct Detail {
            detail: TeamAction,
        }
        serde_json::from_str::<LiveFrame<Detail>>(data)
            .map(|f| f.data.detail)
            .ok()
    }

    /// The person who acted.
    pub fn name(&self) -> &str {
        match self {
            TeamAction::Reply(reply) => &reply.author,
            TeamAction::By { name } => name,
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_team_action_reads_back_what_it_wrote() {
        let reply = TeamAction::Reply(StaffReply {
            id: 7,
            role: MessageRole::Agent,
            text: "Hi".into(),
            html: "<p>Hi</p>".into(),
            author: "Ada".into(),
            created_at: DateTime::from_timestamp(1_796_292_000, 0).expect("a time"),
        });
        let by = TeamAction::By { name: "Ada".into() };
        for action in [reply, by] {
            let json = serde_json::to_string(&action).expect("serialises");
            let back: TeamAction = serde_json::from_str(&json).expect("reads back");
            assert_eq!(back, action, "{json}");
            let frame = format!(
                r#"{{"conversation_id":"c1","data":{{"conversation":{{}},"detail":{json}}}}}"#
            );
            assert_eq!(TeamAction::read(&frame), Some(action));
        }
        let partial = serde_json::from_str::<TeamAction>(r#"{"author":"Ada"}"#);
        assert!(partial.is_err_and(|e| e.to_string().contains("needs `id`")));
    }
}
