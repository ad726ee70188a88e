//! Prints the embedded model's figures: load time, prompt processing and generation tokens/s.
//! `cargo run --release -p llm-embedded --example bench -- MODEL.gguf [threads] [runs]`

use llm_embedded::{EmbeddedModel, GenerationParams, Message, Role};
use std::ops::ControlFlow;
use std::path::PathBuf;

/// The same messages scripts/bench-llm.sh gives llama.cpp.
const SYSTEM: &str = "You are a friendly, helpful assistant who always talks like a pirate.";
const USER: &str = "Explain in a few sentences how a ship's compass works, why sailors trusted it on long \
voyages, and what can make it point the wrong way.";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = PathBuf::from(
        args.next()
            .unwrap_or_else(|| format!("models/{}", llm_embedded::MODEL_FILE)),
    );
    let threads: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(3);
    let model = EmbeddedModel::load(&path, threads)?;
    println!(
        "embedded_load_ms {:.0}",
        model.load_time.as_secs_f64() * 1000.0
    );
    let messages = [
        Message {
            role: Role::System,
            content: SYSTEM.into(),
        },
        Message {
            role: Role::User,
            content: USER.into(),
        },
    ];
    let params = GenerationParams {
        temperature: 0.0,
        max_new_tokens: 128,
        repeat_penalty: 1.0,
        ..Default::default()
    };
    let (mut prompt_tps, mut gen_tps) = (Vec::new(), Vec::new());
    let mut prompt_tokens = 0;
    for _ in 0..runs {
        let stats = model.generate(&messages, params, |_| ControlFlow::Continue(()))?;
        prompt_tokens = stats.prompt_tokens;
        prompt_tps.push(stats.prompt_tokens_per_second());
        gen_tps.push(stats.generation_tokens_per_second());
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    println!("embedded_prompt_tokens {prompt_tokens}");
    println!(
        "embedded_prompt_tokens_per_s {:.1}",
        median(&mut prompt_tps)
    );
    println!(
        "embedded_generation_tokens_per_s {:.1}",
        median(&mut gen_tps)
    );
    Ok(())
}
