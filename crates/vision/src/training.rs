//! Training and evaluating a head from labelled pictures: what `classifier-train` and
//! `classifier-eval` run, kept here so the tests run it too.

use crate::augment::{self, Rng};
use crate::classifier::OTHER;
use crate::dataset::{self, Example};
use crate::efficientnet::EfficientNetLite0;
use crate::head::{Bank, Confusion, Head, TrainOptions, argmax};
use crate::{VisionResult, drawn};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, Clone, Serialize)]
pub struct TrainConfig {
    /// Fraction of each class held out for validation.
    pub validation: f64,
    /// Feature vectors per training image: itself, its mirror, then random crops with jitter.
    pub views: usize,
    /// Drawn Superman emblems added as that class's examples (0: none).
    pub drawn_superman: usize,
    pub seed: u64,
    pub options: TrainOptions,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            validation: 0.15,
            views: 4,
            drawn_superman: 120,
            seed: 42,
            options: TrainOptions::default(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct TrainReport {
    pub config: TrainConfig,
    pub images: BTreeMap<String, usize>,
    pub train_images: usize,
    pub validation_images: usize,
    pub feature_vectors: usize,
    pub feature_seconds: f64,
    pub train_seconds: f64,
    pub validation_accuracy: f64,
    pub validation: Confusion,
}

pub struct Trained {
    pub head: Head,
    pub bank: Bank,
    pub report: TrainReport,
}

/// Splits, augments, extracts features, trains and validates. `progress(done, total)` is called
/// as feature vectors are computed.
pub fn train(
    backbone: &EfficientNetLite0,
    mut examples: Vec<Example>,
    config: &TrainConfig,
    mut progress: impl FnMut(usize, usize),
) -> VisionResult<Trained> {
    for (i, image) in drawn::emblems(config.drawn_superman, config.seed)
        .into_iter()
        .enumerate()
    {
        examples.push(Example {
            class: "superman".into(),
            path: PathBuf::from(format!("drawn-emblem-{i}")),
            image,
        });
    }
    let images = dataset::class_counts(&examples);
    let (train_set, validation_set) = dataset::split(examples, config.validation, config.seed);

    let mut rng = Rng::new(config.seed);
    let mut views = Vec::new();
    let mut labels = Vec::new();
    for example in &train_set {
        let count = config.views.max(1);
        views.extend(augment::views(&example.image, count, &mut rng));
        labels.extend(std::iter::repeat_n(example.class.clone(), count));
    }
    let started = Instant::now();
    let total = views.len() + validation_set.len();
    let mut features = Vec::with_capacity(views.len());
    for chunk in views.chunks(32) {
        features.extend(backbone.features(chunk)?);
        progress(features.len(), total);
    }
    let mut bank = Bank::default();
    for (class, f) in labels.iter().zip(&features) {
        bank.push(class, f);
    }
    let validation_images: Vec<_> = validation_set.iter().map(|e| e.image.clone()).collect();
    let validation_features = backbone.features(&validation_images)?;
    progress(total, total);
    let feature_seconds = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let mut head = Head::train(&bank, &config.options)?;
    let train_seconds = started.elapsed().as_secs_f64();

    let mut confusion = Confusion::new(head.classes.clone());
    for (example, f) in validation_set.iter().zip(&validation_features) {
        let p = head.probabilities(f);
        if let Some(truth) = head.classes.iter().position(|c| *c == example.class) {
            confusion.add(truth, argmax(&p));
        }
    }
    head.metadata.insert(
        "validation_accuracy".into(),
        format!("{:.4}", confusion.accuracy()),
    );
    head.metadata
        .insert("trained_on".into(), serde_json::to_string(&bank.counts())?);
    head.metadata
        .insert("images".into(), serde_json::to_string(&images)?);
    head.metadata
        .insert("drawn_superman".into(), config.drawn_superman.to_string());
    let report = TrainReport {
        config: config.clone(),
        images,
        train_images: train_set.len(),
        validation_images: validation_set.len(),
        feature_vectors: bank.len(),
        feature_seconds,
        train_seconds,
        validation_accuracy: confusion.accuracy(),
        validation: confusion,
    };
    Ok(Trained { head, bank, report })
}

#[derive(Debug, Serialize)]
pub struct EvalReport {
    pub images: usize,
    pub threshold: f32,
    /// The head's top class.
    pub accuracy: f64,
    pub confusion: Confusion,
    /// With "other" answered under the threshold.
    pub accuracy_with_threshold: f64,
    pub confusion_with_threshold: Confusion,
    /// Images whose folder names a class the head does not know.
    pub unknown_class_images: usize,
}

/// Scores a head on labelled pictures, with and without the confidence threshold.
pub fn evaluate(
    backbone: &EfficientNetLite0,
    head: &Head,
    examples: &[Example],
    threshold: f32,
) -> VisionResult<EvalReport> {
    let images: Vec<_> = examples.iter().map(|e| e.image.clone()).collect();
    let features = backbone.features(&images)?;
    let mut raw = Confusion::new(head.classes.clone());
    let mut thresholded = Confusion::new(head.classes.clone());
    let other = head.classes.iter().position(|c| c == OTHER);
    let mut unknown = 0;
    for (example, f) in examples.iter().zip(&features) {
        let Some(truth) = head.classes.iter().position(|c| *c == example.class) else {
            unknown += 1;
            continue;
        };
        let p = head.probabilities(f);
        let top = argmax(&p);
        raw.add(truth, top);
        let answer = match other {
            Some(o) if p[top] < threshold => o,
            _ => top,
        };
        thresholded.add(truth, answer);
    }
    Ok(EvalReport {
        images: examples.len(),
        threshold,
        accuracy: raw.accuracy(),
        confusion: raw,
        accuracy_with_threshold: thresholded.accuracy(),
        confusion_with_threshold: thresholded,
        unknown_class_images: unknown,
    })
}
