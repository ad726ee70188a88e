//! Training and evaluating a head from labelled pictures: what `classifier-train` and
//! `classifier-eval` run, kept here so the tests run it too.

use crate::augment::Rng;
use crate::calibration::{Reliability, fit_temperature, probabilities_at, reliability};
use crate::classifier::OTHER;
use crate::dataset::{self, Example};
use crate::efficientnet::{EfficientNetLite0, FEATURES};
use crate::head::{Bank, Confusion, Head, TrainOptions, argmax};
use crate::tail::{
    Epoch, FineTuneOptions, TRUNK_LEN, TailWeights, TrunkSet, features_of_trunks, fine_tune,
    mirror_trunk,
};
use crate::tensorfile::Data;
use crate::{VisionResult, drawn};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, Clone, Serialize)]
pub struct TrainConfig {
    /// Fraction of each class held out for validation (choosing the epoch, fitting the
    /// temperature, and the figures).
    pub validation: f64,
    /// Feature vectors per training picture for the head: itself, then its mirror (1 or 2).
    pub views: usize,
    /// Drawn Superman emblems added as that class's examples (0: none).
    pub drawn_superman: usize,
    pub seed: u64,
    pub options: TrainOptions,
    /// Fine-tuning the network's tail first (`epochs: 0` keeps ImageNet's).
    pub fine_tune: FineTuneOptions,
    /// The feature bank shipped for teaching keeps at most this many vectors per class.
    pub bank_per_class: usize,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            validation: 0.1,
            views: 2,
            drawn_superman: 120,
            seed: 42,
            options: TrainOptions::default(),
            fine_tune: FineTuneOptions::default(),
            bank_per_class: 800,
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
    /// Running the trunk over every picture (or reading it from the cache).
    pub trunk_seconds: f64,
    pub fine_tune_seconds: f64,
    pub epochs: Vec<Epoch>,
    pub head_seconds: f64,
    pub validation_accuracy: f64,
    pub validation: Confusion,
    pub temperature: f32,
    /// On the validation photos, before and after the temperature.
    pub reliability_before: Reliability,
    pub reliability_after: Reliability,
}

pub struct Trained {
    pub head: Head,
    pub bank: Bank,
    pub tail: TailWeights,
    pub report: TrainReport,
}

/// Trunk outputs of pictures, `TRUNK_LEN` values each, in batches of 16.
pub fn trunks(
    backbone: &EfficientNetLite0,
    images: &[image::RgbImage],
    mut progress: impl FnMut(usize),
) -> VisionResult<Vec<f32>> {
    let mut out = Vec::with_capacity(images.len() * TRUNK_LEN);
    for (i, chunk) in images.chunks(16).enumerate() {
        let t = backbone.trunk(&crate::preprocess::batch(chunk)?)?;
        out.extend(t.flatten_all()?.to_vec1::<f32>()?);
        progress((i * 16 + chunk.len()).min(images.len()));
    }
    Ok(out)
}

/// A cache of the trunk outputs of a training run's pictures, so that runs that differ only in
/// their fine-tuning or head settings skip the costly part. Keyed by the pictures and the split.
pub struct TrunkCache {
    pub path: PathBuf,
}

