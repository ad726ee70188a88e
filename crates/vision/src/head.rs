//! The class head: softmax regression on the backbone's 1280-d features (standardised), trained
//! by full-batch Adam with class-balanced weights so that a class taught with five photos counts
//! as much as one with three hundred. Training on a few thousand feature vectors takes seconds.

use crate::efficientnet::FEATURES;
use crate::tensorfile::{self, Data};
use crate::{VisionError, VisionResult};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Labelled feature vectors: what a head is trained on.
#[derive(Debug, Clone, Default)]
pub struct Bank {
    pub classes: Vec<String>,
    /// Index into `classes`, one per example.
    pub labels: Vec<u32>,
    /// `labels.len() * FEATURES` values.
    pub features: Vec<f32>,
    /// Which network's features these are (its tail's id): features of another network are
    /// not comparable, so a bank of another extractor is not trained on.
    pub extractor: String,
}

impl Bank {
    /// A bank with no examples yet, for features of `extractor`.
    pub fn empty(extractor: &str) -> Bank {
        Bank {
            extractor: extractor.to_owned(),
            ..Bank::default()
        }
    }

    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    pub fn class_index(&mut self, class: &str) -> u32 {
        match self.classes.iter().position(|c| c == class) {
            Some(i) => i as u32,
            None => {
                self.classes.push(class.to_owned());
                (self.classes.len() - 1) as u32
            }
        }
    }

    pub fn push(&mut self, class: &str, features: &[f32]) {
        debug_assert_eq!(features.len(), FEATURES);
        let label = self.class_index(class);
        self.labels.push(label);
        self.features.extend_from_slice(features);
    }

    /// Every example of `other`, its class names mapped onto this bank's.
    pub fn extend(&mut self, other: &Bank) {
        for (i, &label) in other.labels.iter().enumerate() {
            self.push(
                &other.classes[label as usize],
                &other.features[i * FEATURES..(i + 1) * FEATURES],
            );
        }
    }

    pub fn counts(&self) -> BTreeMap<String, usize> {
        let mut counts: BTreeMap<String, usize> =
            self.classes.iter().map(|c| (c.clone(), 0)).collect();
        for &l in &self.labels {
            *counts.entry(self.classes[l as usize].clone()).or_default() += 1;
        }
        counts
    }

    /// Stored as f16: a feature bank is only ever trained on, and halves its size.
    pub fn save(&self, path: &Path) -> VisionResult<()> {
        crate::write_atomically(path, &self.to_bytes()?)
    }

    /// The bytes `save` writes.
    pub fn to_bytes(&self) -> VisionResult<Vec<u8>> {
        let meta = BTreeMap::from([
            ("classes".to_owned(), serde_json::to_string(&self.classes)?),
            ("extractor".to_owned(), self.extractor.clone()),
        ]);
        tensorfile::encode(
            &[
                (
                    "features",
                    vec![self.len(), FEATURES],
                    Data::F16(&self.features),
                ),
                ("labels", vec![self.len()], Data::U32(&self.labels)),
            ],
            &meta,
        )
    }

