//! The knowledge base and its documents: loading it in the background (and where that stands),
//! accepting an upload (type checked by content, cut into heading-aware overlapping chunks,
//! recorded, then embedded and upserted with progress on the live stream), deleting a document
//! with its vectors, re-indexing everything (a durable job). One indexing job at a time.

use crate::config::Config;
use crate::services::ServiceError;
use crate::services::jobs::JobQueue;
use crate::services::live::Hub;
use crate::services::support::SupportService;
use domain::api::knowledge::IndexingProgress;
use kb::ingest::{self, ChunkOptions, DocumentLabels};
use secrecy::ExposeSecret;
use std::sync::{Arc, RwLock};
use std::time::Instant;
use store::Store;
use store::operations::{Document, NewDocument};
use support::setup::{KnowledgeSettings, open_knowledge_keeping};
use tokio::sync::Mutex;

pub use domain::api::knowledge::KnowledgeState;

/// Owns the knowledge base: the support agent receives it once loaded.
pub struct KnowledgeService {
    store: Store,
    hub: Hub,
    jobs: JobQueue,
    kb: RwLock<Option<Arc<kb::KnowledgeBase>>>,
    state: RwLock<KnowledgeState>,
    lock: IndexingLock,
}

impl KnowledgeService {
    pub fn new(store: Store, hub: Hub, jobs: JobQueue) -> KnowledgeService {
        KnowledgeService {
            store,
            hub,
            jobs,
            kb: RwLock::new(None),
            state: RwLock::new(KnowledgeState::Loading),
            lock: IndexingLock::default(),
        }
    }