fn fingerprint(train: &[Example], validation: &[Example], config: &TrainConfig) -> String {
    // FNV-1a over the pictures' names, classes and sizes, in order.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for e in train.iter().chain(validation) {
        for b in e
            .path
            .to_string_lossy()
            .bytes()
            .chain(e.class.bytes())
            .chain(e.image.width().to_le_bytes())
            .chain(e.image.height().to_le_bytes())
        {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!(
        "{h:016x}-{}-{}-{}",
        train.len(),
        validation.len(),
        config.seed
    )
}

impl TrunkCache {
    fn load(&self, key: &str) -> Option<(Vec<f32>, Vec<f32>)> {
        let bytes = std::fs::read(&self.path).ok()?;
        let (tensors, meta) = crate::tensorfile::read(&bytes).ok()?;
        if meta.get("key").map(String::as_str) != Some(key) {
            return None;
        }
        let get = |name: &str| -> Option<Vec<f32>> {
            tensors
                .get(name)?
                .to_dtype(candle_core::DType::F32)
                .ok()?
                .flatten_all()
                .ok()?
                .to_vec1::<f32>()
                .ok()
        };
        Some((get("train")?, get("validation")?))
    }

    fn save(&self, key: &str, train: &[f32], validation: &[f32]) -> VisionResult<()> {
        let bytes = crate::tensorfile::encode(
            &[
                (
                    "train",
                    vec![train.len() / TRUNK_LEN, TRUNK_LEN],
                    Data::F16(train),
                ),
                (
                    "validation",
                    vec![validation.len() / TRUNK_LEN, TRUNK_LEN],
                    Data::F16(validation),
                ),
            ],
            &BTreeMap::from([("key".to_owned(), key.to_owned())]),
        )?;
        crate::write_atomically(&self.path, &bytes)
    }
}

/// What `train` reports as it goes.
pub enum Progress<'a> {
    Trunks { done: usize, total: usize },
    Epoch(&'a Epoch),
}

/// Splits, runs the trunk, fine-tunes the tail, trains the head on the tail's features, fits
/// the temperature and validates.
pub fn train(
    backbone: &EfficientNetLite0,
    mut examples: Vec<Example>,
    config: &TrainConfig,
    cache: Option<&TrunkCache>,
    mut progress: impl FnMut(Progress<'_>),
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
    let classes: Vec<String> = images.keys().cloned().collect();
    let label_of = |e: &Example| classes.iter().position(|c| *c == e.class).unwrap_or(0) as u32;
    let train_labels: Vec<u32> = train_set.iter().map(label_of).collect();
    let validation_labels: Vec<u32> = validation_set.iter().map(label_of).collect();

    let started = Instant::now();
    let key = fingerprint(&train_set, &validation_set, config);
    let cached = cache.and_then(|c| c.load(&key));
    let (train_trunks, validation_trunks) = match cached {
        Some(found) => found,
        None => {
            let total = train_set.len() + validation_set.len();
            let pictures: Vec<_> = train_set.iter().map(|e| e.image.clone()).collect();
            let t = trunks(backbone, &pictures, |done| {
                progress(Progress::Trunks { done, total })
            })?;
            let pictures: Vec<_> = validation_set.iter().map(|e| e.image.clone()).collect();
            let v = trunks(backbone, &pictures, |done| {
                progress(Progress::Trunks {
                    done: train_set.len() + done,
                    total,
                })
            })?;
            if let Some(cache) = cache {
                cache.save(&key, &t, &v)?;
            }
            (t, v)
        }
    };
    let trunk_seconds = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let original = TailWeights::original(backbone)?;
    let (tail, epochs) = if config.fine_tune.epochs > 0 {
        fine_tune(
            &original,
            classes.len(),
            &TrunkSet {
                trunks: &train_trunks,
                labels: &train_labels,
            },
            &TrunkSet {
                trunks: &validation_trunks,
                labels: &validation_labels,
            },
            &config.fine_tune,
            |e| progress(Progress::Epoch(e)),
        )?
    } else {
        (original, Vec::new())
    };
    // What ships is stored in half precision: the head learns that tail's features.
    let tail = TailWeights::from_bytes(&tail.to_bytes()?)?;
    let fine_tune_seconds = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let mut bank = Bank {
        classes: classes.clone(),
        extractor: tail.id().to_owned(),
        ..Bank::default()
    };
    let mut add = |trunks: &[f32]| -> VisionResult<()> {
        for (f, &label) in features_of_trunks(&tail, trunks)?.iter().zip(&train_labels) {
            bank.push(&classes[label as usize], f);
        }
        Ok(())
    };
    add(&train_trunks)?;
    if config.views >= 2 {
        let mirrored: Vec<f32> = train_trunks
            .chunks(TRUNK_LEN)
            .flat_map(mirror_trunk)
            .collect();
        add(&mirrored)?;
    }
    let mut head = Head::train(&bank, &config.options)?;
    let head_seconds = started.elapsed().as_secs_f64();

    let validation_features = features_of_trunks(&tail, &validation_trunks)?;
    let logits: Vec<Vec<f32>> = validation_features.iter().map(|f| head.logits(f)).collect();
    let truth: Vec<usize> = validation_labels.iter().map(|&l| l as usize).collect();
    let reliability_before = reliability(&probabilities_at(&logits, 1.0), &truth, 10);
    head.temperature = fit_temperature(&logits, &truth);
    let calibrated = probabilities_at(&logits, head.temperature);
    let reliability_after = reliability(&calibrated, &truth, 10);
    let mut confusion = Confusion::new(head.classes.clone());
    for (p, &y) in calibrated.iter().zip(&truth) {
        confusion.add(y, argmax(p));
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
    head.metadata
        .insert("extractor".into(), tail.id().to_owned());
    head.metadata.insert(
        "expected_calibration_error".into(),
        format!("{:.4}", reliability_after.ece),
    );
    let report = TrainReport {
        config: config.clone(),
        images,
        train_images: train_set.len(),
        validation_images: validation_set.len(),
        feature_vectors: bank.len(),
        trunk_seconds,
        fine_tune_seconds,
        epochs,
        head_seconds,
        validation_accuracy: confusion.accuracy(),
        validation: confusion,
        temperature: head.temperature,
        reliability_before,
        reliability_after,
    };
    let bank = subsample(&bank, config.bank_per_class, config.seed);
    Ok(Trained {
        head,
        bank,
        tail,
        report,
    })
}

/// At most `per_class` vectors of each class, chosen at random (seeded): the bank a taught class
/// is trained beside, small enough to ship and to retrain on in seconds.
pub fn subsample(bank: &Bank, per_class: usize, seed: u64) -> Bank {
    let mut rng = Rng::new(seed ^ 0x5eed);
    let mut out = Bank {
        classes: bank.classes.clone(),
        extractor: bank.extractor.clone(),
        ..Bank::default()
    };
    for c in 0..bank.classes.len() {
        let mut rows: Vec<usize> = (0..bank.len())
            .filter(|&i| bank.labels[i] as usize == c)
            .collect();
        rng.shuffle(&mut rows);
        rows.truncate(per_class);
        rows.sort_unstable();
        for i in rows {
            out.push(
                &bank.classes[c],
                &bank.features[i * FEATURES..(i + 1) * FEATURES],
            );
        }
    }
    out
}

#[derive(Debug, Serialize)]
pub struct EvalReport {
    pub images: usize,
    pub threshold: f32,
    /// Whether each picture's probabilities were averaged with its mirror's.
    pub mirrored: bool,
    /// The head's top class.
    pub accuracy: f64,
    pub confusion: Confusion,
    /// With "other" answered under the threshold.
    pub accuracy_with_threshold: f64,
    pub confusion_with_threshold: Confusion,
    /// How far the confidence can be trusted on these pictures.
    pub reliability: Reliability,
    /// Images whose folder names a class the head does not know.
    pub unknown_class_images: usize,
}

/// Scores a head on labelled pictures, with and without the confidence threshold; `mirrored`
/// averages each picture's probabilities with its mirror image's.
pub fn evaluate(
    backbone: &EfficientNetLite0,
    head: &Head,
    examples: &[Example],
    threshold: f32,
    mirrored: bool,
) -> VisionResult<EvalReport> {
    let images: Vec<_> = examples.iter().map(|e| e.image.clone()).collect();
    let features = backbone.features(&images)?;
    let mirror_features = if mirrored {
        let flipped: Vec<_> = images.iter().map(crate::augment::mirror).collect();
        Some(backbone.features(&flipped)?)
    } else {
        None
    };
    let mut raw = Confusion::new(head.classes.clone());
    let mut thresholded = Confusion::new(head.classes.clone());
    let other = head.classes.iter().position(|c| c == OTHER);
    let mut unknown = 0;
    let (mut all_p, mut all_truth) = (Vec::new(), Vec::new());
    for (i, (example, f)) in examples.iter().zip(&features).enumerate() {
        let Some(truth) = head.classes.iter().position(|c| *c == example.class) else {
            unknown += 1;
            continue;
        };
        let mut p = head.probabilities(f);
        if let Some(m) = &mirror_features {
            let q = head.probabilities(&m[i]);
            p.iter_mut().zip(q).for_each(|(a, b)| *a = (*a + b) / 2.0);
        }
        let top = argmax(&p);
        raw.add(truth, top);
        let answer = match other {
            Some(o) if p[top] < threshold => o,
            _ => top,
        };
        thresholded.add(truth, answer);
        all_p.push(p);
        all_truth.push(truth);
    }
    Ok(EvalReport {
        images: examples.len(),
        threshold,
        mirrored,
        accuracy: raw.accuracy(),
        confusion: raw,
        accuracy_with_threshold: thresholded.accuracy(),
        confusion_with_threshold: thresholded,
        reliability: reliability(&all_p, &all_truth, 10),
        unknown_class_images: unknown,
    })
}
