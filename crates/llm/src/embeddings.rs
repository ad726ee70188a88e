//! Embeddings from OpenAI or any compatible server (`/v1/embeddings`), for a knowledge base that
//! should use the cloud model instead of the in-process MiniLM.

use crate::LlmError;
use crate::openai::OpenAiSettings;
use async_openai::Client;
use async_openai::config::OpenAIConfig;
use serde::Deserialize;

pub struct OpenAiEmbedder {
    client: Client<OpenAIConfig>,
    model: String,
}

#[derive(Deserialize)]
struct EmbeddingList {
    data: Vec<EmbeddingItem>,
}

#[derive(Deserialize)]
struct EmbeddingItem {
    #[serde(default)]
    index: usize,
    embedding: Vec<f32>,
}

impl OpenAiEmbedder {
    /// `settings.model` is the embedding model (e.g. text-embedding-3-small).
    pub fn new(settings: &OpenAiSettings) -> OpenAiEmbedder {
        let config = crate::openai::client_config(settings);
        OpenAiEmbedder {
            client: Client::with_config(config),
            model: settings.model.clone(),
        }
    }

    pub fn model(&self) -> &str {
        &self.model
    }

    /// Unit vectors for `texts`, in their order.
    pub async fn embed(&self, texts: Vec<String>) -> Result<Vec<Vec<f32>>, LlmError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let count = texts.len();
        let request =
            serde_json::json!({ "model": self.model, "input": texts, "encoding_format": "float" });
        let mut list: EmbeddingList = self
            .client
            .embeddings()
            .create_byot(request)
            .await
            .map_err(|e| LlmError::Failed(format!("embeddings from {}: {e}", self.model)))?;
        if list.data.len() != count {
            return Err(LlmError::Failed(format!(
                "asked {} for {count} embeddings and got {}",
                self.model,
                list.data.len()
            )));
        }
        list.data.sort_by_key(|d| d.index);
        Ok(list
            .data
            .into_iter()
            .map(|d| {
                let norm = d
                    .embedding
                    .iter()
                    .map(|x| x * x)
                    .sum::<f32>()
                    .sqrt()
                    .max(1e-12);
                d.embedding.into_iter().map(|x| x / norm).collect()
            })
            .collect())
    }
}
