//! The Customer Support service: the agent (rules only at first, the full agent once the
//! knowledge base has loaded in the background), one customer turn or press of an action card,
//! and where the knowledge base stands.

use crate::config::Config;
use crate::services::live::Hub;
use crate::services::llm_registry::LlmRegistry;
use serde_json::json;
use std::sync::{Arc, RwLock};
use support::setup::{KnowledgeSettings, open_knowledge_with};
use support::{SupportAgent, Toolbox, TurnEvent};
use tokio::sync::mpsc;

/// Where the knowledge base stands, for the page and /health/ready.
#[derive(Clone, Debug, serde::Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum KnowledgeState {
    Loading,
    Ready {
        backend: String,
        embedding_model: String,
        chunks: usize,
        indexed_now: usize,
        elapsed_ms: u64,
    },
    Failed {
        reason: String,
    },
}

pub struct SupportService {
    agent: RwLock<Arc<SupportAgent>>,
    knowledge: RwLock<KnowledgeState>,
    kb: RwLock<Option<Arc<kb::KnowledgeBase>>>,
    llm: Option<Arc<support::llm_agent::LlmAgent>>,
    hub: Hub,
    mailer: Option<Arc<dyn support::tools::Mailer>>,
}

impl SupportService {
    /// A rules-only agent over `store`, until `load` brings the knowledge base.
    pub fn new(
        store: store::Store,
        llm: &LlmRegistry,
        hub: Hub,
        mailer: Option<Arc<dyn support::tools::Mailer>>,
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
            knowledge: RwLock::new(KnowledgeState::Loading),
            kb: RwLock::new(None),
            llm,
            hub,
            mailer,
        }
    }

    /// The knowledge base once loaded (uploads and re-indexing work on it).
    pub fn knowledge_base(&self) -> Option<Arc<kb::KnowledgeBase>> {
        match self.kb.read() {
            Ok(k) => k.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
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

    /// One customer turn; the dashboard hears of it when it is stored.
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
                data: json!({
                    "user_message_id": r.user_message_id,
                    "reply_message_id": r.reply_message_id,
                    "escalated": r.escalated,
                    "held_by": r.held_by,
                    "classification": r.classification,
                }),
                for_customer: false,
            });
        }
        result
    }

    pub fn agent(&self) -> Arc<SupportAgent> {
        match self.agent.read() {
            Ok(a) => a.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub fn knowledge(&self) -> KnowledgeState {
        match self.knowledge.read() {
            Ok(k) => k.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn set_knowledge(&self, state: KnowledgeState) {
        match self.knowledge.write() {
            Ok(mut k) => *k = state,
            Err(poisoned) => *poisoned.into_inner() = state,
        }
    }

    /// Opens the knowledge base and swaps in the full agent; failures leave the rules-only agent
    /// answering and are reported on the page.
    pub async fn load(&self, settings: KnowledgeSettings) {
        let store = self.store();
        match store.fail_interrupted_documents().await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(
                documents = n,
                "documents whose indexing a restart interrupted are marked failed"
            ),
            Err(e) => tracing::error!(error = %e, "cannot check interrupted documents"),
        }
        let uploaded = match store.uploaded_chunks().await {
            Ok(rows) => rows.into_iter().map(chunk_of).collect(),
            Err(e) => {
                tracing::error!(error = %e, "cannot read uploaded documents; only the shipped knowledge is searchable");
                Vec::new()
            }
        };
        match open_knowledge_with(&settings, uploaded).await {
            Ok(knowledge) => {
                let kb = knowledge.kb.clone();
                match self.kb.write() {
                    Ok(mut k) => *k = Some(kb.clone()),
                    Err(poisoned) => *poisoned.into_inner() = Some(kb.clone()),
                }
                let agent = SupportAgent::new(
                    Toolbox::new(self.agent().toolbox().store.clone(), Some(kb.clone()))
                        .with_mailer(self.mailer.clone()),
                    Some(knowledge.semantic),
                    self.llm.clone(),
                );
                match self.agent.write() {
                    Ok(mut a) => *a = Arc::new(agent),
                    Err(poisoned) => *poisoned.into_inner() = Arc::new(agent),
                }
                self.set_knowledge(KnowledgeState::Ready {
                    backend: kb.index().label().to_string(),
                    embedding_model: kb.embedder().model().to_string(),
                    chunks: kb.chunks().len(),
                    indexed_now: kb.last_sync.upserted,
                    elapsed_ms: kb.last_sync.elapsed_ms,
                });
            }
            Err(reason) => {
                tracing::error!(%reason, "knowledge base unavailable; support runs on rules only");
                self.set_knowledge(KnowledgeState::Failed { reason });
            }
        }
    }
}

/// The settings, with OpenAI embeddings when a key or compatible server is configured and
/// answers; otherwise (or when it fails) MiniLM in process, so the page still works offline.
pub async fn knowledge_settings_with_remote(config: &Config) -> KnowledgeSettings {
    let mut settings = knowledge_settings(config);
    if let Some(openai) =
        crate::services::llm_registry::openai_settings(config, &config.openai_embedding_model)
    {
        match support::setup::OpenAiEmbeddings::connect(&openai).await {
            Ok(remote) => settings.remote_embedder = Some(Arc::new(remote)),
            Err(e) => {
                tracing::warn!(error = %e, model = %config.openai_embedding_model, "OpenAI embeddings unavailable; the knowledge base uses MiniLM")
            }
        }
    }
    settings
}

pub fn knowledge_settings(config: &Config) -> KnowledgeSettings {
    KnowledgeSettings {
        models_dir: config.models_dir.clone(),
        edge_dir: config.kb_dir.clone(),
        qdrant_url: config
            .qdrant_url
            .as_ref()
            .map(|u| u.as_str().trim_end_matches('/').to_owned()),
        qdrant_api_key: config
            .qdrant_api_key
            .as_ref()
            .map(|k| k.expose().to_owned()),
        threads: config.llm_threads,
        remote_embedder: None,
    }
}

/// A stored chunk back into the knowledge base's form.
pub fn chunk_of(row: store::operations::DocumentChunk) -> kb::Chunk {
    kb::Chunk::from_stored(
        row.id,
        row.audience,
        row.doc_type,
        row.category,
        row.title,
        &row.tags,
        row.content,
    )
}
