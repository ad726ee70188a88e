//! Classifier speed on this machine: backbone load time, per-image latency at batch 1 (the same
//! synthetic input as scripts/classifier_reference.py), a whole prediction (decode, resize,
//! network, head) and feature throughput at batch 8. Threads: RAYON_NUM_THREADS (candle and the
//! depthwise kernel both follow it). Prints one JSON line; scripts/bench-classifier.sh runs it
//! beside PyTorch.
//!
//!     classifier-bench [--runs 30] [--weights FILE]

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use vision::candle_core::Tensor;
use vision::{Classifier, ClassifierSettings, EfficientNetLite0};

fn percentile(sorted: &[f64], q: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize]
}

fn main() -> ExitCode {
    let mut runs = 30usize;
    let mut weights = vision::efficientnet::default_weights();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--runs", Some(v)) => runs = v.parse().unwrap_or(runs).max(1),
            ("--weights", Some(v)) => weights = PathBuf::from(v),
            _ => {
                eprintln!("usage: classifier-bench [--runs 30] [--weights FILE]");
                return ExitCode::from(2);
            }
        }
    }
    match run(runs, weights) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("classifier-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(runs: usize, weights: PathBuf) -> vision::VisionResult<()> {
    let threads = vision::candle_core::utils::get_num_threads();
    let started = Instant::now();
    let net = EfficientNetLite0::load(&weights)?;
    let load_ms = started.elapsed().as_secs_f64() * 1000.0;
    let input = vision::efficientnet::reference_input()?;
    for _ in 0..3 {
        net.forward(&input)?;
    }
    let mut forward = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        net.forward(&input)?;
        forward.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    forward.sort_by(f64::total_cmp);

    // A whole prediction through the service: PNG decode, resize, network, head, ImageNet top 5.
    let dir = tempfile_dir()?;
    let classifier = Classifier::load(ClassifierSettings {
        weights,
        state_dir: dir.clone(),
        threshold: 0.6,
    })?;
    let mut png = std::io::Cursor::new(Vec::new());
    vision::drawn::emblem(640, &mut vision::augment::Rng::new(1))
        .write_to(&mut png, vision::image::ImageFormat::Png)
        .map_err(|e| vision::VisionError::Invalid(e.to_string()))?;
    let png = png.into_inner();
    let mut predict = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        classifier.predict(&png, None)?;
        predict.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    predict.sort_by(f64::total_cmp);

    let batch = Tensor::cat(&[&input; 8], 0)?;
    let t = Instant::now();
    let rounds = (runs / 2).max(4);
    for _ in 0..rounds {
        net.forward(&batch)?;
    }
    let batch_images_per_s = (rounds * 8) as f64 / t.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "{}",
        serde_json::json!({
            "engine": "candle",
            "threads": threads,
            "runs": runs,
            "load_ms": (load_ms * 10.0).round() / 10.0,
            "p50_ms": (percentile(&forward, 0.5) * 100.0).round() / 100.0,
            "p90_ms": (percentile(&forward, 0.9) * 100.0).round() / 100.0,
            "predict_640px_png_p50_ms": (percentile(&predict, 0.5) * 100.0).round() / 100.0,
            "batch8_images_per_s": (batch_images_per_s * 10.0).round() / 10.0,
        })
    );
    Ok(())
}

fn tempfile_dir() -> vision::VisionResult<PathBuf> {
    let dir = std::env::temp_dir().join(format!("classifier-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
