//! Prints the support stack's speed: offline agent turn latency, MiniLM embedding throughput,
//! and Qdrant search latency on the knowledge base and on 10,000 synthetic chunks, on the
//! embedded Qdrant Edge and (with QDRANT_URL) on a Qdrant server through qdrant-client.
//!
//!     cargo run --release -p support --bin support-bench      (scripts/bench-support.sh)

use kb::{Embedder, IndexedPoint, KnowledgeBase, PayloadFilter, SearchFilter, VectorIndex};
use serde_json::{Map, Value};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;
use support::eval;
use support::setup::{KnowledgeSettings, load_minilm, open_knowledge};
use support::{SupportAgent, Toolbox};

const SYNTHETIC: usize = 10_000;
const SEARCHES: usize = 300;

fn percentile(samples: &mut [f64], p: f64) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples
        .get(((samples.len().saturating_sub(1)) as f64 * p).round() as usize)
        .copied()
        .unwrap_or(0.0)
}

fn row(name: &str, samples: &mut [f64]) {
    let p50 = percentile(samples, 0.5);
    let p99 = percentile(samples, 0.99);
    println!(
        "{name:<58} p50 {p50:>8.3} ms   p99 {p99:>8.3} ms   (n={})",
        samples.len()
    );
}

/// A deterministic unit vector (xorshift), so runs compare.
fn synthetic_vector(seed: u64, dim: usize) -> Vec<f32> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut v: Vec<f32> = (0..dim)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % 20_000) as f32 / 10_000.0 - 1.0
        })
        .collect();
    let norm = v.iter().map(|a| a * a).sum::<f32>().sqrt().max(1e-6);
    v.iter_mut().for_each(|a| *a /= norm);
    v
}

