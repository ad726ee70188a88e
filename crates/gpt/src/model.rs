//! The transformer: token and position embeddings, pre-norm blocks (causal self-attention and a
//! GELU MLP), a final layer norm and an output head tied to the token embedding. Parameter names
//! follow nanoGPT (`transformer.h.0.attn.c_attn.weight`, ...) so that a PyTorch implementation
//! loads the same safetensors file unchanged.

use std::collections::HashMap;

use candle_core::{DType, Device, Tensor};

use crate::config::GptConfig;
use crate::error::{GptError, Result};
use crate::kernels;

const LAYER_NORM_EPS: f32 = 1e-5;

struct LayerNorm {
    weight: Tensor,
    bias: Tensor,
}

impl LayerNorm {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(kernels::layer_norm(
            x,
            &self.weight,
            &self.bias,
            LAYER_NORM_EPS,
        )?)
    }
}

/// A linear layer over the last dimension, as one matrix product over all positions (its
/// gradient is then one product too, not a batch of them summed).
struct Linear {
    weight: Tensor,
    bias: Tensor,
}

impl Linear {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let dims = x.dims().to_vec();
        let inp = dims[dims.len() - 1];
        let rows = x.elem_count() / inp.max(1);
        let y = kernels::add_bias(
            &x.reshape((rows, inp))?.matmul(&self.weight.t()?)?,
            &self.bias,
        )?;
        let mut out = dims;
        let last = out.len() - 1;
        out[last] = self.weight.dim(0)?;
        Ok(y.reshape(out)?)
    }
}

/// Keys and values of the positions seen so far, per layer.
#[derive(Default, Clone)]
pub struct KvCache {
    layers: Vec<Option<(Tensor, Tensor)>>,
}

impl KvCache {
    pub fn new(n_layer: usize) -> Self {
        Self {
            layers: vec![None; n_layer],
        }
    }

