//! The network's tail (its last block and 1x1 head convolution) fine-tuned for this project's
//! classes. Photos of 32x32 pixels blown up to 224x224 are far from ImageNet's, and frozen
//! features stop near 82%; adapting the last block moves the features towards what tells a bird
//! from a plane in such photos.
//!
//! Training runs on the trunk's outputs (the first 15 blocks, computed once per photo and cached),
//! so an epoch costs only the tail: about a tenth of the network. The tail is trained channels
//! last, so its 1x1 convolutions are single matrix products; its depthwise convolution is a
//! custom operation with its own gradient (`depthwise::DepthwiseNhwc`, checked against finite
//! differences), and `tests::composed_tail_matches_the_fast_one` checks the whole trainable tail
//! against the fused kernels used for inference.

mod fine_tune;

pub use fine_tune::{Epoch, FineTuneOptions, TrunkSet, fine_tune};

use crate::depthwise::Depthwise;
use crate::efficientnet::{EfficientNetLite0, FEATURES, MbConv, Tail};
use crate::pointwise::{BiasRelu6, Pointwise};
use crate::tensorfile::{self, Data};
use crate::{VisionError, VisionResult};
use candle_core::{DType, Device, Tensor};
use std::collections::BTreeMap;

/// Channels into the tail.
pub const TRUNK_CHANNELS: usize = 192;
/// Height and width of the trunk's output at 224x224.
pub const TRUNK_SIDE: usize = 7;
/// Values in one trunk output.
pub const TRUNK_LEN: usize = TRUNK_CHANNELS * TRUNK_SIDE * TRUNK_SIDE;
const HIDDEN: usize = 1152;
const OUT: usize = 320;
const KERNEL: usize = 3;

/// The tail's weights, batch norm folded in, as plain numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct TailWeights {
    /// (HIDDEN, TRUNK_CHANNELS)
    pub expand_w: Vec<f32>,
    pub expand_b: Vec<f32>,
    /// HIDDEN * 3 * 3, row-major per channel.
    pub depthwise_w: Vec<f32>,
    pub depthwise_b: Vec<f32>,
    /// (OUT, HIDDEN)
    pub project_w: Vec<f32>,
    pub project_b: Vec<f32>,
    /// (FEATURES, OUT)
    pub head_w: Vec<f32>,
    pub head_b: Vec<f32>,
    /// How it was trained (and its identity: features from different tails never mix).
    pub metadata: BTreeMap<String, String>,
}

pub(crate) fn matrix(t: &Tensor) -> VisionResult<Vec<f32>> {
    Ok(t.flatten_all()?.to_vec1::<f32>()?)
}

impl TailWeights {
    /// The weights of `block` (the network's last) and its head convolution.
    pub(crate) fn of(block: &MbConv, head: &Pointwise) -> VisionResult<TailWeights> {
        let expand = block
            .expand
            .as_ref()
            .ok_or_else(|| VisionError::Model("the last block has no expansion".into()))?;
        let weights = TailWeights {
            expand_w: matrix(&expand.weight)?,
            expand_b: expand.bias.bias.clone(),
            depthwise_w: block.depthwise.weight.clone(),
            depthwise_b: block.depthwise.bias.clone(),
            project_w: matrix(&block.project.weight)?,
            project_b: block.project.bias.bias.clone(),
            head_w: matrix(&head.weight)?,
            head_b: head.bias.bias.clone(),
            metadata: BTreeMap::from([("id".to_owned(), "original".to_owned())]),
        };
        weights.check()?;
        Ok(weights)
    }

    fn check(&self) -> VisionResult<()> {
        let sizes = [
            (self.expand_w.len(), HIDDEN * TRUNK_CHANNELS),
            (self.expand_b.len(), HIDDEN),
            (self.depthwise_w.len(), HIDDEN * KERNEL * KERNEL),
            (self.depthwise_b.len(), HIDDEN),
            (self.project_w.len(), OUT * HIDDEN),
            (self.project_b.len(), OUT),
            (self.head_w.len(), FEATURES * OUT),
            (self.head_b.len(), FEATURES),
        ];
        if sizes.iter().any(|(have, want)| have != want) {
            return Err(VisionError::Model(
                "the tail's weights have the wrong shapes".into(),
            ));
        }
        Ok(())
    }

    /// The tail ImageNet trained: where fine-tuning starts.
    pub fn original(backbone: &EfficientNetLite0) -> VisionResult<TailWeights> {
        let (block, head) = backbone.original_tail_parts();
        TailWeights::of(block, head)
    }

    /// `backbone` with its features taken from this tail (its ImageNet logits are not).
    pub fn adapt(&self, backbone: EfficientNetLite0) -> VisionResult<EfficientNetLite0> {
        Ok(backbone.with_tail(self.to_tail()?))
    }

    /// What tells features of this tail from another's.
    pub fn id(&self) -> &str {
        self.metadata.get("id").map_or("original", String::as_str)
    }

    /// The fast inference form (the direct depthwise kernel, fused bias and ReLU6).
    pub(crate) fn to_tail(&self) -> VisionResult<Tail> {
        self.check()?;
        let cpu = &Device::Cpu;
        let pointwise = |w: &[f32], b: &[f32], out: usize, inp: usize, relu6: bool| {
            Ok::<_, VisionError>(Pointwise {
                weight: Tensor::from_vec(w.to_vec(), (out, inp), cpu)?,
                bias: BiasRelu6 {
                    bias: b.to_vec(),
                    relu6,
                },
            })
        };
        Ok(Tail {
            block: MbConv {
                expand: Some(pointwise(
                    &self.expand_w,
                    &self.expand_b,
                    HIDDEN,
                    TRUNK_CHANNELS,
                    true,
                )?),
                depthwise: Depthwise {
                    channels: HIDDEN,
                    kernel: KERNEL,
                    stride: 1,
                    weight: self.depthwise_w.clone(),
                    bias: self.depthwise_b.clone(),
                    relu6: true,
                },
                project: pointwise(&self.project_w, &self.project_b, OUT, HIDDEN, false)?,
                residual: false,
            },
            head: pointwise(&self.head_w, &self.head_b, FEATURES, OUT, true)?,
        })
    }

