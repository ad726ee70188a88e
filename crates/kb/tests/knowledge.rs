//! The knowledge base on the embedded Qdrant with the real MiniLM model (fetched by
//! scripts/fetch-models.sh, which scripts/test.sh runs first).
// A test stops at a failed step: unwrap and expect are what it means here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use kb::{Embedder, KnowledgeBase, SearchFilter, VectorIndex};
use llm_embedded::embedding::{EMBEDDING_MODEL_DIR, SentenceEmbedder, cosine};
use std::path::PathBuf;
use std::sync::Arc;

fn models_dir() -> PathBuf {
    std::env::var("MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models"))
}

fn minilm() -> Arc<SentenceEmbedder> {
    let dir = models_dir().join(EMBEDDING_MODEL_DIR);
    Arc::new(SentenceEmbedder::load(&dir, 1).unwrap_or_else(|e| panic!("{e}")))
}

async fn open(dir: &std::path::Path, model: &Arc<SentenceEmbedder>) -> KnowledgeBase {
    let path = dir.to_path_buf();
    let index = tokio::task::spawn_blocking(move || VectorIndex::open_edge(&path, 384))
        .await
        .expect("task")
        .expect("edge shard");
    KnowledgeBase::open(index, Embedder::Local(model.clone()))
        .await
        .expect("open kb")
}

#[test]
fn minilm_vectors_are_unit_length_and_meaningful() {
    let model = minilm();
    let v = model
        .embed(&[
            "How do I return a monitor?",
            "What is the return window for screens?",
            "My keyboard keys double type",
        ])
        .expect("embed");
    assert_eq!(v.len(), 3);
    assert_eq!(v[0].len(), 384);
    for x in &v {
        let norm: f32 = x.iter().map(|a| a * a).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4, "norm {norm}");
    }
    assert!(cosine(&v[0], &v[1]) > cosine(&v[0], &v[2]) + 0.2);
    // Batching pads shorter texts; the padding must not change a text's vector.
    let alone = model.embed(&["How do I return a monitor?"]).expect("embed");
    let drift: f32 = alone[0]
        .iter()
        .zip(&v[0])
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max);
    assert!(drift < 1e-4, "drift {drift}");
}

#[tokio::test]
async fn indexing_is_idempotent_and_search_is_hybrid_and_filtered() {
    let model = minilm();
    let dir = tempfile::tempdir().expect("temp dir");
    let total = kb::catalogue().len();
    {
        let kb = open(dir.path(), &model).await;
        assert_eq!(kb.last_sync.upserted, total);
        assert_eq!(
            kb.index().all_payloads().await.expect("scroll").len(),
            total
        );
    }
    let kb = open(dir.path(), &model).await;
    assert_eq!(kb.last_sync.upserted, 0, "a second start re-embeds nothing");
    assert_eq!(kb.last_sync.removed, 0);

    let top = |passages: &[kb::Passage]| passages.first().map(|p| p.id.clone()).unwrap_or_default();
    let hits = kb
        .search("Do you ship to Canada?", &SearchFilter::default(), 5)
        .await
        .expect("search");
    assert_eq!(top(&hits), "policy-shipping-international", "{hits:?}");
    let hits = kb
        .search("chargeback", &SearchFilter::default(), 5)
        .await
        .expect("search");
    assert_eq!(top(&hits), "policy-payment-chargeback");
    assert!(
        hits[0].keyword_score > 0.9,
        "the keyword side found it: {:?}",
        hits[0]
    );

    let sops = SearchFilter {
        audience: Some("agent".into()),
        doc_type: Some("sop".into()),
        ..Default::default()
    };
    let hits = kb
        .search("cancel an order that has not shipped", &sops, 5)
        .await
        .expect("search");
    assert!(
        hits.iter()
            .all(|p| p.doc_type == "sop" && p.audience == "agent")
    );
    assert_eq!(top(&hits), "sop-cancel_order");
}

/// Points of a document still being indexed (by another instance, into a shared collection) are
/// not this opening's to delete: only those of documents gone from the database are.
#[tokio::test]
async fn opening_keeps_the_points_of_documents_still_being_indexed() {
    let model = minilm();
    let dir = tempfile::tempdir().expect("temp dir");
    let chunk = |id: &str| {
        kb::Chunk::from_stored(
            id.into(),
            "customer".into(),
            "policy".into(),
            "warranty".into(),
            "Drone care".into(),
            "",
            "The Zephyr-9 drone carries a 41-month warranty.".into(),
        )
    };
    {
        // Another instance has written doc7 (in progress) and doc8 (since deleted).
        let kb = open(dir.path(), &model).await;
        kb.add_chunks(vec![chunk("doc7-1"), chunk("doc8-1")], &|_, _| {})
            .await
            .expect("add");
    }
    let path = dir.path().to_path_buf();
    let index = tokio::task::spawn_blocking(move || VectorIndex::open_edge(&path, 384))
        .await
        .expect("task")
        .expect("edge shard");
    let kb = KnowledgeBase::open_keeping(
        index,
        Embedder::Local(model.clone()),
        Vec::new(),
        &["doc7-".to_owned()],
    )
    .await
    .expect("open kb");
    assert_eq!(kb.last_sync.removed, 1, "doc8's point goes, doc7's stays");
    let ids: Vec<String> = kb
        .index()
        .all_payloads()
        .await
        .expect("scroll")
        .into_iter()
        .filter_map(|(_, p)| {
            p.get("chunk_id")
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        })
        .filter(|id| id.starts_with("doc"))
        .collect();
    assert_eq!(ids, ["doc7-1"]);
}