    pub fn from_bytes(bytes: &[u8]) -> VisionResult<Self> {
        let (tensors, meta) = tensorfile::read(bytes)?;
        let classes: Vec<String> = serde_json::from_str(meta.get("classes").map_or("[]", |s| s))?;
        let get = |name: &str| {
            tensors
                .get(name)
                .ok_or_else(|| VisionError::Model(format!("the feature bank has no `{name}`")))
        };
        let features = get("features")?.flatten_all()?.to_vec1::<f32>()?;
        let labels = get("labels")?.to_vec1::<u32>()?;
        if features.len() != labels.len() * FEATURES
            || labels.iter().any(|&l| l as usize >= classes.len())
        {
            return Err(VisionError::Model(
                "the feature bank is inconsistent".into(),
            ));
        }
        Ok(Self {
            classes,
            labels,
            features,
            extractor: meta.get("extractor").cloned().unwrap_or_default(),
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrainOptions {
    pub steps: usize,
    pub learning_rate: f32,
    /// L2 penalty on the weights.
    pub weight_decay: f32,
}

impl Default for TrainOptions {
    fn default() -> Self {
        Self {
            steps: 300,
            learning_rate: 0.01,
            weight_decay: 1e-3,
        }
    }
}

/// A trained head: standardisation, then `softmax(W z + b)`.
#[derive(Debug, Clone)]
pub struct Head {
    pub classes: Vec<String>,
    mean: Vec<f32>,
    inv_std: Vec<f32>,
    /// `classes.len() * FEATURES`, row per class.
    weight: Vec<f32>,
    bias: Vec<f32>,
    /// Logits are divided by it before the softmax: fitted on held-out photos so that of the
    /// answers given with 80% confidence, about 80% are right (1: as trained).
    pub temperature: f32,
    /// Free-form figures kept with the head (examples per class, training time, accuracy).
    pub metadata: BTreeMap<String, String>,
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The index of the largest value (the first on ties; 0 when empty).
pub fn argmax(p: &[f32]) -> usize {
    (0..p.len())
        .max_by(|&a, &b| p[a].total_cmp(&p[b]))
        .unwrap_or(0)
}

pub fn softmax(logits: &mut [f32]) {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for v in logits.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    for v in logits.iter_mut() {
        *v /= sum;
    }
}

impl Head {
    fn standardise(&self, features: &[f32]) -> Vec<f32> {
        features
            .iter()
            .zip(&self.mean)
            .zip(&self.inv_std)
            .map(|((x, m), s)| (x - m) * s)
            .collect()
    }

    fn logits_of_standardised(&self, z: &[f32]) -> Vec<f32> {
        self.weight
            .chunks(FEATURES)
            .zip(&self.bias)
            .map(|(w, b)| dot(w, z) + b)
            .collect()
    }

    /// The head's scores before the temperature and the softmax.
    pub fn logits(&self, features: &[f32]) -> Vec<f32> {
        self.logits_of_standardised(&self.standardise(features))
    }

    /// Class probabilities for one feature vector, in `classes` order (calibrated).
    pub fn probabilities(&self, features: &[f32]) -> Vec<f32> {
        let mut p = self.logits(features);
        let t = if self.temperature > 0.0 {
            self.temperature
        } else {
            1.0
        };
        p.iter_mut().for_each(|v| *v /= t);
        softmax(&mut p);
        p
    }

    pub fn train(bank: &Bank, options: &TrainOptions) -> VisionResult<Self> {
        let n = bank.len();
        let k = bank.classes.len();
        let counts: Vec<usize> = (0..k)
            .map(|c| bank.labels.iter().filter(|&&l| l as usize == c).count())
            .collect();
        if k < 2 || counts.contains(&0) {
            return Err(VisionError::Training(
                "training needs at least two classes, each with an example".into(),
            ));
        }
        // Standardisation from the data; constant features keep a unit scale.
        let mut mean = vec![0f64; FEATURES];
        let mut var = vec![0f64; FEATURES];
        for x in bank.features.chunks(FEATURES) {
            for (m, v) in mean.iter_mut().zip(x) {
                *m += *v as f64;
            }
        }
        mean.iter_mut().for_each(|m| *m /= n as f64);
        for x in bank.features.chunks(FEATURES) {
            for ((s, v), m) in var.iter_mut().zip(x).zip(&mean) {
                *s += (*v as f64 - m).powi(2);
            }
        }
        let mut head = Head {
            classes: bank.classes.clone(),
            mean: mean.iter().map(|&m| m as f32).collect(),
            inv_std: var
                .iter()
                .map(|&v| {
                    let sd = (v / n as f64).sqrt();
                    if sd > 1e-6 { (1.0 / sd) as f32 } else { 1.0 }
                })
                .collect(),
            weight: vec![0f32; k * FEATURES],
            bias: vec![0f32; k],
            temperature: 1.0,
            metadata: BTreeMap::new(),
        };
        let z: Vec<f32> = bank
            .features
            .par_chunks(FEATURES)
            .flat_map_iter(|x| head.standardise(x))
            .collect();
        // Each class weighs the same in total, whatever its number of examples.
        let class_weight: Vec<f32> = counts
            .iter()
            .map(|&c| n as f32 / (k as f32 * c as f32))
            .collect();

        let (b1, b2, eps) = (0.9f32, 0.999f32, 1e-8f32);
        let mut m_w = vec![0f32; k * FEATURES];
        let mut v_w = vec![0f32; k * FEATURES];
        let mut m_b = vec![0f32; k];
        let mut v_b = vec![0f32; k];
        for step in 1..=options.steps {
            let (grad_w, grad_b) = z
                .par_chunks(FEATURES)
                .zip(bank.labels.par_iter())
                .fold(
                    || (vec![0f32; k * FEATURES], vec![0f32; k]),
                    |(mut gw, mut gb), (zi, &label)| {
                        let mut p = head.logits_of_standardised(zi);
                        softmax(&mut p);
                        let cw = class_weight[label as usize] / n as f32;
                        for c in 0..k {
                            let err = (p[c] - if c == label as usize { 1.0 } else { 0.0 }) * cw;
                            gb[c] += err;
                            for (g, x) in gw[c * FEATURES..(c + 1) * FEATURES].iter_mut().zip(zi) {
                                *g += err * x;
                            }
                        }
                        (gw, gb)
                    },
                )
                .reduce(
                    || (vec![0f32; k * FEATURES], vec![0f32; k]),
                    |(mut aw, mut ab), (bw, bb)| {
                        aw.iter_mut().zip(&bw).for_each(|(a, b)| *a += b);
                        ab.iter_mut().zip(&bb).for_each(|(a, b)| *a += b);
                        (aw, ab)
                    },
                );
            let lr = options.learning_rate * (1.0 - b2.powi(step as i32)).sqrt()
                / (1.0 - b1.powi(step as i32));
            for i in 0..k * FEATURES {
                let g = grad_w[i] + options.weight_decay * head.weight[i];
                m_w[i] = b1 * m_w[i] + (1.0 - b1) * g;
                v_w[i] = b2 * v_w[i] + (1.0 - b2) * g * g;
                head.weight[i] -= lr * m_w[i] / (v_w[i].sqrt() + eps);
            }
            for c in 0..k {
                let g = grad_b[c];
                m_b[c] = b1 * m_b[c] + (1.0 - b1) * g;
                v_b[c] = b2 * v_b[c] + (1.0 - b2) * g * g;
                head.bias[c] -= lr * m_b[c] / (v_b[c].sqrt() + eps);
            }
        }
        Ok(head)
    }

    pub fn save(&self, path: &Path) -> VisionResult<()> {
        crate::write_atomically(path, &self.to_bytes()?)
    }

    /// The bytes `save` writes.
    pub fn to_bytes(&self) -> VisionResult<Vec<u8>> {
        let mut meta = self.metadata.clone();
        meta.insert("classes".into(), serde_json::to_string(&self.classes)?);
        meta.insert("temperature".into(), self.temperature.to_string());
        let k = self.classes.len();
        tensorfile::encode(
            &[
                ("mean", vec![FEATURES], Data::F32(&self.mean)),
                ("inv_std", vec![FEATURES], Data::F32(&self.inv_std)),
                ("weight", vec![k, FEATURES], Data::F32(&self.weight)),
                ("bias", vec![k], Data::F32(&self.bias)),
            ],
            &meta,
        )
    }

    pub fn from_bytes(bytes: &[u8]) -> VisionResult<Self> {
        let (tensors, mut metadata) = tensorfile::read(bytes)?;
        let classes: Vec<String> =
            serde_json::from_str(&metadata.remove("classes").unwrap_or_else(|| "[]".into()))?;
        // Heads saved before calibration have none: as trained.
        let temperature = metadata
            .remove("temperature")
            .and_then(|t| t.parse::<f32>().ok())
            .filter(|t| t.is_finite() && *t > 0.0)
            .unwrap_or(1.0);
        let get = |name: &str| -> VisionResult<Vec<f32>> {
            Ok(tensors
                .get(name)
                .ok_or_else(|| VisionError::Model(format!("the head has no `{name}`")))?
                .flatten_all()?
                .to_vec1::<f32>()?)
        };
        let head = Head {
            mean: get("mean")?,
            inv_std: get("inv_std")?,
            weight: get("weight")?,
            bias: get("bias")?,
            temperature,
            classes,
            metadata,
        };
        let k = head.classes.len();
        if k < 2
            || head.mean.len() != FEATURES
            || head.inv_std.len() != FEATURES
            || head.weight.len() != k * FEATURES
            || head.bias.len() != k
        {
            return Err(VisionError::Model("the head's shapes do not agree".into()));
        }
        Ok(head)
    }
}

/// Predicted against true class counts, rows = true class, columns = predicted.
#[derive(Debug, Clone, Serialize)]
pub struct Confusion {
    pub classes: Vec<String>,
    pub matrix: Vec<Vec<usize>>,
}

impl Confusion {
    pub fn new(classes: Vec<String>) -> Self {
        let k = classes.len();
        Self {
            classes,
            matrix: vec![vec![0; k]; k],
        }
    }

    pub fn add(&mut self, truth: usize, predicted: usize) {
        self.matrix[truth][predicted] += 1;
    }

    pub fn total(&self) -> usize {
        self.matrix.iter().flatten().sum()
    }

    pub fn accuracy(&self) -> f64 {
        let correct: usize = (0..self.classes.len()).map(|i| self.matrix[i][i]).sum();
        correct as f64 / self.total().max(1) as f64
    }

    /// A plain-text table for terminals and logs.
    pub fn render(&self) -> String {
        let width = self
            .classes
            .iter()
            .map(|c| c.len())
            .max()
            .unwrap_or(5)
            .max(7);
        let first = width.max(16);
        let mut out = format!("{:>first$} |", "true \\ predicted");
        for c in &self.classes {
            out += &format!(" {c:>width$}");
        }
        out += "  | recall\n";
        for (i, row) in self.matrix.iter().enumerate() {
            out += &format!("{:>first$} |", self.classes[i]);
            for v in row {
                out += &format!(" {v:>width$}");
            }
            let n: usize = row.iter().sum();
            out += &format!("  | {:.1}%\n", 100.0 * row[i] as f64 / n.max(1) as f64);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three separable clusters in feature space, one with only five examples.
    fn clusters() -> Bank {
        let mut bank = Bank::default();
        let mut seed = 1u64;
        let mut noise = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % 1000) as f32 / 1000.0 - 0.5
        };
        for (class, count, hot) in [("a", 200, 0), ("b", 200, 1), ("few", 5, 2)] {
            for _ in 0..count {
                let mut x: Vec<f32> = (0..FEATURES).map(|_| noise()).collect();
                for v in &mut x[hot * 10..hot * 10 + 10] {
                    *v += 2.0;
                }
                bank.push(class, &x);
            }
        }
        bank
    }

    #[test]
    fn learns_separable_classes_including_a_five_shot_one() -> VisionResult<()> {
        let bank = clusters();
        let head = Head::train(
            &bank,
            &TrainOptions {
                steps: 60,
                ..Default::default()
            },
        )?;
        let mut confusion = Confusion::new(head.classes.clone());
        for (i, &label) in bank.labels.iter().enumerate() {
            let p = head.probabilities(&bank.features[i * FEATURES..(i + 1) * FEATURES]);
            confusion.add(label as usize, argmax(&p));
            assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-4);
        }
        assert_eq!(confusion.accuracy(), 1.0, "{}", confusion.render());
        Ok(())
    }

    #[test]
    fn untrained_classes_are_refused() {
        let mut bank = Bank::default();
        bank.push("only", &vec![0.0; FEATURES]);
        assert!(Head::train(&bank, &TrainOptions::default()).is_err());
    }

    #[test]
    fn head_and_bank_survive_a_save_and_load() -> VisionResult<()> {
        let dir = tempfile::tempdir()?;
        let bank = clusters();
        let mut head = Head::train(
            &bank,
            &TrainOptions {
                steps: 5,
                ..Default::default()
            },
        )?;
        head.metadata.insert("note".into(), "hello".into());
        head.save(&dir.path().join("head.safetensors"))?;
        bank.save(&dir.path().join("bank.safetensors"))?;
        let loaded = Head::from_bytes(&std::fs::read(dir.path().join("head.safetensors"))?)?;
        assert_eq!(loaded.classes, head.classes);
        assert_eq!(loaded.metadata["note"], "hello");
        let x = &bank.features[..FEATURES];
        assert_eq!(loaded.probabilities(x), head.probabilities(x));
        let bank2 = Bank::from_bytes(&std::fs::read(dir.path().join("bank.safetensors"))?)?;
        assert_eq!(bank2.labels, bank.labels);
        assert_eq!(bank2.counts(), bank.counts());
        // f16 storage: close, not equal.
        assert!(
            bank2
                .features
                .iter()
                .zip(&bank.features)
                .all(|(a, b)| (a - b).abs() < 2e-3)
        );
        Ok(())
    }
}