    /// Stored as f16 (half the size; the features it gives move by about 1e-3).
    pub fn to_bytes(&self) -> VisionResult<Vec<u8>> {
        tensorfile::encode(
            &[
                (
                    "expand_w",
                    vec![HIDDEN, TRUNK_CHANNELS],
                    Data::F16(&self.expand_w),
                ),
                ("expand_b", vec![HIDDEN], Data::F32(&self.expand_b)),
                (
                    "depthwise_w",
                    vec![HIDDEN, KERNEL * KERNEL],
                    Data::F16(&self.depthwise_w),
                ),
                ("depthwise_b", vec![HIDDEN], Data::F32(&self.depthwise_b)),
                ("project_w", vec![OUT, HIDDEN], Data::F16(&self.project_w)),
                ("project_b", vec![OUT], Data::F32(&self.project_b)),
                ("head_w", vec![FEATURES, OUT], Data::F16(&self.head_w)),
                ("head_b", vec![FEATURES], Data::F32(&self.head_b)),
            ],
            &self.metadata,
        )
    }

    pub fn from_bytes(bytes: &[u8]) -> VisionResult<TailWeights> {
        let (tensors, metadata) = tensorfile::read(bytes)?;
        let get = |name: &str| -> VisionResult<Vec<f32>> {
            let t = tensors
                .get(name)
                .ok_or_else(|| VisionError::Model(format!("the tail has no `{name}`")))?;
            Ok(t.to_dtype(DType::F32)?.flatten_all()?.to_vec1::<f32>()?)
        };
        let weights = TailWeights {
            expand_w: get("expand_w")?,
            expand_b: get("expand_b")?,
            depthwise_w: get("depthwise_w")?,
            depthwise_b: get("depthwise_b")?,
            project_w: get("project_w")?,
            project_b: get("project_b")?,
            head_w: get("head_w")?,
            head_b: get("head_b")?,
            metadata,
        };
        weights.check()?;
        Ok(weights)
    }
}

/// A trunk output mirrored left to right: nearly the trunk of the mirrored photo (the stride-2
/// layers pad one side more than the other), and free, so it serves as the flip augmentation.
pub fn mirror_trunk(trunk: &[f32]) -> Vec<f32> {
    let mut out = Vec::with_capacity(trunk.len());
    for row in trunk.chunks(TRUNK_SIDE) {
        out.extend(row.iter().rev());
    }
    out
}

/// Features of trunk outputs (`TRUNK_LEN` values each) through `tail`, in batches.
pub fn features_of_trunks(tail: &TailWeights, trunks: &[f32]) -> VisionResult<Vec<Vec<f32>>> {
    let tail = tail.to_tail()?;
    let mut out = Vec::with_capacity(trunks.len() / TRUNK_LEN);
    for chunk in trunks.chunks(TRUNK_LEN * 32) {
        let n = chunk.len() / TRUNK_LEN;
        let x = Tensor::from_slice(
            chunk,
            (n, TRUNK_CHANNELS, TRUNK_SIDE, TRUNK_SIDE),
            &Device::Cpu,
        )?;
        out.extend(tail.features(&x)?.to_vec2::<f32>()?);
    }
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::augment::Rng;

    pub(super) fn synthetic(seed: u64, len: usize) -> Vec<f32> {
        let mut rng = Rng::new(seed);
        (0..len).map(|_| rng.range(-0.5, 0.5)).collect()
    }

    /// Random weights scaled like a trained layer's (each output about as large as its inputs).
    pub(super) fn random_tail(seed: u64) -> TailWeights {
        let scaled = |seed: u64, len: usize, fan_in: usize| {
            let k = 3.0 / (fan_in as f32).sqrt();
            synthetic(seed, len)
                .into_iter()
                .map(|v| v * k)
                .collect::<Vec<_>>()
        };
        TailWeights {
            expand_w: scaled(seed, HIDDEN * TRUNK_CHANNELS, TRUNK_CHANNELS),
            expand_b: scaled(seed + 1, HIDDEN, 1),
            depthwise_w: scaled(seed + 2, HIDDEN * 9, 9),
            depthwise_b: scaled(seed + 3, HIDDEN, 1),
            project_w: scaled(seed + 4, OUT * HIDDEN, HIDDEN),
            project_b: scaled(seed + 5, OUT, 1),
            head_w: scaled(seed + 6, FEATURES * OUT, OUT),
            head_b: scaled(seed + 7, FEATURES, 1),
            metadata: BTreeMap::new(),
        }
    }

    #[test]
    fn a_mirrored_trunk_reverses_each_row() {
        let trunk: Vec<f32> = (0..TRUNK_LEN).map(|i| i as f32).collect();
        let m = mirror_trunk(&trunk);
        assert_eq!(m[0], 6.0);
        assert_eq!(m[6], 0.0);
        assert_eq!(m[7], 13.0);
        assert_eq!(mirror_trunk(&m), trunk);
    }

    #[test]
    fn weights_survive_bytes_within_half_precision() {
        let weights = random_tail(3);
        let back = TailWeights::from_bytes(&weights.to_bytes().unwrap()).unwrap();
        let worst = weights
            .head_w
            .iter()
            .zip(&back.head_w)
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        assert!(worst < 1e-3, "{worst}");
        assert_eq!(back.head_b, weights.head_b);
    }
}
