//! One turn of the support chat as a stream of events (what the page shows while it happens),
//! and the tool runner that reports each call as it starts and ends.

use crate::tools::{Citation, Confirmation, Proposal, Session, ToolName, ToolOutcome, Toolbox};
use crate::understanding::classify::Classification;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::mpsc;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TurnEvent {
    /// Who answers this turn ("offline planner" or the LLM's provider and model).
    Meta {
        backend: String,
        model: String,
    },
    Classification(Classification),
    ToolStarted {
        call_id: String,
        name: String,
        arguments: Value,
    },
    ToolFinished {
        call_id: String,
        outcome: Box<ToolOutcome>,
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
        ticket_id: Option<i64>,
    },
    /// A person holds the conversation: the message is stored for them and the agent stays quiet.
    Held {
        name: String,
    },
    /// An irreversible action waits for the customer: the page shows it as a card with Confirm
    /// and Cancel.
    Proposal {
        proposal: Box<Proposal>,
    },
}

/// Runs tools for one turn, reporting each to the page and keeping the outcomes for memory.
pub struct ToolRunner<'a> {
    toolbox: &'a Toolbox,
    pub session: &'a mut Session,
    now: DateTime<Utc>,
    events: &'a mpsc::Sender<TurnEvent>,
    pub outcomes: Vec<(String, ToolOutcome)>,
    /// Passage ids the reply actually relies on, in the order of its [1], [2] markers.
    pub cited: Vec<String>,
    next_id: usize,
    /// Makes call ids unique across the turns of a conversation (the transcript replays them).
    id_prefix: String,
}

impl<'a> ToolRunner<'a> {
    pub fn new(
        toolbox: &'a Toolbox,
        session: &'a mut Session,
        now: DateTime<Utc>,
        events: &'a mpsc::Sender<TurnEvent>,
    ) -> ToolRunner<'a> {
        ToolRunner {
            toolbox,
            session,
            now,
            events,
            outcomes: Vec::new(),
            cited: Vec::new(),
            next_id: 0,
            id_prefix: "call".into(),
        }
    }

    /// Names this turn's call ids after `prefix` (the user message's id, say).
    pub fn with_id_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.id_prefix = prefix.into();
        self
    }

    pub fn toolbox(&self) -> &Toolbox {
        self.toolbox
    }

    pub async fn emit(&self, event: TurnEvent) {
        // A closed page is not an error: the turn still completes and is stored.
        let _ = self.events.send(event).await;
    }

    /// Calls a tool with an id of the runner's choosing.
    pub async fn call(&mut self, tool: ToolName, arguments: Value) -> ToolOutcome {
        self.next_id += 1;
        let call_id = format!("{}_{}", self.id_prefix, self.next_id);
        self.call_with_id(call_id, tool.as_str(), arguments).await
    }

    /// Calls a tool under the id a model gave the call.
    pub async fn call_with_id(
        &mut self,
        call_id: String,
        name: &str,
        arguments: Value,
    ) -> ToolOutcome {
        self.emit(TurnEvent::ToolStarted {
            call_id: call_id.clone(),
            name: name.to_string(),
            arguments: arguments.clone(),
        })
        .await;
        let outcome = self
            .toolbox
            .run(name, arguments, self.session, self.now)
            .await;
        self.record(call_id, outcome.clone()).await;
        outcome
    }

    /// Reports a finished call (and the card of a proposal) and keeps it for memory.
    async fn record(&mut self, call_id: String, outcome: ToolOutcome) {
        self.emit(TurnEvent::ToolFinished {
            call_id: call_id.clone(),
            outcome: Box::new(outcome.clone()),
        })
        .await;
        if let Some(proposal) = &outcome.proposal {
            self.emit(TurnEvent::Proposal {
                proposal: Box::new(proposal.clone()),
            })
            .await;
        }
        self.outcomes.push((call_id, outcome));
    }

    /// The customer's answer to the proposal `id`: carries it out, or drops it.
    pub async fn decide(&mut self, id: &str, confirm: bool) -> Confirmation {
        if !confirm {
            return self.toolbox.decline(id, self.session, self.now).await;
        }
        let decision = self.toolbox.confirm(id, self.session, self.now).await;
        if let Confirmation::Done(outcome) = &decision {
            self.next_id += 1;
            let call_id = format!("{}_{}", self.id_prefix, self.next_id);
            self.emit(TurnEvent::ToolStarted {
                call_id: call_id.clone(),
                name: outcome.tool.clone(),
                arguments: outcome.arguments.clone(),
            })
            .await;
            self.record(call_id, (**outcome).clone()).await;
        }
        decision
    }

    /// The proposal made this turn, if any (the newest replaces older ones).
    pub fn proposal(&self) -> Option<Proposal> {
        self.outcomes
            .iter()
            .rev()
            .find_map(|(_, o)| o.proposal.clone())
    }

    /// Marks a passage as used by the reply (the next [n] marker).
    pub fn cite(&mut self, id: &str) {
        if !self.cited.iter().any(|c| c == id) {
            self.cited.push(id.to_string());
        }
    }

    /// The passages the reply cites, in marker order (retrieved but unused ones are left out).
    pub fn citations(&self) -> Vec<Citation> {
        self.cited
            .iter()
            .filter_map(|id| {
                self.outcomes
                    .iter()
                    .flat_map(|(_, o)| o.citations.iter())
                    .find(|c| &c.id == id)
                    .cloned()
            })
            .collect()
    }

    /// Every passage retrieved this turn, in retrieval order.
    pub fn retrieved(&self) -> Vec<Citation> {
        let mut all: Vec<Citation> = Vec::new();
        for (_, o) in &self.outcomes {
            for c in &o.citations {
                if !all.iter().any(|a| a.id == c.id) {
                    all.push(c.clone());
                }
            }
        }
        all
    }
}
