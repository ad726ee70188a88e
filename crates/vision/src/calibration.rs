//! Whether the classifier's confidence means what it says: the temperature that makes its
//! probabilities honest on held-out photos, and the reliability table (of answers given with
//! 70-80% confidence, how many were right) with its expected calibration error.

use crate::head::{argmax, softmax};
use serde::Serialize;

/// Mean negative log-likelihood of the true classes at temperature `t`.
fn nll(logits: &[Vec<f32>], labels: &[usize], t: f32) -> f64 {
    let mut total = 0f64;
    for (l, &y) in logits.iter().zip(labels) {
        let mut p: Vec<f32> = l.iter().map(|v| v / t).collect();
        softmax(&mut p);
        total -= f64::from(p[y].max(1e-12)).ln();
    }
    total / labels.len().max(1) as f64
}

/// The temperature in [0.05, 20] that minimises the negative log-likelihood (golden-section
/// search on its logarithm; the likelihood is smooth and has one minimum in `t`).
pub fn fit_temperature(logits: &[Vec<f32>], labels: &[usize]) -> f32 {
    if logits.is_empty() {
        return 1.0;
    }
    let f = |log_t: f64| nll(logits, labels, log_t.exp() as f32);
    let (mut a, mut b) = (0.05f64.ln(), 20f64.ln());
    let golden = (5f64.sqrt() - 1.0) / 2.0;
    let mut c = b - golden * (b - a);
    let mut d = a + golden * (b - a);
    let (mut fc, mut fd) = (f(c), f(d));
    for _ in 0..60 {
        if fc < fd {
            b = d;
            d = c;
            fd = fc;
            c = b - golden * (b - a);
            fc = f(c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + golden * (b - a);
            fd = f(d);
        }
    }
    ((a + b) / 2.0).exp() as f32
}

/// One confidence band of the reliability table.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Band {
    /// Top-class probability from `low` (inclusive) to `high`.
    pub low: f64,
    pub high: f64,
    pub answers: usize,
    /// Mean confidence of the answers in the band.
    pub confidence: f64,
    /// How many of them were right.
    pub accuracy: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Reliability {
    pub bands: Vec<Band>,
    /// Expected calibration error: the answers' share-weighted gap between confidence and
    /// accuracy, over the bands.
    pub ece: f64,
    pub answers: usize,
}

/// The reliability of probabilities (`probabilities[i]` over classes, `labels[i]` the truth) in
/// `bands` equal bands of confidence.
pub fn reliability(probabilities: &[Vec<f32>], labels: &[usize], bands: usize) -> Reliability {
    let bands = bands.max(1);
    let mut sums = vec![(0usize, 0f64, 0usize); bands];
    for (p, &y) in probabilities.iter().zip(labels) {
        let top = argmax(p);
        let confidence = f64::from(p[top]);
        let band = ((confidence * bands as f64) as usize).min(bands - 1);
        sums[band].0 += 1;
        sums[band].1 += confidence;
        sums[band].2 += usize::from(top == y);
    }
    let n = probabilities.len().max(1) as f64;
    let mut ece = 0.0;
    let table = sums
        .iter()
        .enumerate()
        .map(|(i, &(answers, confidence, right))| {
            let (confidence, accuracy) = if answers == 0 {
                (0.0, 0.0)
            } else {
                (confidence / answers as f64, right as f64 / answers as f64)
            };
            ece += answers as f64 / n * (confidence - accuracy).abs();
            Band {
                low: i as f64 / bands as f64,
                high: (i + 1) as f64 / bands as f64,
                answers,
                confidence,
                accuracy,
            }
        })
        .collect();
    Reliability {
        bands: table,
        ece,
        answers: probabilities.len(),
    }
}

impl Reliability {
    /// A plain-text table for terminals and reports.
    pub fn render(&self) -> String {
        let mut out = format!(
            "confidence  answers  mean conf.  right\n{}\n",
            "-".repeat(40)
        );
        for b in self.bands.iter().filter(|b| b.answers > 0) {
            out += &format!(
                "{:>3.0}-{:<3.0}%  {:>7}  {:>9.1}%  {:>5.1}%\n",
                b.low * 100.0,
                b.high * 100.0,
                b.answers,
                b.confidence * 100.0,
                b.accuracy * 100.0
            );
        }
        out += &format!("expected calibration error: {:.3}\n", self.ece);
        out
    }
}

/// Probabilities of logits at temperature `t`.
pub fn probabilities_at(logits: &[Vec<f32>], t: f32) -> Vec<Vec<f32>> {
    logits
        .iter()
        .map(|l| {
            let mut p: Vec<f32> = l.iter().map(|v| v / t).collect();
            softmax(&mut p);
            p
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Logits that are right 75% of the time but three times too sure: the fitted temperature
    /// cools them, and the calibration error falls.
    #[test]
    fn an_overconfident_model_is_cooled() {
        let mut logits = Vec::new();
        let mut labels = Vec::new();
        for i in 0..400 {
            let truth = i % 2;
            let predicted = if i % 4 == 3 { 1 - truth } else { truth };
            let mut l = vec![0.0f32; 2];
            l[predicted] = 4.0;
            logits.push(l);
            labels.push(truth);
        }
        let before = reliability(&probabilities_at(&logits, 1.0), &labels, 10);
        let t = fit_temperature(&logits, &labels);
        let after = reliability(&probabilities_at(&logits, t), &labels, 10);
        assert!(t > 2.0, "{t}");
        assert!(before.ece > 0.2, "{}", before.render());
        assert!(after.ece < 0.02, "{}", after.render());
        assert_eq!(after.answers, 400);
    }

    #[test]
    fn bands_cover_every_answer() {
        let p = vec![vec![0.55, 0.45], vec![0.99, 0.01], vec![0.2, 0.8]];
        let r = reliability(&p, &[0, 1, 1], 10);
        assert_eq!(r.bands.iter().map(|b| b.answers).sum::<usize>(), 3);
        assert_eq!(r.bands[9].answers, 1);
        assert_eq!(r.bands[9].accuracy, 0.0);
    }
}
