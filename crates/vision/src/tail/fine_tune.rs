//! Fine-tuning the tail on cached trunk outputs: the tail as candle variables (channels last,
//! so each 1x1 convolution is one matrix product; the depthwise convolution a custom op with its
//! own gradient), a linear layer on top, AdamW with a cosine schedule, and the epoch that does
//! best on the validation photos kept.

use super::{FEATURES, HIDDEN, KERNEL, OUT, TRUNK_CHANNELS, TRUNK_LEN, TRUNK_SIDE, TailWeights};
use super::{matrix, mirror_trunk};
use crate::augment::Rng;
use crate::depthwise::DepthwiseNhwc;
use crate::{VisionError, VisionResult};
use candle_core::{D, Device, Tensor, Var};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct FineTuneOptions {
    /// Passes over the training photos (0: keep the original tail).
    pub epochs: usize,
    pub batch: usize,
    /// Adam's step size (for the tail and the linear layer on top).
    pub learning_rate: f64,
    /// Decoupled weight decay (AdamW), pulling the tail towards zero.
    pub weight_decay: f64,
    /// Label smoothing: the target gives this much probability to the other classes.
    pub smoothing: f64,
    pub seed: u64,
}

impl Default for FineTuneOptions {
    fn default() -> Self {
        Self {
            epochs: 8,
            batch: 64,
            learning_rate: 3e-4,
            weight_decay: 1e-4,
            smoothing: 0.1,
            seed: 42,
        }
    }
}

/// Trunk outputs with their labels.
pub struct TrunkSet<'a> {
    pub trunks: &'a [f32],
    pub labels: &'a [u32],
}

/// What each epoch reached.
#[derive(Debug, Clone, Serialize)]
pub struct Epoch {
    pub epoch: usize,
    pub train_loss: f64,
    pub validation_accuracy: f64,
    pub seconds: f64,
}

/// The tail as variables, with a linear layer on top to train it through.
struct Trainable {
    expand_w: Var,
    expand_b: Var,
    depthwise_w: Var,
    depthwise_b: Var,
    project_w: Var,
    project_b: Var,
    head_w: Var,
    head_b: Var,
    probe_w: Var,
    probe_b: Var,
}

impl Trainable {
    fn new(init: &TailWeights, classes: usize, rng: &mut Rng) -> VisionResult<Trainable> {
        let cpu = &Device::Cpu;
        let var = |v: &[f32], shape: &[usize]| Var::from_slice(v, shape, cpu);
        // Small random weights for the new layer, so its classes start apart.
        let probe: Vec<f32> = (0..classes * FEATURES)
            .map(|_| rng.range(-1.0, 1.0) * 0.01)
            .collect();
        Ok(Trainable {
            expand_w: var(&init.expand_w, &[HIDDEN, TRUNK_CHANNELS])?,
            expand_b: var(&init.expand_b, &[HIDDEN])?,
            depthwise_w: var(&init.depthwise_w, &[HIDDEN, KERNEL * KERNEL])?,
            depthwise_b: var(&init.depthwise_b, &[HIDDEN])?,
            project_w: var(&init.project_w, &[OUT, HIDDEN])?,
            project_b: var(&init.project_b, &[OUT])?,
            head_w: var(&init.head_w, &[FEATURES, OUT])?,
            head_b: var(&init.head_b, &[FEATURES])?,
            probe_w: var(&probe, &[classes, FEATURES])?,
            probe_b: var(&vec![0.0; classes], &[classes])?,
        })
    }

    fn tail_vars(&self) -> [&Var; 8] {
        [
            &self.expand_w,
            &self.expand_b,
            &self.depthwise_w,
            &self.depthwise_b,
            &self.project_w,
            &self.project_b,
            &self.head_w,
            &self.head_b,
        ]
    }

