//! The support knowledge base: the shipped chunks, embedded with MiniLM in process (or a remote
//! embedding model), stored in Qdrant, and searched with the vector score combined with a BM25
//! keyword score.

pub mod chunks;
pub mod index;
pub mod ingest;
pub mod keyword;

pub use chunks::{Chunk, catalogue};
pub use index::{IndexedPoint, PayloadFilter, VectorIndex};

use llm_embedded::embedding::SentenceEmbedder;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, RwLock};
use std::time::Instant;

/// Weight of the vector score in the combined score; the keyword score gets the rest.
const VECTOR_WEIGHT: f32 = 0.75;
/// Texts per embedding call while indexing.
const EMBED_BATCH: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum KbError {
    #[error("vector index: {0}")]
    Index(String),
    #[error("embedding: {0}")]
    Embedding(String),
}

pub type EmbedFuture<'a> = Pin<Box<dyn Future<Output = Result<Vec<Vec<f32>>, String>> + Send + 'a>>;

/// An embedding model behind an API (OpenAI embeddings); the LLM layer implements it.
pub trait RemoteEmbedder: Send + Sync {
    fn model(&self) -> &str;
    fn dimension(&self) -> usize;
    fn embed(&self, texts: Vec<String>) -> EmbedFuture<'_>;
}

#[derive(Clone)]
pub enum Embedder {
    Local(Arc<SentenceEmbedder>),
    Remote(Arc<dyn RemoteEmbedder>),
}

impl Embedder {
    pub fn model(&self) -> &str {
        match self {
            Embedder::Local(_) => llm_embedded::embedding::EMBEDDING_MODEL_NAME,
            Embedder::Remote(r) => r.model(),
        }
    }

    pub fn dimension(&self) -> usize {
        match self {
            Embedder::Local(_) => llm_embedded::embedding::EMBEDDING_DIMENSION,
            Embedder::Remote(r) => r.dimension(),
        }
    }

    pub fn is_local(&self) -> bool {
        matches!(self, Embedder::Local(_))
    }

    /// One collection per embedding model: vectors of different models never mix.
    pub fn collection_name(&self) -> String {
        let slug: String = self
            .model()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect();
        format!("support_kb_{slug}")
    }

