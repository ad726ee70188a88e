//! Ingest throughput: a generated Markdown document (1 MB by default) is parsed, cut into
//! heading-aware overlapping chunks, embedded with MiniLM in process and upserted into an
//! embedded Qdrant in a temporary folder, as an upload from the desk would be.
//!
//! Usage: kb-ingest-bench [--models DIR] [--size-mb N] [--threads N]
//! Prints the document size, chunk count, time per phase and chunks per second.

use kb::ingest::{self, ChunkOptions, DocumentLabels};
use kb::{Embedder, KnowledgeBase, VectorIndex};
use llm_embedded::embedding::{EMBEDDING_MODEL_DIR, SentenceEmbedder};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

const WORDS: &[&str] = &[
    "the",
    "monitor",
    "warranty",
    "covers",
    "dead",
    "pixels",
    "for",
    "two",
    "years",
    "after",
    "delivery",
    "return",
    "window",
    "is",
    "thirty",
    "days",
    "headphones",
    "pair",
    "with",
    "bluetooth",
    "firmware",
    "update",
    "fixes",
    "hum",
    "speaker",
    "cable",
    "shipping",
    "carrier",
    "ground",
    "express",
    "refund",
    "store",
    "credit",
    "original",
    "packaging",
    "serial",
    "number",
    "support",
    "ticket",
    "battery",
    "charge",
    "keyboard",
    "switches",
    "camera",
    "lens",
    "mount",
    "adapter",
    "order",
];

/// A deterministic document of about `bytes` bytes: chapters, sections and paragraphs.
fn document(bytes: usize) -> String {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut text = String::from("# Store handbook\n\n");
    let (mut chapter, mut section) = (0, 0);
    while text.len() < bytes {
        if section % 6 == 0 {
            chapter += 1;
            text.push_str(&format!("## Chapter {chapter}\n\n"));
        }
        section += 1;
        text.push_str(&format!("### Section {chapter}.{section}\n\n"));
        for _ in 0..(2 + next() % 4) {
            let words = 40 + next() % 80;
            let mut sentence_len = 0;
            for w in 0..words {
                let word = WORDS[(next() % WORDS.len() as u64) as usize];
                if sentence_len == 0 {
                    let mut c = word.chars();
                    if let Some(first) = c.next() {
                        text.extend(first.to_uppercase());
                        text.push_str(c.as_str());
                    }
                } else {
                    text.push_str(word);
                }
                sentence_len += 1;
                if sentence_len > 8 && next() % 6 == 0 || w + 1 == words {
                    text.push_str(". ");
                    sentence_len = 0;
                } else {
                    text.push(' ');
                }
            }
            text.push_str("\n\n");
        }
    }
    text
}

fn main() {
    let mut models = PathBuf::from("models");
    let mut size_mb = 1.0f64;
    let mut threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next();
        match (arg.as_str(), value) {
            ("--models", Some(v)) => models = PathBuf::from(v),
            ("--size-mb", Some(v)) => size_mb = v.parse().unwrap_or(1.0),
            ("--threads", Some(v)) => threads = v.parse().unwrap_or(threads),
            _ => {
                eprintln!("usage: kb-ingest-bench [--models DIR] [--size-mb N] [--threads N]");
                std::process::exit(2);
            }
        }
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = runtime.block_on(run(models, size_mb, threads)) {
        eprintln!("kb-ingest-bench: {e}");
        std::process::exit(1);
    }
}

async fn run(models: PathBuf, size_mb: f64, threads: usize) -> Result<(), String> {
    let text = document((size_mb * 1024.0 * 1024.0) as usize);
    println!("document: {} bytes of generated Markdown", text.len());

    let started = Instant::now();
    let extracted = ingest::extract("handbook.md", text.as_bytes()).map_err(|e| e.to_string())?;
    let labels = DocumentLabels {
        document_id: 1,
        title: "Store handbook".into(),
        audience: "customer".into(),
        doc_type: "policy".into(),
        category: "general".into(),
    };
    let chunks = ingest::chunk(&extracted, &labels, &ChunkOptions::default());
    let parse = started.elapsed();
    let average = chunks
        .iter()
        .map(|c| c.content.chars().count())
        .sum::<usize>()
        / chunks.len().max(1);
    println!(
        "parse + chunk: {:.1} ms, {} sections, {} chunks (average {} characters, 1200 max + 200 overlap)",
        parse.as_secs_f64() * 1000.0,
        extracted.sections.len(),
        chunks.len(),
        average
    );

    let started = Instant::now();
    let model = SentenceEmbedder::load(&models.join(EMBEDDING_MODEL_DIR), threads)
        .map_err(|e| e.to_string())?;
    let embedder = Embedder::Local(Arc::new(model));
    println!(
        "MiniLM load: {:.0} ms ({threads} threads)",
        started.elapsed().as_secs_f64() * 1000.0
    );

    let dir = std::env::temp_dir().join(format!("kb-ingest-bench-{}", std::process::id()));
    let index = VectorIndex::open_edge(&dir, embedder.dimension()).map_err(|e| e.to_string())?;
    let started = Instant::now();
    let kb = KnowledgeBase::open(index, embedder)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "shipped passages indexed first: {} in {:.1} s",
        kb.chunks().len(),
        started.elapsed().as_secs_f64()
    );

    // Embedding alone on a sample, to split the end-to-end time into model and index.
    let sample: Vec<String> = chunks
        .iter()
        .take(128)
        .map(|c| c.embedding_text())
        .collect();
    let sample_len = sample.len();
    let started = Instant::now();
    kb.embedder()
        .embed(sample)
        .await
        .map_err(|e| e.to_string())?;
    let embed_per_chunk = started.elapsed().as_secs_f64() / sample_len.max(1) as f64;
    println!(
        "embedding alone (MiniLM, first {sample_len} chunks): {:.1} ms a chunk, {:.1} chunks/s",
        embed_per_chunk * 1000.0,
        1.0 / embed_per_chunk
    );

    let total = chunks.len();
    let started = Instant::now();
    let last_report = std::sync::Mutex::new(Instant::now());
    let progress = |done: usize, total: usize| {
        if let Ok(mut last) = last_report.lock()
            && (last.elapsed().as_secs() >= 5 || done == total)
        {
            *last = Instant::now();
            eprintln!("  {done}/{total} chunks");
        }
    };
    kb.add_chunks(chunks, &progress)
        .await
        .map_err(|e| e.to_string())?;
    let secs = started.elapsed().as_secs_f64();
    // The index flushes when dropped: before its folder goes.
    drop(kb);
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "embed + upsert: {total} chunks in {secs:.1} s (of which embedding ~{:.1} s, writing to Qdrant ~{:.1} s)",
        embed_per_chunk * total as f64,
        (secs - embed_per_chunk * total as f64).max(0.0)
    );
    println!(
        "ingest throughput: {:.1} chunks/s (end to end including parsing: {:.1} chunks/s)",
        total as f64 / secs,
        total as f64 / (secs + parse.as_secs_f64())
    );
    Ok(())
}
