//! Whisper's network on candle, written for decoding speed: the decoder keeps its self-attention
//! keys and values between steps (each step runs one new token, not the whole sequence again),
//! and each window's cross-attention keys and values are computed once, laid out for the product
//! they feed. The layers and names are OpenAI's (Hugging Face's tensor names, as the converter
//! writes them); the encoder is the usual pre-norm transformer over two convolutions.

use candle_core::{D, Module, Result, Tensor};
use candle_nn::{Conv1d, Conv1dConfig, LayerNorm, Linear, VarBuilder};

/// Whisper base.
pub const D_MODEL: usize = 512;
pub const HEADS: usize = 8;
pub const LAYERS: usize = 6;
pub const VOCAB: usize = 51_865;
pub const AUDIO_CTX: usize = 1_500;
pub const TEXT_CTX: usize = 448;
const HEAD_DIM: usize = D_MODEL / HEADS;

fn linear(vb: VarBuilder, bias: bool) -> Result<Linear> {
    let w = vb.get((D_MODEL, D_MODEL), "weight")?;
    let b = if bias {
        Some(vb.get(D_MODEL, "bias")?)
    } else {
        None
    };
    Ok(Linear::new(w, b))
}

fn layer_norm(vb: VarBuilder) -> Result<LayerNorm> {
    Ok(LayerNorm::new(
        vb.get(D_MODEL, "weight")?,
        vb.get(D_MODEL, "bias")?,
        1e-5,
    ))
}

/// (1, n, 512) -> (1, 8, n, 64).
fn heads(x: &Tensor) -> Result<Tensor> {
    let (b, n, _) = x.dims3()?;
    x.reshape((b, n, HEADS, HEAD_DIM))?
        .transpose(1, 2)?
        .contiguous()
}

/// (1, 8, n, 64) -> (1, n, 512).
fn merge(x: &Tensor) -> Result<Tensor> {
    let (b, _, n, _) = x.dims4()?;
    x.transpose(1, 2)?.reshape((b, n, D_MODEL))
}

struct Attention {
    q: Linear,
    k: Linear,
    v: Linear,
    out: Linear,
}

impl Attention {
    fn load(vb: VarBuilder) -> Result<Attention> {
        Ok(Attention {
            q: linear(vb.pp("q_proj"), true)?,
            k: linear(vb.pp("k_proj"), false)?,
            v: linear(vb.pp("v_proj"), true)?,
            out: linear(vb.pp("out_proj"), true)?,
        })
    }

    /// Keys (transposed, (1, 8, 64, n)) and values ((1, 8, n, 64)) of `x`.
    fn keys_values(&self, x: &Tensor) -> Result<(Tensor, Tensor)> {
        let k = heads(&self.k.forward(x)?)?.transpose(2, 3)?.contiguous()?;
        let v = heads(&self.v.forward(x)?)?;
        Ok((k, v))
    }

    /// Attention of `x`'s queries over keys `kt` and values `v`, with an additive mask.
    fn attend(&self, x: &Tensor, kt: &Tensor, v: &Tensor, mask: Option<&Tensor>) -> Result<Tensor> {
        let q = (heads(&self.q.forward(x)?)? * (1.0 / (HEAD_DIM as f64).sqrt()))?;
        let mut scores = q.matmul(kt)?;
        if let Some(mask) = mask {
            scores = scores.broadcast_add(mask)?;
        }
        let weights = candle_nn::ops::softmax_last_dim(&scores)?;
        self.out.forward(&merge(&weights.matmul(v)?)?)
    }
}

struct Mlp {
    fc1: Linear,
    fc2: Linear,
}

impl Mlp {
    fn load(vb: VarBuilder) -> Result<Mlp> {
        let fc1 = Linear::new(
            vb.get((4 * D_MODEL, D_MODEL), "fc1.weight")?,
            Some(vb.get(4 * D_MODEL, "fc1.bias")?),
        );
        let fc2 = Linear::new(
            vb.get((D_MODEL, 4 * D_MODEL), "fc2.weight")?,
            Some(vb.get(D_MODEL, "fc2.bias")?),
        );
        Ok(Mlp { fc1, fc2 })
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        self.fc2.forward(&self.fc1.forward(x)?.gelu_erf()?)
    }
}

struct EncoderLayer {
    attn: Attention,
    attn_ln: LayerNorm,
    mlp: Mlp,
    mlp_ln: LayerNorm,
}

/// The audio encoder: (1, 80, 3000) log-mel -> (1, 1500, 512).
pub struct Encoder {
    conv1: Conv1d,
    conv2: Conv1d,
    positions: Tensor,
    layers: Vec<EncoderLayer>,
    ln: LayerNorm,
}