    /// Unit vectors for `texts`, in order.
    pub async fn embed(&self, texts: Vec<String>) -> Result<Vec<Vec<f32>>, KbError> {
        match self {
            Embedder::Local(model) => {
                let model = model.clone();
                tokio::task::spawn_blocking(move || {
                    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
                    model.embed(&refs)
                })
                .await
                .map_err(|e| KbError::Embedding(format!("embedding task failed: {e}")))?
                .map_err(|e| KbError::Embedding(e.to_string()))
            }
            Embedder::Remote(remote) => {
                let count = texts.len();
                let vectors = remote.embed(texts).await.map_err(KbError::Embedding)?;
                if vectors.len() != count {
                    return Err(KbError::Embedding(format!(
                        "asked for {count} embeddings, got {}",
                        vectors.len()
                    )));
                }
                Ok(vectors)
            }
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchFilter {
    pub audience: Option<String>,
    pub doc_type: Option<String>,
    pub category: Option<String>,
}

impl SearchFilter {
    fn matches(&self, chunk: &Chunk) -> bool {
        self.audience.as_deref().is_none_or(|a| chunk.audience == a)
            && self.doc_type.as_deref().is_none_or(|d| chunk.doc_type == d)
            && self.category.as_deref().is_none_or(|c| chunk.category == c)
    }

    fn payload_filter(&self) -> PayloadFilter {
        let mut must = Vec::new();
        for (key, value) in [
            ("audience", &self.audience),
            ("doc_type", &self.doc_type),
            ("category", &self.category),
        ] {
            if let Some(value) = value {
                must.push((key.to_string(), value.clone()));
            }
        }
        PayloadFilter { must }
    }
}

/// One search result: the chunk and how it scored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Passage {
    pub id: String,
    pub title: String,
    pub audience: String,
    pub doc_type: String,
    pub category: String,
    pub product: Option<String>,
    pub content: String,
    /// The combined score used for ranking (0..1).
    pub score: f32,
    pub vector_score: f32,
    pub keyword_score: f32,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SyncReport {
    pub upserted: usize,
    pub removed: usize,
    pub total: usize,
    pub elapsed_ms: u64,
}

pub struct KnowledgeBase {
    index: VectorIndex,
    embedder: Embedder,
    /// The shipped chunks plus uploaded documents' chunks; replaced whole when documents come
    /// or go, so a search always sees one consistent set.
    corpus: RwLock<Arc<Corpus>>,
    pub last_sync: SyncReport,
}

/// The searchable chunks with their keyword index.
pub struct Corpus {
    pub chunks: Vec<Chunk>,
    keyword: keyword::KeywordIndex,
    by_point: HashMap<u64, usize>,
}

impl Corpus {
    fn new(chunks: Vec<Chunk>) -> Corpus {
        let by_point = chunks
            .iter()
            .enumerate()
            .map(|(i, c)| (c.point_id(), i))
            .collect();
        Corpus {
            keyword: keyword::KeywordIndex::new(&chunks),
            chunks,
            by_point,
        }
    }

    pub fn len(&self) -> usize {
        self.chunks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.chunks.is_empty()
    }
}

/// Progress of an indexing run: chunks embedded and written so far, of the total.
pub type Progress<'a> = &'a (dyn Fn(usize, usize) + Send + Sync);

fn payload_for(chunk: &Chunk) -> Map<String, Value> {
    let mut payload = Map::new();
    payload.insert("chunk_id".into(), Value::String(chunk.id.clone()));
    payload.insert("audience".into(), Value::String(chunk.audience.clone()));
    payload.insert("doc_type".into(), Value::String(chunk.doc_type.clone()));
    payload.insert("category".into(), Value::String(chunk.category.clone()));
    payload.insert(
        "product".into(),
        chunk
            .product
            .clone()
            .map(Value::String)
            .unwrap_or(Value::Null),
    );
    payload.insert("title".into(), Value::String(chunk.title.clone()));
    payload.insert(
        "tags".into(),
        Value::Array(chunk.tags.iter().cloned().map(Value::String).collect()),
    );
    payload.insert("content".into(), Value::String(chunk.content.clone()));
    // A string: JSON numbers above 2^53 would not survive every reader.
    payload.insert(
        "fingerprint".into(),
        Value::String(format!("{:016x}", chunk.fingerprint())),
    );
    payload
}

impl KnowledgeBase {
    /// Opens the knowledge base over `index` and brings the index up to date with the shipped
    /// chunks: new or changed chunks are embedded and written, removed ones deleted. A second
    /// start with nothing changed writes nothing.
    pub async fn open(index: VectorIndex, embedder: Embedder) -> Result<KnowledgeBase, KbError> {
        Self::open_with(index, embedder, Vec::new()).await
    }

    /// Like [`KnowledgeBase::open`], with uploaded documents' chunks alongside the shipped ones.
    pub async fn open_with(
        index: VectorIndex,
        embedder: Embedder,
        uploaded: Vec<Chunk>,
    ) -> Result<KnowledgeBase, KbError> {
        Self::open_keeping(index, embedder, uploaded, &[]).await
    }

    /// Like [`KnowledgeBase::open_with`], leaving alone the stored points whose chunk id starts
    /// with one of `keep` (documents another instance is still indexing into a shared
    /// collection: they are not searchable here yet, and not this instance's to delete).
    pub async fn open_keeping(
        index: VectorIndex,
        embedder: Embedder,
        uploaded: Vec<Chunk>,
        keep: &[String],
    ) -> Result<KnowledgeBase, KbError> {
        let mut chunks = catalogue().to_vec();
        chunks.extend(uploaded);
        let mut kb = KnowledgeBase {
            index,
            embedder,
            corpus: RwLock::new(Arc::new(Corpus::new(chunks))),
            last_sync: SyncReport::default(),
        };
        kb.last_sync = kb.sync(keep).await?;
        Ok(kb)
    }

    fn corpus(&self) -> Arc<Corpus> {
        match self.corpus.read() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn replace_corpus(&self, chunks: Vec<Chunk>) {
        let corpus = Arc::new(Corpus::new(chunks));
        match self.corpus.write() {
            Ok(mut c) => *c = corpus,
            Err(poisoned) => *poisoned.into_inner() = corpus,
        }
    }

    /// The stored points this instance may rewrite or delete: all of them but those whose chunk
    /// id starts with one of `keep` (documents still being indexed, possibly by another instance).
    async fn managed_payloads(
        &self,
        keep: &[String],
    ) -> Result<Vec<(u64, Map<String, Value>)>, KbError> {
        let mut payloads = self.index.all_payloads().await?;
        payloads.retain(|(_, payload)| {
            let chunk_id = payload
                .get("chunk_id")
                .and_then(Value::as_str)
                .unwrap_or_default();
            !keep
                .iter()
                .any(|prefix| chunk_id.starts_with(prefix.as_str()))
        });
        Ok(payloads)
    }

    async fn sync(&self, keep: &[String]) -> Result<SyncReport, KbError> {
        let started = Instant::now();
        let corpus = self.corpus();
        let stored: HashMap<u64, String> = self
            .managed_payloads(keep)
            .await?
            .into_iter()
            .map(|(id, payload)| {
                let fingerprint = payload
                    .get("fingerprint")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                (id, fingerprint)
            })
            .collect();
        let stale: Vec<Chunk> = corpus
            .chunks
            .iter()
            .filter(|c| {
                stored.get(&c.point_id()).map(String::as_str)
                    != Some(format!("{:016x}", c.fingerprint()).as_str())
            })
            .cloned()
            .collect();
        let removed: Vec<u64> = stored
            .keys()
            .filter(|id| !corpus.by_point.contains_key(id))
            .copied()
            .collect();
        self.embed_and_upsert(&stale, &|_, _| {}).await?;
        let removed_count = removed.len();
        self.index.delete(removed).await?;
        let report = SyncReport {
            upserted: stale.len(),
            removed: removed_count,
            total: corpus.chunks.len(),
            elapsed_ms: started.elapsed().as_millis() as u64,
        };
        tracing::info!(
            upserted = report.upserted,
            removed = report.removed,
            total = report.total,
            elapsed_ms = report.elapsed_ms,
            backend = self.index.label(),
            collection = %self.embedder.collection_name(),
            "knowledge base in sync"
        );
        Ok(report)
    }

    async fn embed_and_upsert(
        &self,
        chunks: &[Chunk],
        progress: Progress<'_>,
    ) -> Result<(), KbError> {
        let total = chunks.len();
        let mut done = 0;
        progress(0, total);
        for batch in chunks.chunks(EMBED_BATCH) {
            let texts = batch.iter().map(|c| c.embedding_text()).collect();
            let vectors = self.embedder.embed(texts).await?;
            let points = batch
                .iter()
                .zip(vectors)
                .map(|(chunk, vector)| IndexedPoint {
                    id: chunk.point_id(),
                    vector,
                    payload: payload_for(chunk),
                })
                .collect();
            self.index.upsert(points).await?;
            done += batch.len();
            progress(done, total);
        }
        Ok(())
    }

    /// Embeds and writes `chunks` (a new or replaced document), then makes them searchable.
    /// Chunks with the same ids are replaced.
    pub async fn add_chunks(
        &self,
        chunks: Vec<Chunk>,
        progress: Progress<'_>,
    ) -> Result<(), KbError> {
        self.embed_and_upsert(&chunks, progress).await?;
        let mut all: Vec<Chunk> = self
            .corpus()
            .chunks
            .iter()
            .filter(|c| !chunks.iter().any(|n| n.id == c.id))
            .cloned()
            .collect();
        all.extend(chunks);
        self.replace_corpus(all);
        Ok(())
    }

    /// Removes every chunk whose id starts with `prefix` (a document's), vectors included.
    /// Returns how many were removed.
    pub async fn remove_prefix(&self, prefix: &str) -> Result<usize, KbError> {
        let corpus = self.corpus();
        let (gone, kept): (Vec<Chunk>, Vec<Chunk>) = corpus
            .chunks
            .iter()
            .cloned()
            .partition(|c| c.id.starts_with(prefix));
        // Searches stop seeing them first; then the vectors go.
        self.replace_corpus(kept);
        self.index
            .delete(gone.iter().map(Chunk::point_id).collect())
            .await?;
        Ok(gone.len())
    }

    /// Embeds and writes every chunk again (after the embedding model changed, or to repair
    /// the index); searches keep working on the old vectors meanwhile.
    pub async fn reindex(&self, progress: Progress<'_>) -> Result<SyncReport, KbError> {
        self.reindex_keeping(progress, &[]).await
    }

    /// Like [`KnowledgeBase::reindex`], leaving alone the points whose chunk id starts with one
    /// of `keep` (documents still being indexed, possibly by another instance).
    pub async fn reindex_keeping(
        &self,
        progress: Progress<'_>,
        keep: &[String],
    ) -> Result<SyncReport, KbError> {
        let started = Instant::now();
        let corpus = self.corpus();
        self.embed_and_upsert(&corpus.chunks, progress).await?;
        let stored: Vec<u64> = self
            .managed_payloads(keep)
            .await?
            .into_iter()
            .map(|(id, _)| id)
            .filter(|id| !corpus.by_point.contains_key(id))
            .collect();
        let removed = stored.len();
        self.index.delete(stored).await?;
        Ok(SyncReport {
            upserted: corpus.chunks.len(),
            removed,
            total: corpus.chunks.len(),
            elapsed_ms: started.elapsed().as_millis() as u64,
        })
    }

    /// Every chunk now searchable (shipped and uploaded).
    pub fn chunks(&self) -> Arc<Corpus> {
        self.corpus()
    }

    pub fn embedder(&self) -> &Embedder {
        &self.embedder
    }

    pub fn index(&self) -> &VectorIndex {
        &self.index
    }

    /// The best `limit` passages for `query`: vector neighbours and keyword matches merged,
    /// ranked by the combined score.
    pub async fn search(
        &self,
        query: &str,
        filter: &SearchFilter,
        limit: usize,
    ) -> Result<Vec<Passage>, KbError> {
        let limit = limit.clamp(1, 20);
        let candidates = (limit * 4).max(20);
        let vector = self
            .embedder
            .embed(vec![query.to_string()])
            .await?
            .pop()
            .ok_or_else(|| KbError::Embedding("no vector for the query".into()))?;
        let hits = self
            .index
            .search(vector, &filter.payload_filter(), candidates)
            .await?;

        let corpus = self.corpus();
        let keyword_scores = corpus.keyword.scores(query);
        let best_keyword = corpus
            .chunks
            .iter()
            .zip(&keyword_scores)
            .filter(|(c, _)| filter.matches(c))
            .map(|(_, s)| *s)
            .fold(0.0f32, f32::max);
        let keyword_of = |i: usize| {
            if best_keyword > 0.0 {
                keyword_scores[i] / best_keyword
            } else {
                0.0
            }
        };

        let mut scored: HashMap<usize, (f32, f32)> = HashMap::new();
        let mut lowest_vector = 1.0f32;
        for hit in &hits {
            if let Some(&i) = corpus.by_point.get(&hit.id) {
                scored.insert(i, (hit.score, keyword_of(i)));
                lowest_vector = lowest_vector.min(hit.score);
            }
        }
        // Strong keyword matches the vector search missed join with the weakest vector score
        // seen, a lower bound of their own.
        let mut by_keyword: Vec<usize> = (0..corpus.chunks.len())
            .filter(|&i| keyword_scores[i] > 0.0 && filter.matches(&corpus.chunks[i]))
            .collect();
        by_keyword.sort_by(|a, b| keyword_scores[*b].total_cmp(&keyword_scores[*a]));
        for i in by_keyword.into_iter().take(limit) {
            scored
                .entry(i)
                .or_insert((lowest_vector.min(0.5), keyword_of(i)));
        }

        let mut passages: Vec<Passage> = scored
            .into_iter()
            .map(|(i, (vector_score, keyword_score))| {
                let chunk = &corpus.chunks[i];
                Passage {
                    id: chunk.id.clone(),
                    title: chunk.title.clone(),
                    audience: chunk.audience.clone(),
                    doc_type: chunk.doc_type.clone(),
                    category: chunk.category.clone(),
                    product: chunk.product.clone(),
                    content: chunk.content.clone(),
                    score: VECTOR_WEIGHT * vector_score + (1.0 - VECTOR_WEIGHT) * keyword_score,
                    vector_score,
                    keyword_score,
                }
            })
            .collect();
        passages.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
        passages.truncate(limit);
        Ok(passages)
    }
}
