//! Trains a character-level GPT on a text file and writes the model directory
//! (model.safetensors, config.json, vocab.json, train-log.json) plus a resumable checkpoint.
//!
//!   gpt-train --text corpus/shakespeare.txt --name shakespeare --out crates/gpt/shipped/shakespeare
//!             [--iters 3000] [--batch 32] [--block 128] [--layers 4] [--heads 4] [--width 128]
//!             [--lr 2e-3] [--min-lr 2e-4] [--warmup 100] [--eval-interval 250] [--eval-batches 20]
//!             [--seed 1337] [--resume]
//!
//! Creating the file <out>/STOP ends the run at the next step, after a checkpoint.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use gpt::train::{Progress, TrainConfig, Trainer};

fn usage(msg: &str) -> ExitCode {
    eprintln!("gpt-train: {msg}");
    eprintln!(
        "usage: gpt-train --text FILE --name NAME --out DIR [--iters N] [--batch N] [--block N] \
         [--layers N] [--heads N] [--width N] [--lr X] [--min-lr X] [--warmup N] \
         [--eval-interval N] [--eval-batches N] [--seed N] [--resume]"
    );
    ExitCode::from(2)
}

fn format_duration(seconds: f64) -> String {
    let s = seconds.max(0.0) as u64;
    if s >= 3600 {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    } else {
        format!("{}m{:02}s", s / 60, s % 60)
    }
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut config = TrainConfig::default();
    let (mut text, mut name, mut out, mut resume) = (None, None, None, false);
    while let Some(arg) = args.next() {
        if arg == "--resume" {
            resume = true;
            continue;
        }
        let Some(value) = args.next() else {
            return usage(&format!("{arg} needs a value"));
        };
        let int = |v: &str| {
            v.parse::<usize>()
                .map_err(|_| format!("{arg}: {v:?} is not a whole number"))
        };
        let float = |v: &str| {
            v.parse::<f64>()
                .map_err(|_| format!("{arg}: {v:?} is not a number"))
        };
        let parsed: Result<(), String> = (|| {
            match arg.as_str() {
                "--text" => text = Some(PathBuf::from(&value)),
                "--name" => name = Some(value.clone()),
                "--out" => out = Some(PathBuf::from(&value)),
                "--iters" => config.max_iters = int(&value)?,
                "--batch" => config.batch_size = int(&value)?,
                "--block" => config.block_size = int(&value)?,
                "--layers" => config.n_layer = int(&value)?,
                "--heads" => config.n_head = int(&value)?,
                "--width" => config.n_embd = int(&value)?,
                "--lr" => config.learning_rate = float(&value)?,
                "--min-lr" => config.min_learning_rate = float(&value)?,
                "--warmup" => config.warmup_iters = int(&value)?,
                "--eval-interval" => config.eval_interval = int(&value)?.max(1),
                "--eval-batches" => config.eval_batches = int(&value)?.max(1),
                "--seed" => config.seed = int(&value)? as u64,
                other => return Err(format!("unknown option {other}")),
            }
            Ok(())
        })();
        if let Err(msg) = parsed {
            return usage(&msg);
        }
    }
    let (Some(text_path), Some(out)) = (text, out) else {
        return usage("--text and --out are required");
    };
    let name = name.unwrap_or_else(|| {
        out.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("model")
            .to_string()
    });
    let text = match std::fs::read_to_string(&text_path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!(
                "gpt-train: cannot read {}: {e} (scripts/fetch-corpus.sh fetches the texts)",
                text_path.display()
            );
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = std::fs::create_dir_all(&out) {
        eprintln!("gpt-train: cannot create {}: {e}", out.display());
        return ExitCode::FAILURE;
    }
    let stop_file = out.join("STOP");
    let _ = std::fs::remove_file(&stop_file);
    let source = text_path.display().to_string();
    let mut trainer = match Trainer::new(&name, &text, &source, config.clone(), &out, resume) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("gpt-train: {e}");
            return ExitCode::FAILURE;
        }
    };
    let log = trainer.log();
    eprintln!(
        "gpt-train: {name}: {} characters ({} distinct), {} parameters, {} threads, {}",
        log.text_chars,
        log.vocab_size,
        log.parameters,
        log.threads,
        if trainer.iter() > 0 {
            format!("resuming at step {}", trainer.iter())
        } else {
            "from scratch".into()
        }
    );
    let started = Instant::now();
    let interactive = std::env::var_os("GPT_TRAIN_PLAIN").is_none();
    let result = trainer.run(
        |p| match p {
            Progress::Step { iter, max_iters, loss, learning_rate, grad_norm, iters_per_second } => {
                let remaining = (max_iters - iter) as f64 / iters_per_second.max(1e-9);
                let width = 30;
                let filled = (iter * width) / max_iters.max(1);
                let bar = format!("{}{}", "#".repeat(filled), ".".repeat(width - filled));
                let line = format!(
                    "[{bar}] {iter}/{max_iters} loss {loss:.3} lr {learning_rate:.1e} |g| {grad_norm:.2} {:.2} it/s ETA {}",
                    iters_per_second,
                    format_duration(remaining)
                );
                if interactive {
                    eprint!("\r{line}   ");
                } else if iter % 10 == 0 {
                    eprintln!("{line}");
                }
                let _ = std::io::stderr().flush();
            }
            Progress::Eval(r) => eprintln!(
                "\nstep {}: train loss {:.4}, val loss {:.4} ({} elapsed)",
                r.iter,
                r.train_loss,
                r.val_loss,
                format_duration(r.elapsed_s)
            ),
            Progress::Saved(dir) => eprintln!("checkpoint saved in {}", dir.display()),
        },
        || stop_file.exists(),
    );
    if let Err(e) = result {
        eprintln!("\ngpt-train: {e}");
        return ExitCode::FAILURE;
    }
    let log = trainer.log();
    eprintln!(
        "gpt-train: done in {} ({} steps); best val loss {:?} at step {:?}",
        format_duration(started.elapsed().as_secs_f64()),
        log.iters_done,
        log.best_val_loss,
        log.best_iter
    );
    let prompt = if name == "milton" { "Of Man" } else { "ROMEO:" };
    match trainer.record_sample(prompt, 300) {
        Ok(sample) => println!("{sample}"),
        Err(e) => eprintln!("gpt-train: could not sample: {e}"),
    }
    ExitCode::SUCCESS
}