impl Encoder {
    pub fn load(vb: VarBuilder, mels: usize) -> Result<Encoder> {
        let conv = |name: &str, inputs: usize, stride: usize| -> Result<Conv1d> {
            let config = Conv1dConfig {
                padding: 1,
                stride,
                ..Default::default()
            };
            Ok(Conv1d::new(
                vb.get((D_MODEL, inputs, 3), &format!("{name}.weight"))?,
                Some(vb.get(D_MODEL, &format!("{name}.bias"))?),
                config,
            ))
        };
        let layers = (0..LAYERS)
            .map(|i| {
                let l = vb.pp(format!("layers.{i}"));
                Ok(EncoderLayer {
                    attn: Attention::load(l.pp("self_attn"))?,
                    attn_ln: layer_norm(l.pp("self_attn_layer_norm"))?,
                    mlp: Mlp::load(l.clone())?,
                    mlp_ln: layer_norm(l.pp("final_layer_norm"))?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Encoder {
            conv1: conv("conv1", mels, 1)?,
            conv2: conv("conv2", D_MODEL, 2)?,
            positions: vb.get((AUDIO_CTX, D_MODEL), "embed_positions.weight")?,
            layers,
            ln: layer_norm(vb.pp("layer_norm"))?,
        })
    }

    pub fn forward(&self, mel: &Tensor) -> Result<Tensor> {
        let x = self.conv1.forward(mel)?.gelu_erf()?;
        let x = self.conv2.forward(&x)?.gelu_erf()?.transpose(1, 2)?;
        let n = x.dim(1)?;
        let mut x = x.broadcast_add(&self.positions.narrow(0, 0, n)?)?;
        for layer in &self.layers {
            let h = layer.attn_ln.forward(&x)?;
            let (kt, v) = layer.attn.keys_values(&h)?;
            x = (&x + layer.attn.attend(&h, &kt, &v, None)?)?;
            x = (&x + layer.mlp.forward(&layer.mlp_ln.forward(&x)?)?)?;
        }
        self.ln.forward(&x)
    }
}

struct DecoderLayer {
    attn: Attention,
    attn_ln: LayerNorm,
    cross: Attention,
    cross_ln: LayerNorm,
    mlp: Mlp,
    mlp_ln: LayerNorm,
    /// Self-attention keys (transposed) and values of the tokens so far.
    cache: Option<(Tensor, Tensor)>,
    /// Cross-attention keys (transposed) and values of the current window's audio.
    audio: Option<(Tensor, Tensor)>,
}

/// The text decoder with its caches.
pub struct Decoder {
    embeddings: Tensor,
    positions: Tensor,
    layers: Vec<DecoderLayer>,
    ln: LayerNorm,
    /// Tokens already run since the last `start`.
    seen: usize,
}

impl Decoder {
    pub fn load(vb: VarBuilder) -> Result<Decoder> {
        let layers = (0..LAYERS)
            .map(|i| {
                let l = vb.pp(format!("layers.{i}"));
                Ok(DecoderLayer {
                    attn: Attention::load(l.pp("self_attn"))?,
                    attn_ln: layer_norm(l.pp("self_attn_layer_norm"))?,
                    cross: Attention::load(l.pp("encoder_attn"))?,
                    cross_ln: layer_norm(l.pp("encoder_attn_layer_norm"))?,
                    mlp: Mlp::load(l.clone())?,
                    mlp_ln: layer_norm(l.pp("final_layer_norm"))?,
                    cache: None,
                    audio: None,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Decoder {
            embeddings: vb.get((VOCAB, D_MODEL), "embed_tokens.weight")?,
            positions: vb.get((TEXT_CTX, D_MODEL), "embed_positions.weight")?,
            layers,
            ln: layer_norm(vb.pp("layer_norm"))?,
            seen: 0,
        })
    }

    /// Starts a new sequence over `audio` (the encoder's output); `same_audio` keeps the
    /// cross-attention keys and values computed for it before.
    pub fn start(&mut self, audio: &Tensor, same_audio: bool) -> Result<()> {
        for layer in &mut self.layers {
            layer.cache = None;
            if !same_audio || layer.audio.is_none() {
                layer.audio = Some(layer.cross.keys_values(audio)?);
            }
        }
        self.seen = 0;
        Ok(())
    }

    /// Runs the next tokens; returns the logits at each of their positions, (n, vocab) — or
    /// only at the last when `last_only`.
    pub fn step(&mut self, tokens: &[u32], last_only: bool) -> Result<Tensor> {
        let n = tokens.len();
        let device = self.embeddings.device().clone();
        let ids = Tensor::new(tokens, &device)?;
        let x = self.embeddings.index_select(&ids, 0)?;
        let x = (x + self.positions.narrow(0, self.seen, n)?)?.unsqueeze(0)?;
        // New tokens see every earlier token and themselves, not the ones after them.
        let seen = self.seen;
        let mask = (n > 1)
            .then(|| {
                let values: Vec<f32> = (0..n)
                    .flat_map(|i| {
                        (0..seen + n)
                            .map(move |j| if j > seen + i { f32::NEG_INFINITY } else { 0.0 })
                    })
                    .collect();
                Tensor::from_vec(values, (n, seen + n), &device)
            })
            .transpose()?;
        let mut x = x;
        for layer in &mut self.layers {
            let h = layer.attn_ln.forward(&x)?;
            let (kt, v) = layer.attn.keys_values(&h)?;
            let (kt, v) = match layer.cache.take() {
                Some((ckt, cv)) => (
                    Tensor::cat(&[&ckt, &kt], D::Minus1)?,
                    Tensor::cat(&[&cv, &v], 2)?,
                ),
                None => (kt, v),
            };
            x = (&x + layer.attn.attend(&h, &kt, &v, mask.as_ref())?)?;
            layer.cache = Some((kt, v));
            let (akt, av) = layer
                .audio
                .as_ref()
                .ok_or_else(|| candle_core::Error::Msg("decoder used before start".into()))?;
            x = (&x
                + layer
                    .cross
                    .attend(&layer.cross_ln.forward(&x)?, akt, av, None)?)?;
            x = (&x + layer.mlp.forward(&layer.mlp_ln.forward(&x)?)?)?;
        }
        self.seen += n;
        let x = self.ln.forward(&x)?.squeeze(0)?;
        let x = if last_only { x.narrow(0, n - 1, 1)? } else { x };
        x.matmul(&self.embeddings.t()?)
    }
}