    /// Positions held (the same in every layer).
    pub fn len(&self) -> usize {
        match self.layers.first() {
            Some(Some((k, _))) => k.dim(2).unwrap_or(0),
            _ => 0,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn clear(&mut self) {
        self.layers.iter_mut().for_each(|l| *l = None);
    }
}

struct Attention {
    c_attn: Linear,
    c_proj: Linear,
    n_head: usize,
}

impl Attention {
    fn forward(&self, x: &Tensor, cache: Option<&mut Option<(Tensor, Tensor)>>) -> Result<Tensor> {
        let (b, t, c) = x.dims3()?;
        let h = self.n_head;
        let d = c / h;
        let qkv = self.c_attn.forward(x)?;
        let heads = |i: usize| -> Result<Tensor> {
            Ok(qkv
                .narrow(2, i * c, c)?
                .reshape((b, t, h, d))?
                .transpose(1, 2)?
                .contiguous()?)
        };
        let q = heads(0)?;
        let mut k = heads(1)?;
        let mut v = heads(2)?;
        let offset = match cache {
            Some(slot) => {
                let offset = if let Some((pk, pv)) = slot.as_ref() {
                    let offset = pk.dim(2)?;
                    k = Tensor::cat(&[pk, &k], 2)?;
                    v = Tensor::cat(&[pv, &v], 2)?;
                    offset
                } else {
                    0
                };
                *slot = Some((k.clone(), v.clone()));
                offset
            }
            None => 0,
        };
        let scale = 1.0 / (d as f32).sqrt();
        let att = kernels::causal_softmax(&q.matmul(&k.t()?)?, scale, offset)?;
        let y = att.matmul(&v)?.transpose(1, 2)?.reshape((b, t, c))?;
        self.c_proj.forward(&y)
    }
}

struct Block {
    ln_1: LayerNorm,
    attn: Attention,
    ln_2: LayerNorm,
    c_fc: Linear,
    c_proj: Linear,
}

impl Block {
    fn forward(&self, x: &Tensor, cache: Option<&mut Option<(Tensor, Tensor)>>) -> Result<Tensor> {
        let x = (x + self.attn.forward(&self.ln_1.forward(x)?, cache)?)?;
        let hidden = kernels::gelu(&self.c_fc.forward(&self.ln_2.forward(&x)?)?)?;
        Ok((&x + self.c_proj.forward(&hidden)?)?)
    }
}

pub struct Gpt {
    config: GptConfig,
    wte: Tensor,
    wpe: Tensor,
    blocks: Vec<Block>,
    ln_f: LayerNorm,
}

impl Gpt {
    /// Builds the model over the given tensors (shared, not copied: training passes its
    /// variables, whose in-place updates the model then sees).
    pub fn from_tensors(config: GptConfig, tensors: &HashMap<String, Tensor>) -> Result<Self> {
        config.validate()?;
        let c = config.n_embd;
        let get = |name: &str, shape: &[usize]| -> Result<Tensor> {
            let t = tensors.get(name).ok_or_else(|| GptError::InvalidModel {
                file: "weights".into(),
                reason: format!("missing tensor {name}"),
            })?;
            if t.dims() != shape {
                return Err(GptError::InvalidModel {
                    file: "weights".into(),
                    reason: format!("{name} has shape {:?}, expected {shape:?}", t.dims()),
                });
            }
            Ok(t.to_dtype(DType::F32)?)
        };
        let norm = |prefix: &str| -> Result<LayerNorm> {
            Ok(LayerNorm {
                weight: get(&format!("{prefix}.weight"), &[c])?,
                bias: get(&format!("{prefix}.bias"), &[c])?,
            })
        };
        let linear = |prefix: &str, inp: usize, out: usize| -> Result<Linear> {
            Ok(Linear {
                weight: get(&format!("{prefix}.weight"), &[out, inp])?,
                bias: get(&format!("{prefix}.bias"), &[out])?,
            })
        };
        let blocks = (0..config.n_layer)
            .map(|i| {
                let p = format!("transformer.h.{i}");
                Ok(Block {
                    ln_1: norm(&format!("{p}.ln_1"))?,
                    attn: Attention {
                        c_attn: linear(&format!("{p}.attn.c_attn"), c, 3 * c)?,
                        c_proj: linear(&format!("{p}.attn.c_proj"), c, c)?,
                        n_head: config.n_head,
                    },
                    ln_2: norm(&format!("{p}.ln_2"))?,
                    c_fc: linear(&format!("{p}.mlp.c_fc"), c, 4 * c)?,
                    c_proj: linear(&format!("{p}.mlp.c_proj"), 4 * c, c)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            config,
            wte: get("transformer.wte.weight", &[config.vocab_size, c])?,
            wpe: get("transformer.wpe.weight", &[config.block_size, c])?,
            blocks,
            ln_f: norm("transformer.ln_f")?,
        })
    }

    pub fn config(&self) -> &GptConfig {
        &self.config
    }

    pub fn device(&self) -> &Device {
        self.wte.device()
    }

    pub fn new_cache(&self) -> KvCache {
        KvCache::new(self.config.n_layer)
    }

    /// Logits (batch, time, vocab) for token ids (batch, time). With a cache, the ids continue
    /// the positions it holds and their keys and values are appended to it.
    pub fn forward(&self, ids: &Tensor, cache: Option<&mut KvCache>) -> Result<Tensor> {
        let (_, t) = ids.dims2()?;
        let offset = cache.as_ref().map_or(0, |c| c.len());
        if offset + t > self.config.block_size {
            return Err(GptError::InvalidInput(format!(
                "{} positions exceed the model's block size of {}",
                offset + t,
                self.config.block_size
            )));
        }
        let positions = self.wpe.narrow(0, offset, t)?;
        let mut x = self
            .wte
            .embedding(&ids.flatten_all()?)?
            .reshape((ids.dim(0)?, t, self.config.n_embd))?
            .broadcast_add(&positions)?;
        match cache {
            Some(cache) => {
                for (block, slot) in self.blocks.iter().zip(cache.layers.iter_mut()) {
                    x = block.forward(&x, Some(slot))?;
                }
            }
            None => {
                for block in &self.blocks {
                    x = block.forward(&x, None)?;
                }
            }
        }
        let x = self.ln_f.forward(&x)?;
        let (b, t, c) = x.dims3()?;
        Ok(x.reshape((b * t, c))?.matmul(&self.wte.t()?)?.reshape((
            b,
            t,
            self.config.vocab_size,
        ))?)
    }
}

/// nanoGPT's initialisation: N(0, 0.02) for weights and embeddings, the residual projections
/// scaled by 1/sqrt(2 * layers), zero biases, unit norms. Seeded, so a run can be repeated.
pub fn initial_tensors(config: &GptConfig, seed: u64) -> Result<Vec<(String, Tensor)>> {
    config.validate()?;
    let mut rng = crate::rng::SplitMix64::new(seed);
    let device = Device::Cpu;
    let c = config.n_embd;
    let mut out = Vec::new();
    let mut normal = |name: String, shape: &[usize], std: f64| -> Result<()> {
        let n: usize = shape.iter().product();
        let data: Vec<f32> = (0..n).map(|_| (rng.normal() * std) as f32).collect();
        out.push((name, Tensor::from_vec(data, shape, &device)?));
        Ok(())
    };
    let proj_std = 0.02 / (2.0 * config.n_layer as f64).sqrt();
    normal(
        "transformer.wte.weight".into(),
        &[config.vocab_size, c],
        0.02,
    )?;
    normal(
        "transformer.wpe.weight".into(),
        &[config.block_size, c],
        0.02,
    )?;
    for i in 0..config.n_layer {
        let p = format!("transformer.h.{i}");
        normal(format!("{p}.attn.c_attn.weight"), &[3 * c, c], 0.02)?;
        normal(format!("{p}.attn.c_proj.weight"), &[c, c], proj_std)?;
        normal(format!("{p}.mlp.c_fc.weight"), &[4 * c, c], 0.02)?;
        normal(format!("{p}.mlp.c_proj.weight"), &[c, 4 * c], proj_std)?;
    }
    let mut constant = |name: String, len: usize, value: f32| -> Result<()> {
        out.push((name, Tensor::full(value, len, &device)?));
        Ok(())
    };
    for i in 0..config.n_layer {
        let p = format!("transformer.h.{i}");
        for ln in ["ln_1", "ln_2"] {
            constant(format!("{p}.{ln}.weight"), c, 1.0)?;
            constant(format!("{p}.{ln}.bias"), c, 0.0)?;
        }
        constant(format!("{p}.attn.c_attn.bias"), 3 * c, 0.0)?;
        constant(format!("{p}.attn.c_proj.bias"), c, 0.0)?;
        constant(format!("{p}.mlp.c_fc.bias"), 4 * c, 0.0)?;
        constant(format!("{p}.mlp.c_proj.bias"), c, 0.0)?;
    }
    constant("transformer.ln_f.weight".into(), c, 1.0)?;
    constant("transformer.ln_f.bias".into(), c, 0.0)?;
    Ok(out)
}
