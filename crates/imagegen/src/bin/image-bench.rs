//! Prints text-to-image latency: a first generation (through the provider) against a cache hit,
//! using the FAKE of the Stability API (imagegen::fake; the real API cannot be reached from here),
//! a real SQLite gallery and real files.
//!
//!     cargo run --release -p imagegen --bin image-bench

use imagegen::{ImageInput, ImageProvider, ImageService, Stability};
use std::sync::Arc;
use std::time::Instant;

const RUNS: usize = 200;

fn percentile(samples: &mut [f64], p: f64) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples
        .get(((samples.len().saturating_sub(1)) as f64 * p).round() as usize)
        .copied()
        .unwrap_or(0.0)
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let (base, _) = imagegen::fake::fake_cloud().await;
    let db = store::testing::TestDatabase::sqlite(chrono::Utc::now()).await;
    let Ok(dir) = tempfile::tempdir() else {
        eprintln!("no temporary folder");
        return std::process::ExitCode::FAILURE;
    };
    let provider: Arc<dyn ImageProvider> =
        match Stability::new("sk-stability-test".into(), Some(base), None) {
            Ok(p) => Arc::new(p),
            Err(e) => {
                eprintln!("{e}");
                return std::process::ExitCode::FAILURE;
            }
        };
    let service = ImageService::new(
        db.store.clone(),
        dir.path().to_path_buf(),
        vec![provider],
        10_000,
    )
    // One visitor makes every image: the bench measures the provider and the cache.
    .with_quota(imagegen::VisitorQuota {
        images: i64::MAX,
        bytes: i64::MAX,
    });
    let input = |seed: u32| ImageInput {
        prompt: "a lighthouse at dusk".into(),
        seed: Some(seed),
        ..Default::default()
    };
    const BENCH_VISITOR: &str = "bench";
    let (mut first, mut hits) = (Vec::new(), Vec::new());
    for seed in 1..=RUNS as u32 {
        let t = Instant::now();
        match service.generate(BENCH_VISITOR, &input(seed)).await {
            Ok(g) if !g.cached => first.push(t.elapsed().as_secs_f64() * 1000.0),
            other => {
                eprintln!("expected a first generation: {other:?}");
                return std::process::ExitCode::FAILURE;
            }
        }
        let t = Instant::now();
        match service.generate(BENCH_VISITOR, &input(seed)).await {
            Ok(g) if g.cached => hits.push(t.elapsed().as_secs_f64() * 1000.0),
            other => {
                eprintln!("expected a cache hit: {other:?}");
                return std::process::ExitCode::FAILURE;
            }
        }
    }
    let (f50, f99) = (percentile(&mut first, 0.5), percentile(&mut first, 0.99));
    let (h50, h99) = (percentile(&mut hits, 0.5), percentile(&mut hits, 0.99));
    println!(
        "text-to-image against the local Stability fake ({RUNS} requests each; release build)"
    );
    println!(
        "first generation (HTTP multipart to the fake, file + row written)  p50 {f50:.3} ms  p99 {f99:.3} ms"
    );
    println!(
        "cache hit (row lookup + file check, no provider call)             p50 {h50:.3} ms  p99 {h99:.3} ms"
    );
    println!(
        "a cache hit is {:.1}x faster at p50 even against an instant local fake; a real SD3 call takes seconds",
        f50 / h50.max(1e-9)
    );
    std::process::ExitCode::SUCCESS
}
