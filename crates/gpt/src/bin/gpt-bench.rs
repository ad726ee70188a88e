//! Generation speed of a model: time to first character and characters per second, as JSON.
//!
//!   gpt-bench [--model shakespeare (under shipped/) | --model-dir DIR] [--chars 500] [--runs 5] [--prompt TEXT]
//!
//! Threads follow RAYON_NUM_THREADS (candle's matrix products); scripts/bench-gpt.sh runs this
//! beside the PyTorch implementation on the same weights and threads.

use std::ops::ControlFlow;
use std::path::PathBuf;
use std::process::ExitCode;

use gpt::{GenerateParams, checkpoint, generate};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (mut model_name, mut model_dir) = ("shakespeare".to_string(), None::<PathBuf>);
    let (mut chars, mut runs, mut prompt) = (500usize, 5usize, "ROMEO:".to_string());
    while let Some(arg) = args.next() {
        let Some(value) = args.next() else {
            eprintln!("gpt-bench: {arg} needs a value");
            return ExitCode::from(2);
        };
        match arg.as_str() {
            "--model" => model_name = value,
            "--model-dir" => model_dir = Some(PathBuf::from(value)),
            "--chars" => chars = value.parse().unwrap_or(500),
            "--runs" => runs = value.parse().unwrap_or(5).max(1),
            "--prompt" => prompt = value,
            other => {
                eprintln!("gpt-bench: unknown option {other}");
                return ExitCode::from(2);
            }
        }
    }
    let dir = model_dir.unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("shipped")
            .join(&model_name)
    });
    let loaded = checkpoint::load_dir(&dir).map(|(m, v)| (m, v, dir.display().to_string()));
    let (model, vocab, source) = match loaded {
        Ok(x) => x,
        Err(e) => {
            eprintln!("gpt-bench: {e}");
            return ExitCode::FAILURE;
        }
    };
    let params = GenerateParams {
        seed: 42,
        temperature: 0.8,
        max_tokens: chars.min(gpt::generate::MAX_TOKENS),
        top_k: None,
    };
    // One warm-up run so that allocation and page faults are not measured.
    if let Err(e) = generate(&model, &vocab, &prompt, &params, |_| {
        ControlFlow::Continue(())
    }) {
        eprintln!("gpt-bench: {e}");
        return ExitCode::FAILURE;
    }
    let mut ttfc = Vec::new();
    let mut rates = Vec::new();
    let mut text = String::new();
    for _ in 0..runs {
        match generate(&model, &vocab, &prompt, &params, |_| {
            ControlFlow::Continue(())
        }) {
            Ok(g) => {
                ttfc.push(g.time_to_first_char * 1000.0);
                rates.push(g.tokens as f64 / g.generation_time);
                text = g.text;
            }
            Err(e) => {
                eprintln!("gpt-bench: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let report = serde_json::json!({
        "implementation": "candle",
        "model": source,
        "parameters": model.config().parameter_count(),
        "threads": candle_core::utils::get_num_threads(),
        "chars": params.max_tokens,
        "runs": runs,
        "time_to_first_char_ms": median(&mut ttfc),
        "chars_per_second": median(&mut rates),
        "sample": text.chars().take(80).collect::<String>(),
    });
    println!("{report}");
    ExitCode::SUCCESS
}