    /// Features of a batch laid out channels last, (N * 49, 192) (see `channels_last`), from
    /// operations that carry gradients. Every 1x1 convolution is then one matrix product over
    /// all positions of the batch.
    fn features(&self, x: &Tensor) -> VisionResult<Tensor> {
        let cells = TRUNK_SIDE * TRUNK_SIDE;
        let n = x.dim(0)? / cells;
        let h = x
            .matmul(&self.expand_w.t()?)?
            .broadcast_add(&self.expand_b)?
            .clamp(0f32, 6f32)?
            .reshape((n, TRUNK_SIDE, TRUNK_SIDE, HIDDEN))?;
        let d = h.apply_op2(&self.depthwise_w, DepthwiseNhwc { kernel: KERNEL })?;
        let d = d
            .broadcast_add(&self.depthwise_b)?
            .clamp(0f32, 6f32)?
            .reshape((n * cells, HIDDEN))?;
        let p = d
            .matmul(&self.project_w.t()?)?
            .broadcast_add(&self.project_b)?;
        let f = p
            .matmul(&self.head_w.t()?)?
            .broadcast_add(&self.head_b)?
            .clamp(0f32, 6f32)?
            .reshape((n, cells, FEATURES))?;
        Ok(f.mean(1)?)
    }

    fn logits(&self, x: &Tensor) -> VisionResult<Tensor> {
        Ok(self
            .features(x)?
            .matmul(&self.probe_w.t()?)?
            .broadcast_add(&self.probe_b)?)
    }

    fn weights(&self, metadata: BTreeMap<String, String>) -> VisionResult<TailWeights> {
        let v = |var: &Var| matrix(var.as_tensor());
        Ok(TailWeights {
            expand_w: v(&self.expand_w)?,
            expand_b: v(&self.expand_b)?,
            depthwise_w: v(&self.depthwise_w)?,
            depthwise_b: v(&self.depthwise_b)?,
            project_w: v(&self.project_w)?,
            project_b: v(&self.project_b)?,
            head_w: v(&self.head_w)?,
            head_b: v(&self.head_b)?,
            metadata,
        })
    }
}

/// Adam's moments for one variable.
struct Moments {
    m: Tensor,
    v: Tensor,
}

/// Trunk outputs (N, 192, 7, 7) as the trainable tail reads them: channels last, one row per
/// position, (N * 49, 192).
fn channels_last(trunks: &[&[f32]]) -> VisionResult<Tensor> {
    let cells = TRUNK_SIDE * TRUNK_SIDE;
    let mut data = vec![0f32; trunks.len() * TRUNK_LEN];
    for (i, trunk) in trunks.iter().enumerate() {
        let out = &mut data[i * TRUNK_LEN..(i + 1) * TRUNK_LEN];
        for c in 0..TRUNK_CHANNELS {
            for cell in 0..cells {
                out[cell * TRUNK_CHANNELS + c] = trunk[c * cells + cell];
            }
        }
    }
    Ok(Tensor::from_vec(
        data,
        (trunks.len() * cells, TRUNK_CHANNELS),
        &Device::Cpu,
    )?)
}

fn batch_tensor(
    set: &TrunkSet<'_>,
    indices: &[usize],
    rng: Option<&mut Rng>,
) -> VisionResult<Tensor> {
    let mut rng = rng;
    let mut mirrored: Vec<Vec<f32>> = Vec::new();
    let mut picked: Vec<(usize, bool)> = Vec::with_capacity(indices.len());
    for &i in indices {
        let mirror = rng.as_deref_mut().is_some_and(|r| r.below(2) == 1);
        if mirror {
            mirrored.push(mirror_trunk(
                &set.trunks[i * TRUNK_LEN..(i + 1) * TRUNK_LEN],
            ));
            picked.push((mirrored.len() - 1, true));
        } else {
            picked.push((i, false));
        }
    }
    let rows: Vec<&[f32]> = picked
        .iter()
        .map(|&(i, m)| {
            if m {
                mirrored[i].as_slice()
            } else {
                &set.trunks[i * TRUNK_LEN..(i + 1) * TRUNK_LEN]
            }
        })
        .collect();
    channels_last(&rows)
}

