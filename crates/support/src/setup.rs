//! Building the support stack from settings: the embedder, the knowledge base on the chosen
//! Qdrant, and the similarity helper, shared by the server, the eval harness and the benchmark.

use crate::understanding::semantic::Semantic;
use kb::{Embedder, KnowledgeBase, RemoteEmbedder, VectorIndex};
use llm_embedded::embedding::{EMBEDDING_MODEL_DIR, SentenceEmbedder};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Clone)]
pub struct KnowledgeSettings {
    /// Holds `minilm/` (scripts/fetch-models.sh puts it there).
    pub models_dir: PathBuf,
    /// Where the embedded Qdrant keeps its shards (one folder per collection).
    pub edge_dir: PathBuf,
    pub qdrant_url: Option<String>,
    pub qdrant_api_key: Option<String>,
    pub threads: usize,
    /// OpenAI embeddings instead of MiniLM for the knowledge base (the planner keeps MiniLM).
    pub remote_embedder: Option<Arc<dyn RemoteEmbedder>>,
}

pub struct Knowledge {
    pub kb: Arc<KnowledgeBase>,
    pub semantic: Arc<Semantic>,
}

/// Loads MiniLM from `models_dir`.
pub async fn load_minilm(settings: &KnowledgeSettings) -> Result<Arc<SentenceEmbedder>, String> {
    let dir = settings.models_dir.join(EMBEDDING_MODEL_DIR);
    let threads = settings.threads;
    tokio::task::spawn_blocking(move || SentenceEmbedder::load(&dir, threads))
        .await
        .map_err(|e| format!("loading the embedding model failed: {e}"))?
        .map(Arc::new)
        .map_err(|e| e.to_string())
}

/// OpenAI (or compatible) embeddings as the knowledge base's embedder. Its dimension is learnt
/// from one probe call, since the collection must be created with it.
pub struct OpenAiEmbeddings {
    inner: llm::OpenAiEmbedder,
    dimension: usize,
}

impl OpenAiEmbeddings {
    pub async fn connect(settings: &llm::OpenAiSettings) -> Result<OpenAiEmbeddings, String> {
        let inner = llm::OpenAiEmbedder::new(settings);
        let probe = inner
            .embed(vec!["dimension probe".into()])
            .await
            .map_err(|e| e.to_string())?;
        let dimension = probe
            .first()
            .map(Vec::len)
            .filter(|d| *d > 0)
            .ok_or("the embedding model returned an empty vector")?;
        Ok(OpenAiEmbeddings { inner, dimension })
    }
}

impl RemoteEmbedder for OpenAiEmbeddings {
    fn model(&self) -> &str {
        self.inner.model()
    }

    fn dimension(&self) -> usize {
        self.dimension
    }

    fn embed(&self, texts: Vec<String>) -> kb::EmbedFuture<'_> {
        Box::pin(async move { self.inner.embed(texts).await.map_err(|e| e.to_string()) })
    }
}

/// Opens (and, at first start, fills) the knowledge base.
pub async fn open_knowledge(settings: &KnowledgeSettings) -> Result<Knowledge, String> {
    open_knowledge_with(settings, Vec::new()).await
}

/// Like [`open_knowledge`], with uploaded documents' chunks searchable alongside the shipped ones.
pub async fn open_knowledge_with(
    settings: &KnowledgeSettings,
    uploaded: Vec<kb::Chunk>,
) -> Result<Knowledge, String> {
    open_knowledge_keeping(settings, uploaded, &[]).await
}

/// Like [`open_knowledge_with`], leaving alone the stored points whose chunk id starts with one
/// of `keep` (documents still being indexed, possibly by another instance into a shared
/// collection).
pub async fn open_knowledge_keeping(
    settings: &KnowledgeSettings,
    uploaded: Vec<kb::Chunk>,
    keep: &[String],
) -> Result<Knowledge, String> {
    let minilm = Embedder::Local(load_minilm(settings).await?);
    let semantic = Arc::new(
        Semantic::new(minilm.clone())
            .await
            .map_err(|e| e.to_string())?,
    );
    let embedder = match &settings.remote_embedder {
        Some(remote) => Embedder::Remote(remote.clone()),
        None => minilm,
    };
    let collection = embedder.collection_name();
    let index = match &settings.qdrant_url {
        Some(url) => VectorIndex::connect_server(
            url,
            settings.qdrant_api_key.clone(),
            &collection,
            embedder.dimension(),
        )
        .await
        .map_err(|e| e.to_string())?,
        None => {
            let dir = settings.edge_dir.join(&collection);
            let dimension = embedder.dimension();
            tokio::task::spawn_blocking(move || VectorIndex::open_edge(&dir, dimension))
                .await
                .map_err(|e| format!("opening the embedded Qdrant failed: {e}"))?
                .map_err(|e| e.to_string())?
        }
    };
    let kb = KnowledgeBase::open_keeping(index, embedder, uploaded, keep)
        .await
        .map_err(|e| e.to_string())?;
    Ok(Knowledge {
        kb: Arc::new(kb),
        semantic,
    })
}
