//! Trains the offline planner's intent model and reports how well it generalises.
//!
//!     support-train-intents [--check | --predict MESSAGE...]
//!
//! Embeds every labelled message of `crates/support/data/intents.tsv` (and each intent's own
//! examples) with MiniLM, picks the regularisation and training length by 5-fold
//! cross-validation, prints the cross-validated accuracy per label, trains on everything and
//! writes `crates/support/data/intent_model.json`. With --check it only reports the
//! cross-validation of the shipped settings and writes nothing; with --predict it prints the
//! shipped model's three likeliest labels for each message. MODELS_DIR (default ./models) must
//! hold minilm/.

use llm_embedded::embedding::{EMBEDDING_MODEL_DIR, SentenceEmbedder};
use std::path::PathBuf;
use std::process::ExitCode;
use support::understanding::intent_model::{
    self, CrossValidation, Example, IntentModel, TrainOptions, training_fingerprint,
};
use support::understanding::reading::for_model;
use support::understanding::semantic::{model_labels, training_set};

const FOLDS: usize = 5;

fn print_cv(cv: &CrossValidation) {
    for (label, correct, total) in &cv.per_label {
        println!(
            "  {label:<16} {correct:>3}/{total:<3} {:>5.1}%",
            *correct as f32 * 100.0 / (*total).max(1) as f32
        );
    }
    println!(
        "  {:<16} {:>7} {:>5.1}%  log-loss {:.3} ({}-fold cross-validation)",
        "ALL",
        cv.examples,
        cv.accuracy * 100.0,
        cv.log_loss,
        cv.folds
    );
}

/// Cross-validated accuracy of the nearest labelled neighbour (cosine), with the same folds.
fn nearest_neighbour_accuracy(examples: &[Example], folds: usize) -> f32 {
    let dot = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>();
    let mut correct = 0usize;
    for (i, example) in examples.iter().enumerate() {
        let nearest = examples
            .iter()
            .enumerate()
            .filter(|(j, _)| j % folds != i % folds)
            .max_by(|a, b| {
                dot(&a.1.vector, &example.vector).total_cmp(&dot(&b.1.vector, &example.vector))
            });
        if nearest.is_some_and(|(_, n)| n.class == example.class) {
            correct += 1;
        }
    }
    correct as f32 / examples.len().max(1) as f32
}

fn main() -> ExitCode {
    let check_only = std::env::args().any(|a| a == "--check");
    let models_dir = std::env::var("MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from("models"));
    let embedder = match SentenceEmbedder::load(&models_dir.join(EMBEDDING_MODEL_DIR), 2) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("cannot load MiniLM from {}: {e}", models_dir.display());
            return ExitCode::from(2);
        }
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--predict") {
        let Some(model) = intent_model::shipped() else {
            eprintln!("the shipped model does not parse");
            return ExitCode::from(2);
        };
        for text in &args[1..] {
            match embedder.embed(&[for_model(text).as_str()]) {
                Ok(v) => {
                    let ranked = model.predict(&v[0]);
                    let top: Vec<String> = ranked
                        .iter()
                        .take(3)
                        .map(|(l, p)| format!("{l} {p:.2}"))
                        .collect();
                    println!("{text}\n  {}", top.join(", "));
                }
                Err(e) => eprintln!("embedding failed: {e}"),
            }
        }
        return ExitCode::SUCCESS;
    }
    let set = training_set();
    let labels = model_labels();
    let mut examples = Vec::with_capacity(set.len());
    for batch in set.chunks(32) {
        // As the planner reads a message: without email addresses.
        let owned: Vec<String> = batch.iter().map(|(_, t)| for_model(t)).collect();
        let texts: Vec<&str> = owned.iter().map(String::as_str).collect();
        let vectors = match embedder.embed(&texts) {
            Ok(v) => v,
            Err(e) => {
                eprintln!("embedding failed: {e}");
                return ExitCode::from(2);
            }
        };
        for ((label, _), vector) in batch.iter().zip(vectors) {
            let Some(class) = labels.iter().position(|l| l == label) else {
                eprintln!("unknown label {label}");
                return ExitCode::from(2);
            };
            examples.push(Example { class, vector });
        }
    }
    println!(
        "{} labelled messages, {} labels",
        examples.len(),
        labels.len()
    );

    if check_only {
        let options = intent_model::shipped()
            .map(|m| m.options)
            .unwrap_or_default();
        println!("shipped settings {options:?}:");
        print_cv(&IntentModel::cross_validate(
            &labels, &examples, FOLDS, options,
        ));
        return ExitCode::SUCCESS;
    }

    // Model selection by cross-validated log-loss (calibrated probabilities are weighed against
    // keyword evidence in the planner), never by the evaluation scenarios.
    let mut best: Option<(TrainOptions, CrossValidation)> = None;
    println!(
        "baseline, nearest labelled neighbour (what the planner used before): {:.1}%",
        nearest_neighbour_accuracy(&examples, FOLDS) * 100.0
    );
    for l2 in [1e-4f32, 1e-3, 3e-3, 1e-2] {
        for epochs in [300usize, 1000] {
            let options = TrainOptions {
                epochs,
                learning_rate: 4.0,
                l2,
            };
            let cv = IntentModel::cross_validate(&labels, &examples, FOLDS, options);
            println!(
                "l2 {l2:<7} epochs {epochs:<4} accuracy {:.1}% log-loss {:.3}",
                cv.accuracy * 100.0,
                cv.log_loss
            );
            if best.as_ref().is_none_or(|(_, b)| cv.log_loss < b.log_loss) {
                best = Some((options, cv));
            }
        }
    }
    let Some((options, cv)) = best else {
        return ExitCode::from(2);
    };
    println!("chosen {options:?}:");
    print_cv(&cv);
    let mut model = IntentModel::train(labels, &examples, options);
    model.training_sha256 = training_fingerprint(set.iter().copied());
    model.cross_validation = Some(cv);
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/intent_model.json");
    let json = match serde_json::to_string(&model) {
        Ok(j) => j,
        Err(e) => {
            eprintln!("cannot serialise the model: {e}");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = std::fs::write(&path, json + "\n") {
        eprintln!("cannot write {}: {e}", path.display());
        return ExitCode::from(2);
    }
    println!("wrote {}", path.display());
    ExitCode::SUCCESS
}
