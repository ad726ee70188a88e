//! A softmax classifier (multinomial logistic regression) over sentence embeddings: training by
//! full-batch gradient descent, prediction with probabilities, k-fold cross-validation, and a
//! fingerprint of the training set so a shipped model can be checked against its data.
//!
//! Kept apart from the support agent so it is compiled optimised even in dev builds (training
//! runs millions of multiply-adds) and rebuilt only when it changes.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Hyper-parameters of one training run (full-batch gradient descent with L2 regularisation).
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct TrainOptions {
    pub epochs: usize,
    pub learning_rate: f32,
    pub l2: f32,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            epochs: 400,
            learning_rate: 4.0,
            l2: 1e-4,
        }
    }
}

/// One labelled example: its class index and its embedding.
pub struct Example {
    pub class: usize,
    pub vector: Vec<f32>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SoftmaxClassifier {
    /// SHA-256 (hex) of the training set, as [`training_fingerprint`] computes it.
    pub training_sha256: String,
    pub options: TrainOptions,
    pub labels: Vec<String>,
    /// One row of weights per label.
    pub weights: Vec<Vec<f32>>,
    pub bias: Vec<f32>,
    /// What cross-validation measured when this model was trained.
    pub cross_validation: Option<CrossValidation>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CrossValidation {
    pub folds: usize,
    pub examples: usize,
    pub accuracy: f32,
    /// Mean negative log-likelihood of the true label: lower means better calibrated
    /// probabilities, which matter when they are weighed against other evidence.
    #[serde(default)]
    pub log_loss: f32,
    /// (label, correct, total) per class.
    pub per_label: Vec<(String, usize, usize)>,
}

/// A stable fingerprint of (label, text) pairs: any edit of the training set changes it.
pub fn training_fingerprint<'a>(items: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut hasher = Sha256::new();
    for (label, text) in items {
        hasher.update(label.as_bytes());
        hasher.update(b"\t");
        hasher.update(text.as_bytes());
        hasher.update(b"\n");
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn softmax_in_place(logits: &mut [f32]) {
    let max = logits.iter().copied().fold(f32::MIN, f32::max);
    let mut sum = 0.0;
    for l in logits.iter_mut() {
        *l = (*l - max).exp();
        sum += *l;
    }
    if sum > 0.0 {
        for l in logits.iter_mut() {
            *l /= sum;
        }
    }
}

impl SoftmaxClassifier {
    /// Trains on `examples` (every vector of the same length). Deterministic: weights start at
    /// zero and every step uses the whole set.
    pub fn train(
        labels: Vec<String>,
        examples: &[Example],
        options: TrainOptions,
    ) -> SoftmaxClassifier {
        let classes = labels.len();
        let dim = examples.first().map(|e| e.vector.len()).unwrap_or(0);
        let mut weights = vec![vec![0.0f32; dim]; classes];
        let mut bias = vec![0.0f32; classes];
        let n = examples.len().max(1) as f32;
        let mut probs = vec![0.0f32; classes];
        for _ in 0..options.epochs {
            let mut grad_w = vec![vec![0.0f32; dim]; classes];
            let mut grad_b = vec![0.0f32; classes];
            for example in examples {
                for (c, p) in probs.iter_mut().enumerate() {
                    *p = bias[c] + dot(&weights[c], &example.vector);
                }
                softmax_in_place(&mut probs);
                for c in 0..classes {
                    let error = probs[c] - if c == example.class { 1.0 } else { 0.0 };
                    grad_b[c] += error;
                    for (g, x) in grad_w[c].iter_mut().zip(&example.vector) {
                        *g += error * x;
                    }
                }
            }
            for c in 0..classes {
                bias[c] -= options.learning_rate * grad_b[c] / n;
                for (w, g) in weights[c].iter_mut().zip(&grad_w[c]) {
                    *w -= options.learning_rate * (g / n + options.l2 * *w);
                }
            }
        }
        SoftmaxClassifier {
            training_sha256: String::new(),
            options,
            labels,
            weights,
            bias,
            cross_validation: None,
        }
    }

    /// Each label's probability for an embedding, most likely first.
    pub fn predict(&self, vector: &[f32]) -> Vec<(&str, f32)> {
        let mut probs: Vec<f32> = self
            .weights
            .iter()
            .zip(&self.bias)
            .map(|(w, b)| b + dot(w, vector))
            .collect();
        softmax_in_place(&mut probs);
        let mut ranked: Vec<(&str, f32)> =
            self.labels.iter().map(String::as_str).zip(probs).collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        ranked
    }

    /// The dimension of the embeddings the model reads.
    pub fn dimension(&self) -> usize {
        self.weights.first().map(Vec::len).unwrap_or(0)
    }

    /// k-fold cross-validation: each example is predicted by a model that never saw it (folds
    /// by position modulo k, so every class is spread over the folds).
    pub fn cross_validate(
        labels: &[String],
        examples: &[Example],
        folds: usize,
        options: TrainOptions,
    ) -> CrossValidation {
        let folds = folds.max(2);
        let mut correct = vec![0usize; labels.len()];
        let mut total = vec![0usize; labels.len()];
        let mut loss = 0.0f32;
        for fold in 0..folds {
            let train: Vec<Example> = examples
                .iter()
                .enumerate()
                .filter(|(i, _)| i % folds != fold)
                .map(|(_, e)| Example {
                    class: e.class,
                    vector: e.vector.clone(),
                })
                .collect();
            let model = SoftmaxClassifier::train(labels.to_vec(), &train, options);
            for (_, example) in examples
                .iter()
                .enumerate()
                .filter(|(i, _)| i % folds == fold)
            {
                total[example.class] += 1;
                let predicted = model.predict(&example.vector);
                let truth = labels[example.class].as_str();
                if predicted.first().map(|(l, _)| *l) == Some(truth) {
                    correct[example.class] += 1;
                }
                let p = predicted
                    .iter()
                    .find(|(l, _)| *l == truth)
                    .map_or(0.0, |(_, p)| *p);
                loss -= p.max(1e-6).ln();
            }
        }
        let right: usize = correct.iter().sum();
        let all: usize = total.iter().sum();
        CrossValidation {
            folds,
            examples: all,
            accuracy: right as f32 / all.max(1) as f32,
            log_loss: loss / all.max(1) as f32,
            per_label: labels
                .iter()
                .cloned()
                .zip(correct.into_iter().zip(total))
                .map(|(l, (c, t))| (l, c, t))
                .collect(),
        }
    }
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three clusters around three directions, with a little deterministic noise.
    fn clusters() -> (Vec<String>, Vec<Example>) {
        let labels = vec!["a".to_string(), "b".to_string(), "c".to_string()];
        let mut examples = Vec::new();
        for i in 0..60 {
            let class = i % 3;
            let mut vector = vec![0.0f32; 8];
            vector[class] = 1.0;
            // A second, shared coordinate and per-example noise so the classes overlap a bit.
            vector[3] = ((i * 7) % 5) as f32 * 0.1;
            vector[4 + (i % 4)] = ((i * 13) % 7) as f32 * 0.05;
            examples.push(Example { class, vector });
        }
        (labels, examples)
    }

    #[test]
    fn training_separates_clusters_and_cross_validation_agrees() {
        let (labels, examples) = clusters();
        let model = SoftmaxClassifier::train(labels.clone(), &examples, TrainOptions::default());
        let mut probe = vec![0.0f32; 8];
        probe[1] = 1.0;
        let ranked = model.predict(&probe);
        assert_eq!(ranked[0].0, "b");
        assert!(ranked[0].1 > 0.8, "{ranked:?}");
        let total: f32 = ranked.iter().map(|(_, p)| p).sum();
        assert!((total - 1.0).abs() < 1e-4);
        let cv = SoftmaxClassifier::cross_validate(&labels, &examples, 5, TrainOptions::default());
        assert_eq!(cv.examples, 60);
        assert!(cv.accuracy > 0.95, "{cv:?}");
    }

    #[test]
    fn an_untrained_model_is_uniform() {
        let (labels, examples) = clusters();
        let options = TrainOptions {
            epochs: 0,
            ..TrainOptions::default()
        };
        let model = SoftmaxClassifier::train(labels, &examples, options);
        let ranked = model.predict(&examples[0].vector);
        assert!(ranked.iter().all(|(_, p)| (p - 1.0 / 3.0).abs() < 1e-5));
    }

    #[test]
    fn the_fingerprint_changes_with_any_edit() {
        let a = training_fingerprint([("a", "one text")]);
        let b = training_fingerprint([("a", "one text ")]);
        let c = training_fingerprint([("b", "one text")]);
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.len(), 64);
    }
}
