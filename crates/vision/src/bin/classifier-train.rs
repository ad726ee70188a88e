//! Trains the classifier from folders of labelled images (one sub-folder per class): runs the
//! network's trunk over every picture once, fine-tunes its tail, trains the head on the tail's
//! features, fits the temperature on a validation split; prints accuracy, a confusion matrix and
//! the reliability table, and saves the tail, the head, its feature bank and a JSON report.
//!
//!     classifier-train --data DIR [--data DIR ...] [--out DIR] [--weights FILE]
//!                      [--validation 0.1] [--views 2] [--drawn-superman 120] [--steps 300]
//!                      [--epochs 8] [--learning-rate 0.0003] [--bank-per-class 800]
//!                      [--cache FILE] [--seed 42]
//!
//! The shipped classifier (writes crates/vision/shipped/):
//! `scripts/train-classifier.sh` (both CIFAR training folders of ../shared/data).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use vision::training::{self, TrainConfig};
use vision::{EfficientNetLite0, dataset};

struct Options {
    data: Vec<PathBuf>,
    cache: Option<PathBuf>,
    out: PathBuf,
    weights: PathBuf,
    config: TrainConfig,
}

fn parse() -> Result<Options, String> {
    let mut data = Vec::new();
    let mut cache = None;
    let mut out = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/shipped"));
    let mut weights = vision::efficientnet::default_weights();
    let mut config = TrainConfig::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        let number = |name: &str, v: String| {
            v.parse::<f64>()
                .map_err(|_| format!("{name} takes a number"))
        };
        match arg.as_str() {
            "--data" => data.push(PathBuf::from(value("--data")?)),
            "--cache" => cache = Some(PathBuf::from(value("--cache")?)),
            "--epochs" => {
                config.fine_tune.epochs = number("--epochs", value("--epochs")?)? as usize
            }
            "--learning-rate" => {
                config.fine_tune.learning_rate =
                    number("--learning-rate", value("--learning-rate")?)?
            }
            "--bank-per-class" => {
                config.bank_per_class =
                    number("--bank-per-class", value("--bank-per-class")?)? as usize
            }
            "--out" => out = PathBuf::from(value("--out")?),
            "--weights" => weights = PathBuf::from(value("--weights")?),
            "--validation" => config.validation = number("--validation", value("--validation")?)?,
            "--views" => config.views = number("--views", value("--views")?)? as usize,
            "--drawn-superman" => {
                config.drawn_superman =
                    number("--drawn-superman", value("--drawn-superman")?)? as usize
            }
            "--steps" => config.options.steps = number("--steps", value("--steps")?)? as usize,
            "--seed" => {
                config.seed = number("--seed", value("--seed")?)? as u64;
                config.fine_tune.seed = config.seed;
            }
            "-h" | "--help" => return Err(usage()),
            other => return Err(format!("unknown argument {other}\n{}", usage())),
        }
    }
    if !(0.0..0.9).contains(&config.validation) {
        return Err("--validation must be at least 0 and under 0.9".into());
    }
    if data.is_empty() {
        return Err(usage());
    }
    Ok(Options {
        data,
        cache,
        out,
        weights,
        config,
    })
}

fn usage() -> String {
    "usage: classifier-train --data DIR [--data DIR ...] [--out DIR] [--weights FILE] [--validation 0.1] [--views 2] [--drawn-superman 120] [--steps 300] [--epochs 8] [--learning-rate 0.0003] [--bank-per-class 800] [--cache FILE] [--seed 42]".into()
}

fn main() -> ExitCode {
    let options = match parse() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    match run(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("classifier-train: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(options: &Options) -> vision::VisionResult<()> {
    let backbone = EfficientNetLite0::load(&options.weights)?;
    let mut examples = Vec::new();
    for dir in &options.data {
        examples.extend(dataset::load_folder(dir)?);
    }
    println!(
        "{} images: {:?}",
        examples.len(),
        dataset::class_counts(&examples)
    );
    let cache = options
        .cache
        .clone()
        .map(|path| training::TrunkCache { path });
    let started = Instant::now();
    let trained = training::train(
        &backbone,
        examples,
        &options.config,
        cache.as_ref(),
        |p| match p {
            training::Progress::Trunks { done, total } => {
                let elapsed = started.elapsed().as_secs_f64();
                let rate = done as f64 / elapsed.max(1e-9);
                let eta = (total - done) as f64 / rate.max(1e-9);
                eprint!("\rtrunk {done}/{total}  {rate:.1} images/s  ETA {eta:.0} s   ");
            }
            training::Progress::Epoch(e) => eprintln!(
                "\nepoch {}: loss {:.4}, validation {:.1}% ({:.0} s)",
                e.epoch,
                e.train_loss,
                100.0 * e.validation_accuracy,
                e.seconds
            ),
        },
    )?;
    eprintln!();
    let r = &trained.report;
    println!(
        "trunk {:.0} s, fine-tuning {:.0} s, head {:.1} s ({} vectors); total {:.0} s",
        r.trunk_seconds,
        r.fine_tune_seconds,
        r.head_seconds,
        r.feature_vectors,
        started.elapsed().as_secs_f64()
    );
    println!(
        "validation: {} images, accuracy {:.1}%\n{}",
        r.validation_images,
        100.0 * r.validation_accuracy,
        r.validation.render()
    );
    println!(
        "temperature {:.3}\nbefore:\n{}after:\n{}",
        r.temperature,
        r.reliability_before.render(),
        r.reliability_after.render()
    );
    std::fs::create_dir_all(&options.out)?;
    vision::write_atomically(
        &options.out.join("tail.safetensors"),
        &trained.tail.to_bytes()?,
    )?;
    trained.head.save(&options.out.join("head.safetensors"))?;
    trained.bank.save(&options.out.join("bank.safetensors"))?;
    vision::write_atomically(
        &options.out.join("report.json"),
        &serde_json::to_vec_pretty(r)?,
    )?;
    println!(
        "saved tail, head, feature bank and report.json to {}",
        options.out.display()
    );
    Ok(())
}