    /// The knowledge base once loaded (uploads and re-indexing work on it).
    pub fn knowledge_base(&self) -> Option<Arc<kb::KnowledgeBase>> {
        match self.kb.read() {
            Ok(k) => k.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Where loading stands, for the page and /health/ready.
    pub fn state(&self) -> KnowledgeState {
        match self.state.read() {
            Ok(k) => k.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn set_state(&self, state: KnowledgeState) {
        match self.state.write() {
            Ok(mut k) => *k = state,
            Err(poisoned) => *poisoned.into_inner() = state,
        }
    }

    async fn in_progress_prefixes(&self) -> Vec<String> {
        in_progress_prefixes(&self.store).await
    }

    /// The knowledge base will not open, for `reason` (reported on the page and /health/ready).
    pub fn refuse(&self, reason: String) {
        tracing::error!(%reason, "knowledge base refused; support runs on rules only");
        self.set_state(KnowledgeState::Failed { reason });
    }

    /// Opens the knowledge base (with the uploaded documents) and hands it to the support agent;
    /// a failure leaves the rules-only agent answering and is reported on the page.
    pub async fn load(&self, settings: KnowledgeSettings, support: &SupportService) {
        let store = &self.store;
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
        // Documents still being indexed (here after a restart, or by another instance into a
        // shared collection) keep their points: a job finishes them.
        let in_progress = self.in_progress_prefixes().await;
        match open_knowledge_keeping(&settings, uploaded, &in_progress).await {
            Ok(knowledge) => {
                let kb = knowledge.kb.clone();
                match self.kb.write() {
                    Ok(mut k) => *k = Some(kb.clone()),
                    Err(poisoned) => *poisoned.into_inner() = Some(kb.clone()),
                }
                support.attach_knowledge(kb.clone(), knowledge.semantic);
                self.follow_other_instances(kb.clone());
                // Indexing waits for the knowledge base: jobs queued meanwhile (or left by a
                // restart or another instance) run from here.
                self.jobs.start(
                    self.store.clone(),
                    self.hub.clone(),
                    kb.clone(),
                    self.lock.clone(),
                );
                self.set_state(KnowledgeState::Ready {
                    backend: kb.index().label().to_string(),
                    embedding_model: kb.embedder().model().to_string(),
                    chunks: kb.chunks().len(),
                    indexed_now: kb.last_sync.upserted,
                    elapsed_ms: kb.last_sync.elapsed_ms,
                });
            }
            Err(reason) => {
                tracing::error!(%reason, "knowledge base unavailable; support runs on rules only");
                self.set_state(KnowledgeState::Failed { reason });
            }
        }
    }

    /// Keeps this instance's index in step with the documents other instances index or delete.
    /// The database holds every document's chunks; each instance's embedded index (and keyword
    /// corpus) is a replica, updated when another instance's `kb` event says a document became
    /// ready or was deleted, or that it finished a re-index (then this replica re-embeds its own
    /// copy; with a shared Qdrant server there is one copy and nothing to do). On SQLite no
    /// other instance exists and nothing is heard.
    fn follow_other_instances(&self, kb: Arc<kb::KnowledgeBase>) {
        let (store, hub, lock) = (self.store.clone(), self.hub.clone(), self.lock.clone());
        tokio::spawn(async move {
            let mut subscription = hub.subscribe(None).await;
            while let Some(event) = subscription.next_from_others("kb").await {
                let Ok(progress) = serde_json::from_value::<IndexingProgress>(event.data.clone())
                else {
                    continue;
                };
                let Some(id) = progress.document_id else {
                    if progress.reindex
                        && progress.status == "ready"
                        && matches!(kb.index(), kb::VectorIndex::Edge { .. })
                    {
                        let _turn = lock.0.lock().await;
                        match reindex_all(&store, &kb, &|_, _| {}).await {
                            Ok(report) => tracing::info!(
                                chunks = report.total,
                                removed = report.removed,
                                "knowledge replica re-indexed after another instance's re-index"
                            ),
                            Err(e) => {
                                tracing::error!(error = %e, "knowledge replica could not re-index after another instance")
                            }
                        }
                    }
                    continue;
                };
                let _turn = lock.0.lock().await;
                let prefix = ingest::chunk_id_prefix(id);
                let outcome = match progress.status.as_str() {
                    "ready" => match store.document_chunks(id).await {
                        Ok(rows) => {
                            let chunks: Vec<kb::Chunk> = rows.into_iter().map(chunk_of).collect();
                            // Replaced whole: a second "ready" for the same document (a retry)
                            // leaves no stale passage.
                            let replaced = kb.remove_prefix(&prefix).await;
                            match replaced {
                                Ok(_) => kb
                                    .add_chunks(chunks, &|_, _| {})
                                    .await
                                    .map_err(|e| e.to_string()),
                                Err(e) => Err(e.to_string()),
                            }
                        }
                        Err(e) => Err(e.to_string()),
                    },
                    "deleted" => kb
                        .remove_prefix(&prefix)
                        .await
                        .map(drop)
                        .map_err(|e| e.to_string()),
                    _ => Ok(()),
                };
                match outcome {
                    Ok(()) => {
                        tracing::info!(document_id = id, status = %progress.status, "knowledge replica updated from another instance")
                    }
                    Err(e) => {
                        tracing::error!(document_id = id, error = %e, "knowledge replica could not follow another instance")
                    }
                }
            }
        });
    }

    /// Checks and cuts the document now (so a bad file is refused at once), records it, and indexes
    /// it in the background with progress on the live stream.
    pub async fn accept(
        &self,
        upload: Upload,
        uploaded_by: &str,
    ) -> Result<Accepted, ServiceError> {
        if self.knowledge_base().is_none() {
            return Err(ServiceError::unavailable(
                "The knowledge base is still loading; try again in a moment.",
            ));
        }
        let started = Instant::now();
        let filename: String = upload.filename.chars().take(200).collect();
        let bytes = upload.bytes;
        let name = filename.clone();
        let extracted = tokio::task::spawn_blocking(move || {
            ingest::extract(&name, &bytes).map(|e| (e, bytes.len()))
        })
        .await
        .map_err(|_| ServiceError::invalid("The document could not be read."))?
        .map_err(|e| ServiceError::invalid(&e.to_string()))?;
        let (extracted, size) = extracted;
        let title: String = upload
            .title
            .or_else(|| extracted.title.clone())
            .unwrap_or_else(|| {
                filename
                    .rsplit_once('.')
                    .map_or(filename.clone(), |(stem, _)| stem.to_owned())
            })
            .chars()
            .take(200)
            .collect();
        let mut labels = DocumentLabels {
            document_id: 0,
            title: title.clone(),
            audience: upload.audience,
            doc_type: upload.doc_type,
            category: upload.category,
        };
        labels.validate().map_err(|m| ServiceError::invalid(&m))?;
        let store = self.store.clone();
        let id = store
            .create_document(&NewDocument {
                title: &title,
                filename: &filename,
                media_type: extracted.kind.media_type(),
                bytes: size as i64,
                audience: &labels.audience,
                doc_type: &labels.doc_type,
                category: &labels.category,
                uploaded_by,
            })
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "cannot record a document");
                ServiceError::unavailable("The document could not be saved; try again.")
            })?;
        labels.document_id = id;
        let chunks = ingest::chunk(&extracted, &labels, &ChunkOptions::default());
        let document = store.document(id).await.ok().flatten().ok_or_else(|| {
            ServiceError::unavailable("The document could not be saved; try again.")
        })?;
        tracing::info!(
            document_id = id,
            kind = extracted.kind.label(),
            bytes = size,
            chunks = chunks.len(),
            parse_ms = started.elapsed().as_millis() as u64,
            "document accepted"
        );
        let rows: Vec<(String, String, String, String)> = chunks
            .iter()
            .map(|c| {
                (
                    c.id.clone(),
                    c.title.clone(),
                    c.tags_csv(),
                    c.content.clone(),
                )
            })
            .collect();
        // The passages and the job that indexes them are stored before answering: whichever
        // instance runs it, and whenever (after a restart), nothing is lost.
        let job_id = store
            .queue_ingest(id, &rows, chrono::Utc::now().timestamp_millis())
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "cannot queue a document's indexing");
                ServiceError::unavailable("The document could not be saved; try again.")
            })?;
        self.jobs.wake();
        Ok(Accepted { document, job_id })
    }

    /// Deletes a document: searches stop finding it, its vectors go, then its rows.
    pub async fn remove(&self, id: i64) -> Result<usize, ServiceError> {
        let store = self.store.clone();
        match store.document(id).await {
            Ok(Some(_)) => {}
            Ok(None) => return Err(ServiceError::not_found("There is no such document.")),
            Err(e) => {
                tracing::error!(error = %e, "cannot read a document");
                return Err(ServiceError::unavailable(
                    "The document could not be deleted; try again.",
                ));
            }
        }
        let removed = match self.knowledge_base() {
            Some(kb) => kb
                .remove_prefix(&ingest::chunk_id_prefix(id))
                .await
                .map_err(|e| {
                    tracing::error!(error = %e, "cannot delete a document's vectors");
                    ServiceError::unavailable(
                        "The document's vectors could not be deleted; try again.",
                    )
                })?,
            None => 0,
        };
        store.delete_document(id).await.map_err(|e| {
            tracing::error!(error = %e, "cannot delete a document");
            ServiceError::unavailable("The document could not be deleted; try again.")
        })?;
        self.hub.publish_to_staff(
            "kb",
            &IndexingProgress {
                document_id: Some(id),
                status: "deleted".into(),
                ..IndexingProgress::default()
            },
        );
        Ok(removed)
    }

    /// Queues a re-index of every chunk as a durable job (whichever instance claims it runs it,
    /// with progress on the live stream; a restart or a lost instance does not lose it);
    /// answers with the number of chunks and the job. One at a time across instances.
    pub async fn start_reindex(&self) -> Result<(usize, i64), ServiceError> {
        let Some(kb) = self.knowledge_base() else {
            return Err(ServiceError::unavailable(
                "The knowledge base is still loading; try again in a moment.",
            ));
        };
        let chunks = kb.chunks().len();
        let queued = self
            .store
            .queue_reindex(
                i64::try_from(chunks).unwrap_or(0),
                chrono::Utc::now().timestamp_millis(),
            )
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "cannot queue a re-index");
                ServiceError::unavailable("The re-index could not be started; try again.")
            })?;
        let Some(job_id) = queued else {
            return Err(ServiceError::Conflict(
                "A re-index is already queued or running; wait for it to finish.".into(),
            ));
        };
        self.jobs.wake();
        Ok((chunks, job_id))
    }
}