async fn synthetic(index: &VectorIndex, label: &str) -> Result<(), String> {
    let started = Instant::now();
    let categories = domain::view::CATEGORIES;
    let mut batch = Vec::new();
    for i in 0..SYNTHETIC {
        let mut payload = Map::new();
        payload.insert("chunk_id".into(), Value::String(format!("synthetic-{i}")));
        payload.insert(
            "category".into(),
            Value::String(categories[i % categories.len()].into()),
        );
        payload.insert(
            "content".into(),
            Value::String(format!("Synthetic passage number {i}.")),
        );
        batch.push(IndexedPoint {
            id: i as u64 + 1,
            vector: synthetic_vector(i as u64, 384),
            payload,
        });
        if batch.len() == 500 {
            index
                .upsert(std::mem::take(&mut batch))
                .await
                .map_err(|e| e.to_string())?;
        }
    }
    index.upsert(batch).await.map_err(|e| e.to_string())?;
    println!(
        "{label}: wrote {SYNTHETIC} synthetic chunks in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let none = PayloadFilter::default();
    let camera = PayloadFilter {
        must: vec![("category".into(), "camera".into())],
    };
    for (name, filter) in [("no filter", &none), ("category = camera", &camera)] {
        let mut samples = Vec::with_capacity(SEARCHES);
        for q in 0..SEARCHES {
            let vector = synthetic_vector(1_000_000 + q as u64, 384);
            let t = Instant::now();
            let hits = index
                .search(vector, filter, 10)
                .await
                .map_err(|e| e.to_string())?;
            samples.push(t.elapsed().as_secs_f64() * 1000.0);
            if hits.is_empty() {
                return Err("a synthetic search found nothing".into());
            }
        }
        row(
            &format!("{label}: vector search top 10 of {SYNTHETIC} ({name})"),
            &mut samples,
        );
    }
    Ok(())
}

async fn knowledge_searches(kb: &KnowledgeBase, label: &str) -> Result<(), String> {
    let queries = [
        "What is your return policy for monitors?",
        "How long do refunds take?",
        "My headphones won't pair",
        "Do you ship to Canada?",
        "chargeback",
        "How do I set up the soundbar?",
        "Which payment methods do you accept?",
        "warranty on cameras",
    ];
    let mut hybrid = Vec::new();
    let mut vector_only = Vec::new();
    let vectors = kb
        .embedder()
        .embed(queries.iter().map(|q| q.to_string()).collect())
        .await
        .map_err(|e| e.to_string())?;
    for i in 0..SEARCHES {
        let q = queries[i % queries.len()];
        let t = Instant::now();
        kb.search(q, &SearchFilter::default(), 5)
            .await
            .map_err(|e| e.to_string())?;
        hybrid.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        kb.index()
            .search(
                vectors[i % vectors.len()].clone(),
                &PayloadFilter::default(),
                20,
            )
            .await
            .map_err(|e| e.to_string())?;
        vector_only.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    row(
        &format!(
            "{label}: knowledge base vector search ({} chunks)",
            kb.chunks().len()
        ),
        &mut vector_only,
    );
    row(
        &format!("{label}: knowledge base hybrid search incl. query embedding"),
        &mut hybrid,
    );
    Ok(())
}

async fn run() -> Result<(), String> {
    let models_dir = std::env::var("MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from("models"));
    let edge = tempfile::tempdir().map_err(|e| e.to_string())?;
    let settings = KnowledgeSettings {
        models_dir,
        edge_dir: edge.path().to_path_buf(),
        qdrant_url: None,
        qdrant_api_key: None,
        threads: 1,
        remote_embedder: None,
    };
    println!("support stack benchmark (1 CPU thread for the model; release build)\n");

    // Embedding throughput.
    let minilm = load_minilm(&settings).await?;
    println!(
        "MiniLM load: {:.0} ms",
        minilm.load_time.as_secs_f64() * 1000.0
    );
    let sentences: Vec<String> = kb::catalogue().iter().map(|c| c.embedding_text()).collect();
    let short: Vec<&str> = kb::catalogue().iter().map(|c| c.title.as_str()).collect();
    for (name, texts) in [
        ("titles, batches of 32", short.clone()),
        (
            "title + content, batches of 32",
            sentences.iter().map(String::as_str).collect(),
        ),
    ] {
        let t = Instant::now();
        for batch in texts.chunks(32) {
            minilm.embed(batch).map_err(|e| e.to_string())?;
        }
        let rate = texts.len() as f64 / t.elapsed().as_secs_f64();
        println!(
            "{:<58} {rate:>8.1} sentences/s",
            format!("embedding ({name})")
        );
    }
    let t = Instant::now();
    for title in &short {
        minilm.embed(&[title]).map_err(|e| e.to_string())?;
    }
    println!(
        "{:<58} {:>8.1} sentences/s",
        "embedding (titles, one at a time)",
        short.len() as f64 / t.elapsed().as_secs_f64()
    );

    // Knowledge base on Qdrant Edge.
    let t = Instant::now();
    let knowledge = open_knowledge(&settings).await?;
    println!(
        "\nQdrant Edge: indexed {} chunks at first start in {:.1} s",
        knowledge.kb.chunks().len(),
        t.elapsed().as_secs_f64()
    );
    knowledge_searches(&knowledge.kb, "Qdrant Edge").await?;
    let synthetic_dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path = synthetic_dir.path().to_path_buf();
    let index = tokio::task::spawn_blocking(move || VectorIndex::open_edge(&path, 384))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    synthetic(&index, "Qdrant Edge").await?;

    // The same against a Qdrant server, when one is given.
    match std::env::var("QDRANT_URL") {
        Ok(url) => {
            let key = std::env::var("QDRANT_API_KEY").ok();
            let index = VectorIndex::connect_server(&url, key.clone(), "support_kb_bench", 384)
                .await
                .map_err(|e| e.to_string())?;
            let kb = KnowledgeBase::open(index, Embedder::Local(minilm.clone()))
                .await
                .map_err(|e| e.to_string())?;
            println!();
            knowledge_searches(&kb, "Qdrant server").await?;
            let index = VectorIndex::connect_server(&url, key, "support_bench_synthetic", 384)
                .await
                .map_err(|e| e.to_string())?;
            synthetic(&index, "Qdrant server").await?;
        }
        Err(_) => println!(
            "\nQdrant server: not measured (set QDRANT_URL to a Qdrant server to include it)"
        ),
    }

    // Offline agent turns: every public scenario, three times, each on a fresh store.
    let scenarios = eval::load(&[eval::public_scenarios_dir()])?;
    let mut turns = Vec::new();
    let mut suggestions = Vec::new();
    let mut passed = 0;
    for _ in 0..3 {
        for scenario in &scenarios {
            let db = store::testing::TestDatabase::sqlite(chrono::Utc::now()).await;
            let agent = SupportAgent::new(
                Toolbox::new(db.store.clone(), Some(knowledge.kb.clone())),
                Some(Arc::clone(&knowledge.semantic)),
                None,
            );
            let result = eval::run(&agent, scenario).await;
            passed += usize::from(result.passed);
            turns.extend(result.turn_ms);
            // The desk's suggested reply for the conversation the scenario left behind.
            let found = db
                .store
                .search_conversations(&store::search::ConversationSearch {
                    limit: 5,
                    ..Default::default()
                })
                .await
                .map_err(|e| e.to_string())?;
            for c in found.conversations {
                let t = Instant::now();
                if agent
                    .suggest_reply(&c.id, chrono::Utc::now())
                    .await
                    .map_err(|e| e.to_string())?
                    .is_some()
                {
                    suggestions.push(t.elapsed().as_secs_f64() * 1000.0);
                }
            }
        }
    }
    println!();
    row(
        "offline agent turn (classify, plan, tools, store; no LLM)",
        &mut turns,
    );
    println!(
        "(scenarios passed during the timing runs: {passed} of {})",
        scenarios.len() * 3
    );
    row(
        "desk suggested reply (offline planner, drafting tools)",
        &mut suggestions,
    );
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("support-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
