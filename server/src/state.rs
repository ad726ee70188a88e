//! What the routes share: one state, from which each handler extracts the parts it needs
//! (`FromRef`), so an extractor or handler names the part, not the whole.

use crate::config::Config;
use crate::services::{audit, classifier, gpt, knowledge, limits, llm_registry, metrics, support};
use app::state::AppState;
use leptos::prelude::LeptosOptions;
use std::sync::Arc;
use store::Store;

/// Everything the routes share; handlers extract the parts they need (`FromRef`).
#[derive(Clone, axum::extract::FromRef)]
pub struct ServerState {
    pub app: AppState,
    pub llm: Arc<llm_registry::LlmRegistry>,
    pub chat_limit: limits::ChatLimit,
    pub support: Arc<support::SupportService>,
    pub images: Arc<imagegen::ImageService>,
    pub classifier: Arc<classifier::ClassifierService>,
    pub gpt: Arc<gpt::GptBackend>,
    pub metrics: metrics::Metrics,
    pub leptos_options: LeptosOptions,
    pub config: Arc<Config>,
    pub key_limits: limits::KeyLimits,
    pub knowledge: Arc<knowledge::KnowledgeService>,
    pub audit: audit::Audit,
    pub voice: Arc<crate::services::voice::VoiceService>,
}

impl axum::extract::FromRef<ServerState> for Store {
    fn from_ref(state: &ServerState) -> Store {
        state.app.store.clone()
    }
}