/// Embeds every passage of this instance's knowledge base again and drops vectors no passage
/// owns, leaving documents still being indexed (here or elsewhere) alone.
pub(crate) async fn reindex_all(
    store: &Store,
    kb: &kb::KnowledgeBase,
    progress: kb::Progress<'_>,
) -> Result<kb::SyncReport, kb::KbError> {
    let keep = in_progress_prefixes(store).await;
    kb.reindex_keeping(progress, &keep).await
}

/// The chunk-id prefixes of documents still being indexed.
async fn in_progress_prefixes(store: &Store) -> Vec<String> {
    match store.list_documents().await {
        Ok(documents) => documents
            .iter()
            .filter(|d| d.status == domain::api::knowledge::DocumentStatus::Indexing)
            .map(|d| ingest::chunk_id_prefix(d.id))
            .collect(),
        Err(e) => {
            tracing::warn!(error = %e, "cannot list the documents being indexed");
            Vec::new()
        }
    }
}

/// One indexing job at a time: embedding holds the CPU, and two re-indexes must not interleave.
#[derive(Clone, Default)]
pub struct IndexingLock(pub(crate) Arc<Mutex<()>>);

/// An uploaded document and its labels, as the HTTP layer read them.
pub struct Upload {
    pub filename: String,
    pub bytes: Vec<u8>,
    pub title: Option<String>,
    pub audience: String,
    pub doc_type: String,
    pub category: String,
}

