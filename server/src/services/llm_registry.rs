//! The chat providers this server can use: the embedded model always (loaded on first use), and
//! an OpenAI or OpenAI-compatible server when configured, which then answers first and falls back
//! to the embedded model when it fails.

use crate::config::Config;
use llm::{ChatProvider, FallbackProvider, LazyEmbeddedProvider, OpenAiProvider, OpenAiSettings};
use secrecy::ExposeSecret;
use std::sync::Arc;

pub struct LlmRegistry {
    embedded: Arc<LazyEmbeddedProvider>,
    openai: Option<Arc<OpenAiProvider>>,
    support: Option<Arc<OpenAiProvider>>,
}

/// The embedded model's state, for /health/ready.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelState {
    NotLoaded,
    Ready,
    Failed,
}

/// Settings for `model` on the configured OpenAI or compatible server; `None` without one.
pub fn openai_settings(config: &Config, model: &str) -> Option<OpenAiSettings> {
    if config.openai_api_key.is_none() && config.openai_base_url.is_none() {
        return None;
    }
    let mut settings = OpenAiSettings::new(model);
    settings.base_url = config
        .openai_base_url
        .as_ref()
        .map(|u| u.as_str().trim_end_matches('/').to_owned());
    settings.api_key = config
        .openai_api_key
        .as_ref()
        .map(|k| k.expose_secret().to_owned());
    Some(settings)
}

impl LlmRegistry {
    pub fn new(config: &Config) -> LlmRegistry {
        let embedded = Arc::new(LazyEmbeddedProvider::new(
            config.models_dir.join(llm::EMBEDDED_MODEL_FILE),
            config.llm_threads,
        ));
        let openai = openai_settings(config, &config.openai_chat_model)
            .map(|s| Arc::new(OpenAiProvider::new(s)));
        // The support agent has its own model setting (function calling wants a capable one).
        let support = openai_settings(config, &config.openai_support_model)
            .map(|s| Arc::new(OpenAiProvider::new(s)));
        LlmRegistry {
            embedded,
            openai,
            support,
        }
    }

    /// Who answers chats: the configured cloud model with the embedded one behind it, or the
    /// embedded model alone.
    /// `prefer`: "embedded" forces the embedded model; anything else uses the cloud when there is one.
    pub fn chat_provider(&self, prefer: Option<&str>) -> Arc<dyn ChatProvider> {
        match (&self.openai, prefer) {
            (_, Some("embedded")) | (None, _) => self.embedded.clone(),
            (Some(openai), _) => {
                Arc::new(FallbackProvider::new(openai.clone(), self.embedded.clone()))
            }
        }
    }

    /// The function-calling model for the support agent, when one is configured.
    pub fn support_provider(&self) -> Option<Arc<dyn ChatProvider>> {
        self.support.clone().map(|p| p as Arc<dyn ChatProvider>)
    }

    pub fn embedded_state(&self) -> ModelState {
        match self.embedded.loaded() {
            None => ModelState::NotLoaded,
            Some(true) => ModelState::Ready,
            Some(false) => ModelState::Failed,
        }
    }

    pub fn model_file_present(&self) -> bool {
        self.embedded.file_present()
    }

    /// For /health/ready: the cloud provider, if any, and its circuit's state.
    pub fn cloud_status(&self) -> Option<(String, String, &'static str)> {
        self.openai.as_ref().map(|p| {
            (
                p.provider().to_owned(),
                p.model().to_owned(),
                p.circuit_state(),
            )
        })
    }
}
