//! The chat providers this server can use. The embedded model loads on first use (about a
//! second) rather than at startup, so a server that never chats stays small.

use crate::config::Config;
use llm::{ChatProvider, EmbeddedProvider, LlmError};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::OnceCell;

pub const EMBEDDED_MODEL_FILE: &str = "smollm2/SmolLM2-135M-Instruct.Q4_1.gguf";

pub struct LlmRegistry {
    model_path: PathBuf,
    threads: usize,
    embedded: OnceCell<Result<Arc<EmbeddedProvider>, LlmError>>,
}

/// The embedded model's state, for /health/ready.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelState {
    NotLoaded,
    Ready,
    Failed,
}

impl LlmRegistry {
    pub fn new(config: &Config) -> LlmRegistry {
        LlmRegistry {
            model_path: config.models_dir.join(EMBEDDED_MODEL_FILE),
            threads: config.llm_threads,
            embedded: OnceCell::new(),
        }
    }

    /// The provider that answers chats. (Cloud providers join here with the OpenAI layer.)
    pub async fn chat_provider(&self) -> Result<Arc<dyn ChatProvider>, LlmError> {
        let provider = self.embedded().await?;
        Ok(provider)
    }

    pub async fn embedded(&self) -> Result<Arc<EmbeddedProvider>, LlmError> {
        let loaded = self
            .embedded
            .get_or_init(|| async {
                let path = self.model_path.clone();
                let threads = self.threads;
                match tokio::task::spawn_blocking(move || EmbeddedProvider::load(&path, threads))
                    .await
                {
                    Ok(Ok(provider)) => Ok(Arc::new(provider)),
                    Ok(Err(e)) => {
                        tracing::error!(error = %e, "embedded model unavailable");
                        Err(e)
                    }
                    Err(e) => Err(LlmError::Failed(format!("model loading task ended: {e}"))),
                }
            })
            .await;
        loaded.clone()
    }

    pub fn embedded_state(&self) -> ModelState {
        match self.embedded.get() {
            None => ModelState::NotLoaded,
            Some(Ok(_)) => ModelState::Ready,
            Some(Err(_)) => ModelState::Failed,
        }
    }

    pub fn model_file_present(&self) -> bool {
        self.model_path.is_file()
    }
}