/// What an accepted upload became, and the job that indexes it.
pub struct Accepted {
    pub document: Document,
    pub job_id: i64,
}

impl KnowledgeService {
    /// Stops taking jobs and gives the one in hand `within` to finish (graceful shutdown).
    pub async fn drain(&self, within: std::time::Duration) {
        self.jobs.drain(within).await;
    }
}

/// The settings, with OpenAI embeddings when a key or compatible server is configured and
/// answers; otherwise (or when it fails) MiniLM in process, so the page still works offline.
///
/// With a shared Qdrant server (QDRANT_URL) the embedder is fixed: every instance must write
/// the same collection, so OpenAI embeddings that do not answer are a refusal (the reason is
/// the error), never a silent fallback to MiniLM's collection.
pub async fn knowledge_settings_with_remote(config: &Config) -> Result<KnowledgeSettings, String> {
    let mut settings = knowledge_settings(config);
    if let Some(openai) =
        crate::services::llm_registry::openai_settings(config, &config.openai_embedding_model)
    {
        match support::setup::OpenAiEmbeddings::connect(&openai).await {
            Ok(remote) => settings.remote_embedder = Some(Arc::new(remote)),
            Err(e) if config.qdrant_url.is_some() => {
                return Err(format!(
                    "OpenAI embeddings ({}) did not answer ({e}), and with a shared Qdrant server (QDRANT_URL) every instance must use the same embedder: the knowledge base is not opened rather than written to another collection",
                    config.openai_embedding_model
                ));
            }
            Err(e) => {
                tracing::warn!(error = %e, model = %config.openai_embedding_model, "OpenAI embeddings unavailable; the knowledge base uses MiniLM")
            }
        }
    }
    Ok(settings)
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
            .map(|k| k.expose_secret().to_owned()),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Config {
        let env: std::collections::HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(|k| env.get(k).cloned()).unwrap_or_else(|e| panic!("config: {e}"))
    }

    #[tokio::test]
    async fn a_shared_qdrant_refuses_embeddings_that_would_fall_back_to_another_collection() {
        // Nothing listens on port 9: the OpenAI-compatible server does not answer.
        let unreachable = ("OPENAI_BASE_URL", "http://127.0.0.1:9/v1");
        let alone = knowledge_settings_with_remote(&config(&[unreachable])).await;
        assert!(
            alone.is_ok_and(|s| s.remote_embedder.is_none()),
            "without a shared Qdrant, MiniLM answers"
        );
        let shared = knowledge_settings_with_remote(&config(&[
            unreachable,
            ("QDRANT_URL", "http://127.0.0.1:6333"),
        ]))
        .await;
        let reason = shared.err().unwrap_or_default();
        assert!(reason.contains("same embedder"), "{reason}");
    }
}
