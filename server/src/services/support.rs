//! The Customer Support service: the agent (rules only at first, the full agent once the
//! knowledge base has loaded in the background), one customer turn or press of an action card,
//! and where the knowledge base stands.

use crate::services::alerts::{Alert, Alerts};
use crate::services::live::Hub;
use crate::services::llm_registry::LlmRegistry;
use domain::api::desk::TurnStored;
use domain::api::support::Classification;
use std::sync::{Arc, RwLock};
use support::{SupportAgent, Toolbox, TurnEvent};
use tokio::sync::mpsc;

pub struct SupportService {
    agent: RwLock<Arc<SupportAgent>>,
    llm: Option<Arc<support::llm_agent::LlmAgent>>,
    hub: Hub,
    mailer: Option<Arc<dyn support::tools::Mailer>>,
    alerts: Alerts,
    /// `STORE_TRANSCRIPTS`: whether a conversation's words outlive it.
    keeps_transcripts: bool,
}

impl SupportService {
    /// A rules-only agent over `store`, until `load` brings the knowledge base.
    pub fn new(
        store: store::Store,
        llm: &LlmRegistry,
        hub: Hub,
        mailer: Option<Arc<dyn support::tools::Mailer>>,
        alerts: Alerts,
    ) -> SupportService {
        let llm = llm
            .support_provider()
            .map(|p| Arc::new(support::llm_agent::LlmAgent::new(p)));
        SupportService {
            agent: RwLock::new(Arc::new(SupportAgent::new(
                Toolbox::new(store, None).with_mailer(mailer.clone()),
                None,
                llm.clone(),
            ))),
            llm,
            hub,
            mailer,
            alerts,
            keeps_transcripts: true,
        }
    }

    /// With `false`, a conversation's words are removed when it is resolved or left idle; only
    /// its classifications and figures stay.
    pub fn with_transcripts(mut self, keep: bool) -> SupportService {
        self.keeps_transcripts = keep;
        self
    }

    pub fn keeps_transcripts(&self) -> bool {
        self.keeps_transcripts
    }

    /// Where alerts to the team go.
    pub fn alerts(&self) -> &Alerts {
        &self.alerts
    }

    pub fn store(&self) -> store::Store {
        self.agent().toolbox().store.clone()
    }

    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    /// Whether one-time codes go out by real mail (otherwise only to the demo inbox).
    pub fn smtp_configured(&self) -> bool {
        self.agent().toolbox().mailer.is_some()
    }

    /// A turn whose progress nobody watches (the REST API, the "Talk to a human" button): only
    /// the stored result matters.
    pub async fn turn_quietly(
        &self,
        session: &str,
        message: &str,
    ) -> Result<support::TurnResult, support::AgentError> {
        self.answer_quietly(session, support::Input::Text(message))
            .await
    }

    /// A message or a press on an action card whose progress nobody watches.
    pub async fn answer_quietly(
        &self,
        session: &str,
        input: support::Input<'_>,
    ) -> Result<support::TurnResult, support::AgentError> {
        let (tx, mut rx) = mpsc::channel(32);
        let drain = tokio::spawn(async move { while rx.recv().await.is_some() {} });
        let result = self.answer(session, input, tx).await;
        let _ = drain.await;
        result
    }

    /// One customer turn; the desk hears of it when it is stored.
    pub async fn turn(
        &self,
        session: &str,
        message: &str,
        events: mpsc::Sender<TurnEvent>,
    ) -> Result<support::TurnResult, support::AgentError> {
        self.answer(session, support::Input::Text(message), events)
            .await
    }

    /// A message or a press of Confirm / Cancel on an action card.
    pub async fn answer(
        &self,
        session: &str,
        input: support::Input<'_>,
        events: mpsc::Sender<TurnEvent>,
    ) -> Result<support::TurnResult, support::AgentError> {
        let result = self
            .agent()
            .answer(session, input, events, chrono::Utc::now())
            .await;
        if let Ok(r) = &result {
            self.hub.publish(crate::services::live::LiveEvent {
                kind: "conversation",
                conversation_id: Some(session.to_owned()),
                data: serde_json::to_value(TurnStored {
                    user_message_id: r.user_message_id,
                    reply_message_id: r.reply_message_id,
                    escalated: r.escalated,
                    held_by: r.held_by.clone(),
                    classification: Classification {
                        category: r.classification.category.clone(),
                        priority: r.classification.priority.clone(),
                        sentiment: r.classification.sentiment.clone(),
                        escalate: r.classification.escalate,
                    },
                })
                .unwrap_or_default(),
                for_customer: false,
            });
            for alert in alerts_of(session, r) {
                self.alerts.raise(alert).await;
            }
        }
        result
    }

    pub fn agent(&self) -> Arc<SupportAgent> {
        match self.agent.read() {
            Ok(a) => a.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Swaps in the full agent once the knowledge base and MiniLM are ready.
    pub fn attach_knowledge(
        &self,
        kb: Arc<kb::KnowledgeBase>,
        semantic: Arc<support::understanding::semantic::Semantic>,
    ) {
        let agent = SupportAgent::new(
            Toolbox::new(self.store(), Some(kb)).with_mailer(self.mailer.clone()),
            Some(semantic),
            self.llm.clone(),
        );
        match self.agent.write() {
            Ok(mut a) => *a = Arc::new(agent),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(agent),
        }
    }
}

/// What of a turn the team is alerted to: an escalation (with its ticket), or a ticket the agent
/// opened without one.
fn alerts_of(session: &str, r: &support::TurnResult) -> Vec<Alert> {
    let outcome_of = |tool: &str| r.tools.iter().find(|o| o.tool == tool && o.ok);
    let ticket_of = |tool: &str| {
        outcome_of(tool)
            .and_then(|o| o.result.get("ticket_id"))
            .and_then(serde_json::Value::as_i64)
    };
    // Asking again while a person is on the way reuses the open ticket: the team already knows.
    let already_open = outcome_of("escalate_to_human")
        .and_then(|o| o.result.get("already_open"))
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(false);
    let (priority, category) = (
        r.classification.priority.clone(),
        r.classification.category.clone(),
    );
    if r.escalated {
        if already_open {
            return Vec::new();
        }
        return vec![Alert::Escalated {
            conversation_id: session.to_owned(),
            ticket_id: ticket_of("escalate_to_human"),
            priority,
            category,
        }];
    }
    match ticket_of("create_support_ticket") {
        Some(ticket_id) => vec![Alert::TicketCreated {
            conversation_id: session.to_owned(),
            ticket_id,
            priority,
            category,
        }],
        None => Vec::new(),
    }
}