/// Top-class accuracy of the trainable tail and its linear layer on `set`.
fn accuracy(model: &Trainable, set: &TrunkSet<'_>) -> VisionResult<f64> {
    let n = set.labels.len();
    if n == 0 {
        return Ok(0.0);
    }
    let mut right = 0usize;
    let all: Vec<usize> = (0..n).collect();
    for chunk in all.chunks(128) {
        let logits = model.logits(&batch_tensor(set, chunk, None)?)?.detach();
        let predicted = logits.argmax(D::Minus1)?.to_vec1::<u32>()?;
        right += chunk
            .iter()
            .zip(predicted)
            .filter(|(i, p)| set.labels[**i] == *p)
            .count();
    }
    Ok(right as f64 / n as f64)
}

/// Fine-tunes `init` on `train` (random mirrors, class-balanced, label-smoothed cross entropy
/// through a linear layer), keeping the epoch that did best on `validation`.
pub fn fine_tune(
    init: &TailWeights,
    classes: usize,
    train: &TrunkSet<'_>,
    validation: &TrunkSet<'_>,
    options: &FineTuneOptions,
    mut progress: impl FnMut(&Epoch),
) -> VisionResult<(TailWeights, Vec<Epoch>)> {
    let n = train.labels.len();
    if n == 0 || classes < 2 || train.trunks.len() != n * TRUNK_LEN {
        return Err(VisionError::Training(
            "fine-tuning needs trunk outputs of at least two classes".into(),
        ));
    }
    let mut rng = Rng::new(options.seed);
    let model = Trainable::new(init, classes, &mut rng)?;
    let cpu = &Device::Cpu;
    let mut counts = vec![0usize; classes];
    for &l in train.labels {
        counts[l as usize] += 1;
    }
    let class_weight: Vec<f32> = counts
        .iter()
        .map(|&c| n as f32 / (classes as f32 * c.max(1) as f32))
        .collect();
    let mut all: Vec<&Var> = model.tail_vars().to_vec();
    all.extend([&model.probe_w, &model.probe_b]);
    let mut moments: Vec<Moments> = all
        .iter()
        .map(|v| {
            Ok::<_, VisionError>(Moments {
                m: v.as_tensor().zeros_like()?,
                v: v.as_tensor().zeros_like()?,
            })
        })
        .collect::<VisionResult<_>>()?;
    let steps_per_epoch = n.div_ceil(options.batch.max(1));
    let total_steps = (steps_per_epoch * options.epochs).max(1);
    let (b1, b2, eps) = (0.9f64, 0.999f64, 1e-8f64);
    let mut step = 0usize;
    let mut history = Vec::new();
    let mut best: Option<(f64, TailWeights)> = None;
    let mut order: Vec<usize> = (0..n).collect();
    for epoch in 1..=options.epochs {
        let started = std::time::Instant::now();
        rng.shuffle(&mut order);
        let mut loss_sum = 0f64;
        for batch in order.chunks(options.batch.max(1)) {
            step += 1;
            let x = batch_tensor(train, batch, Some(&mut rng))?;
            // Label-smoothed targets, each row weighted by its class.
            let mut target = vec![0f32; batch.len() * classes];
            let mut weight_sum = 0f32;
            for (row, &i) in batch.iter().enumerate() {
                let label = train.labels[i] as usize;
                let w = class_weight[label];
                weight_sum += w;
                for c in 0..classes {
                    let p = if c == label {
                        1.0 - options.smoothing as f32 + options.smoothing as f32 / classes as f32
                    } else {
                        options.smoothing as f32 / classes as f32
                    };
                    target[row * classes + c] = p * w;
                }
            }
            let target = Tensor::from_vec(target, (batch.len(), classes), cpu)?;
            let logits = model.logits(&x)?;
            let shifted = logits.broadcast_sub(&logits.max_keepdim(1)?.detach())?;
            let log_p = shifted.broadcast_sub(&shifted.exp()?.sum_keepdim(1)?.log()?)?;
            let loss = ((log_p * target)?.sum_all()?.neg()? / f64::from(weight_sum))?;
            loss_sum += f64::from(loss.to_scalar::<f32>()?);
            let grads = loss.backward()?;
            // Cosine decay from the full rate to nothing over the run.
            let progress_frac = step as f64 / total_steps as f64;
            let schedule = 0.5 * (1.0 + (std::f64::consts::PI * progress_frac).cos());
            for (k, var) in all.iter().enumerate() {
                let Some(g) = grads.get(var.as_tensor()) else {
                    continue;
                };
                let lr = options.learning_rate * schedule;
                let mo = &mut moments[k];
                mo.m = ((&mo.m * b1)? + (g * (1.0 - b1))?)?;
                mo.v = ((&mo.v * b2)? + (g.sqr()? * (1.0 - b2))?)?;
                let m_hat = (&mo.m / (1.0 - b1.powi(step as i32)))?;
                let v_hat = (&mo.v / (1.0 - b2.powi(step as i32)))?;
                let update = (m_hat / (v_hat.sqrt()? + eps)?)?;
                let decayed = (var.as_tensor() * (1.0 - lr * options.weight_decay))?;
                var.set(&(decayed - (update * lr)?)?)?;
            }
        }
        let validation_accuracy = accuracy(&model, validation)?;
        let record = Epoch {
            epoch,
            train_loss: loss_sum / steps_per_epoch as f64,
            validation_accuracy,
            seconds: started.elapsed().as_secs_f64(),
        };
        progress(&record);
        history.push(record);
        if best.as_ref().is_none_or(|(a, _)| validation_accuracy > *a) {
            let metadata = BTreeMap::from([
                (
                    "id".to_owned(),
                    format!("fine-tuned-{}-e{epoch}", options.seed),
                ),
                ("epoch".to_owned(), epoch.to_string()),
                (
                    "validation_accuracy".to_owned(),
                    format!("{validation_accuracy:.4}"),
                ),
                ("options".to_owned(), serde_json::to_string(options)?),
            ]);
            best = Some((validation_accuracy, model.weights(metadata)?));
        }
    }
    let (_, weights) = best.ok_or_else(|| VisionError::Training("no epoch ran".into()))?;
    Ok((weights, history))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tail::features_of_trunks;
    use crate::tail::tests::{random_tail, synthetic};

    #[test]
    fn composed_tail_matches_the_fast_one() {
        let weights = random_tail(7);
        let trunks = synthetic(99, 2 * TRUNK_LEN);
        let fast = features_of_trunks(&weights, &trunks).unwrap();
        let model = Trainable::new(&weights, 2, &mut Rng::new(1)).unwrap();
        let x = channels_last(&[&trunks[..TRUNK_LEN], &trunks[TRUNK_LEN..]]).unwrap();
        let composed = model.features(&x).unwrap().to_vec2::<f32>().unwrap();
        let mut worst = 0f32;
        for (a, b) in fast.iter().flatten().zip(composed.iter().flatten()) {
            worst = worst.max((a - b).abs() / (1.0 + a.abs()));
        }
        assert!(worst < 1e-4, "relative difference {worst}");
    }

    #[test]
    fn fine_tuning_learns_a_separable_toy_problem() {
        // Class 1's trunks are brighter in the first channels: a tail should pick that up.
        let n = 48;
        let mut trunks = synthetic(5, n * TRUNK_LEN);
        let labels: Vec<u32> = (0..n as u32).map(|i| i % 2).collect();
        for (i, &l) in labels.iter().enumerate() {
            if l == 1 {
                for v in &mut trunks[i * TRUNK_LEN..i * TRUNK_LEN + 10 * 49] {
                    *v += 1.5;
                }
            }
        }
        let init = random_tail(11);
        let set = TrunkSet {
            trunks: &trunks,
            labels: &labels,
        };
        let options = FineTuneOptions {
            epochs: 6,
            batch: 8,
            learning_rate: 3e-4,
            ..FineTuneOptions::default()
        };
        let (tuned, history) = fine_tune(&init, 2, &set, &set, &options, |_| {}).unwrap();
        assert_eq!(history.len(), 6);
        let best = history
            .iter()
            .map(|e| e.validation_accuracy)
            .fold(0.0, f64::max);
        assert!(best >= 0.9, "{history:?}");
        assert_ne!(tuned.expand_w, init.expand_w, "the tail itself moved");
        assert!(tuned.id().starts_with("fine-tuned"));
    }
}
