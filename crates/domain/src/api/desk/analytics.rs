//! The desk's analytics: volumes, timings, tool use, automation and each person's figures.

use super::*;

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
    pub feedback: crate::api::feedback::FeedbackFigures,
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
