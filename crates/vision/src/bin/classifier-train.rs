//! Trains the classifier's head from a folder of labelled images (one sub-folder per class),
//! with augmentation and a validation split; prints accuracy and a confusion matrix and saves
//! the head, its feature bank and a JSON report.
//!
//!     classifier-train --data DIR [--out DIR] [--weights FILE] [--validation 0.15]
//!                      [--views 4] [--drawn-superman 120] [--steps 300] [--seed 42]
//!
//! The shipped head: `classifier-train --data ../shared/data/cifar10-subset/train`
//! (writes crates/vision/shipped/).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use vision::training::{self, TrainConfig};
use vision::{EfficientNetLite0, dataset};

struct Options {
    data: PathBuf,
    out: PathBuf,
    weights: PathBuf,
    config: TrainConfig,
}

fn parse() -> Result<Options, String> {
    let mut data = None;
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
            "--data" => data = Some(PathBuf::from(value("--data")?)),
            "--out" => out = PathBuf::from(value("--out")?),
            "--weights" => weights = PathBuf::from(value("--weights")?),
            "--validation" => config.validation = number("--validation", value("--validation")?)?,
            "--views" => config.views = number("--views", value("--views")?)? as usize,
            "--drawn-superman" => {
                config.drawn_superman =
                    number("--drawn-superman", value("--drawn-superman")?)? as usize
            }
            "--steps" => config.options.steps = number("--steps", value("--steps")?)? as usize,
            "--seed" => config.seed = number("--seed", value("--seed")?)? as u64,
            "-h" | "--help" => return Err(usage()),
            other => return Err(format!("unknown argument {other}\n{}", usage())),
        }
    }
    if !(0.0..0.9).contains(&config.validation) {
        return Err("--validation must be at least 0 and under 0.9".into());
    }
    let data = data.ok_or_else(usage)?;
    Ok(Options {
        data,
        out,
        weights,
        config,
    })
}

fn usage() -> String {
    "usage: classifier-train --data DIR [--out DIR] [--weights FILE] [--validation 0.15] [--views 4] [--drawn-superman 120] [--steps 300] [--seed 42]".into()
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
    let examples = dataset::load_folder(&options.data)?;
    println!(
        "{} images: {:?}",
        examples.len(),
        dataset::class_counts(&examples)
    );
    let started = Instant::now();
    let trained = training::train(&backbone, examples, &options.config, |done, total| {
        let elapsed = started.elapsed().as_secs_f64();
        let rate = done as f64 / elapsed.max(1e-9);
        let eta = (total - done) as f64 / rate.max(1e-9);
        eprint!("\rfeatures {done}/{total}  {rate:.1} images/s  ETA {eta:.0} s   ");
    })?;
    eprintln!();
    let r = &trained.report;
    println!(
        "features: {} vectors in {:.1} s; head: {} steps in {:.2} s",
        r.feature_vectors, r.feature_seconds, r.config.options.steps, r.train_seconds
    );
    println!(
        "validation: {} images, accuracy {:.1}%\n{}",
        r.validation_images,
        100.0 * r.validation_accuracy,
        r.validation.render()
    );
    std::fs::create_dir_all(&options.out)?;
    trained.head.save(&options.out.join("head.safetensors"))?;
    trained.bank.save(&options.out.join("bank.safetensors"))?;
    vision::write_atomically(
        &options.out.join("report.json"),
        &serde_json::to_vec_pretty(r)?,
    )?;
    println!(
        "saved head, feature bank and report.json to {}",
        options.out.display()
    );
    Ok(())
}
