//! Scores a saved head on a folder of labelled images (one sub-folder per class): accuracy and a
//! confusion matrix, by the head's top class and with "other" under the confidence threshold.
//!
//!     classifier-eval --data DIR [--head FILE] [--tail FILE] [--weights FILE] [--threshold 0.6]
//!                     [--mirror true] [--json FILE]
//!
//! The shipped head on the held-out CIFAR photos:
//! `classifier-eval --data ../shared/data/cifar10-subset/test`

use std::path::PathBuf;
use std::process::ExitCode;
use vision::tail::TailWeights;
use vision::{EfficientNetLite0, Head, dataset, training};

fn main() -> ExitCode {
    let mut data = None;
    let mut head = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/shipped/head.safetensors"
    ));
    let mut tail = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/shipped/tail.safetensors"
    ));
    let mut mirror = false;
    let mut weights = vision::efficientnet::default_weights();
    let mut threshold = 0.6f32;
    let mut json = None;
    let mut args = std::env::args().skip(1);
    let usage = "usage: classifier-eval --data DIR [--head FILE] [--tail FILE] [--weights FILE] [--threshold 0.6] [--mirror true] [--json FILE]";
    while let Some(arg) = args.next() {
        let Some(value) = args.next() else {
            eprintln!("{usage}");
            return ExitCode::from(2);
        };
        match arg.as_str() {
            "--data" => data = Some(PathBuf::from(value)),
            "--head" => head = PathBuf::from(value),
            "--tail" => tail = PathBuf::from(value),
            "--mirror" => mirror = value == "true",
            "--weights" => weights = PathBuf::from(value),
            "--json" => json = Some(PathBuf::from(value)),
            "--threshold" => match value.parse() {
                Ok(t) if (0.0..=1.0).contains(&t) => threshold = t,
                _ => {
                    eprintln!("--threshold takes a number from 0 to 1");
                    return ExitCode::from(2);
                }
            },
            _ => {
                eprintln!("{usage}");
                return ExitCode::from(2);
            }
        }
    }
    let Some(data) = data else {
        eprintln!("{usage}");
        return ExitCode::from(2);
    };
    let run = || -> vision::VisionResult<()> {
        let mut backbone = EfficientNetLite0::load(&weights)?;
        if tail.exists() {
            backbone = TailWeights::from_bytes(&std::fs::read(&tail)?)?.adapt(backbone)?;
        }
        let head = Head::from_bytes(&std::fs::read(&head)?)?;
        let examples = dataset::load_folder(&data)?;
        let started = std::time::Instant::now();
        let report = training::evaluate(&backbone, &head, &examples, threshold, mirror)?;
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "{} images ({} of classes the head does not know)\n\ntop class: accuracy {:.1}%\n{}\nwith \"other\" under {threshold}: accuracy {:.1}%\n{}",
            report.images,
            report.unknown_class_images,
            100.0 * report.accuracy,
            report.confusion.render(),
            100.0 * report.accuracy_with_threshold,
            report.confusion_with_threshold.render(),
        );
        println!(
            "mirror averaged: {mirror}; {:.1} ms per picture\n{}",
            1000.0 * seconds / examples.len().max(1) as f64,
            report.reliability.render()
        );
        if let Some(path) = &json {
            vision::write_atomically(path, &serde_json::to_vec_pretty(&report)?)?;
        }
        Ok(())
    };
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("classifier-eval: {e}");
            ExitCode::FAILURE
        }
    }
}
