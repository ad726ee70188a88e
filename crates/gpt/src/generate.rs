//! Seeded sampling with a KV cache. The same model, prompt, seed and settings give the same
//! text: the generator is our own SplitMix64 and the probabilities are computed in f64 on the
//! CPU from the logits.

use std::ops::ControlFlow;
use std::time::Instant;

use candle_core::Tensor;
use serde::{Deserialize, Serialize};

use crate::error::{GptError, Result};
use crate::model::Gpt;
use crate::rng::SplitMix64;
use crate::vocab::Vocab;

pub const MIN_TEMPERATURE: f64 = 0.01;
pub const MAX_TEMPERATURE: f64 = 2.0;
pub const MAX_TOKENS: usize = 500;
/// Longer prompts are accepted; only their last block of characters conditions the model.
pub const MAX_CONTEXT_CHARS: usize = 20_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenerateParams {
    pub seed: u64,
    pub temperature: f64,
    pub max_tokens: usize,
    /// Keep only the k most likely characters (None: all).
    pub top_k: Option<usize>,
}

impl Default for GenerateParams {
    fn default() -> Self {
        Self {
            seed: 1337,
            temperature: 0.8,
            max_tokens: 100,
            top_k: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Generation {
    pub text: String,
    pub tokens: usize,
    pub generation_time: f64,
    /// Seconds until the first character was sampled (prompt processing included).
    pub time_to_first_char: f64,
}

/// Generates `max_tokens` characters after `context` (a newline when empty, as the training
/// text starts its lines), calling `on_char` with each as it is sampled; `Break` stops early.
pub fn generate(
    model: &Gpt,
    vocab: &Vocab,
    context: &str,
    params: &GenerateParams,
    mut on_char: impl FnMut(char) -> ControlFlow<()>,
) -> Result<Generation> {
    if !(MIN_TEMPERATURE..=MAX_TEMPERATURE).contains(&params.temperature) {
        return Err(GptError::InvalidInput(format!(
            "temperature must be between {MIN_TEMPERATURE} and {MAX_TEMPERATURE}"
        )));
    }
    if params.max_tokens == 0 || params.max_tokens > MAX_TOKENS {
        return Err(GptError::InvalidInput(format!(
            "max_tokens must be between 1 and {MAX_TOKENS}"
        )));
    }
    let started = Instant::now();
    let context = if context.is_empty() { "\n" } else { context };
    let mut ids = vocab.encode(&vocab.normalise(context))?;
    if ids.is_empty() {
        ids = vocab.encode("\n").or_else(|_| Ok::<_, GptError>(vec![0]))?;
    }
    let block = model.config().block_size;
    let mut rng = SplitMix64::new(params.seed);
    let mut cache = model.new_cache();
    // Prompt: its last block - 1 characters, so one sampled character fits before a re-window.
    let keep = ids.len().min(block.saturating_sub(1).max(1));
    let mut window: Vec<u32> = ids[ids.len() - keep..].to_vec();
    let mut logits = last_logits(model, &window, &mut cache)?;
    let mut out = String::new();
    let mut tokens = 0;
    let mut first = None;
    for _ in 0..params.max_tokens {
        let next = sample(&logits, params.temperature, params.top_k, &mut rng);
        let ch = vocab.char(next).unwrap_or('?');
        first.get_or_insert_with(|| started.elapsed().as_secs_f64());
        out.push(ch);
        tokens += 1;
        if on_char(ch).is_break() {
            break;
        }
        window.push(next);
        if cache.len() + 1 > block {
            // The position table is full: start again from the last half block of text.
            cache.clear();
            let half = window.len().min(block / 2).max(1);
            window.drain(..window.len() - half);
            logits = last_logits(model, &window, &mut cache)?;
        } else {
            logits = last_logits(model, &[next], &mut cache)?;
        }
    }
    Ok(Generation {
        text: out,
        tokens,
        generation_time: started.elapsed().as_secs_f64(),
        time_to_first_char: first.unwrap_or(0.0),
    })
}

fn last_logits(model: &Gpt, ids: &[u32], cache: &mut crate::model::KvCache) -> Result<Vec<f32>> {
    let input = Tensor::from_slice(ids, (1, ids.len()), model.device())?;
    let logits = model.forward(&input, Some(cache))?;
    let t = logits.dim(1)?;
    Ok(logits
        .narrow(1, t - 1, 1)?
        .flatten_all()?
        .to_vec1::<f32>()?)
}

/// Draws one id from softmax(logits / temperature), restricted to the top k when given.
pub fn sample(logits: &[f32], temperature: f64, top_k: Option<usize>, rng: &mut SplitMix64) -> u32 {
    let mut scaled: Vec<(usize, f64)> = logits
        .iter()
        .enumerate()
        .map(|(i, &l)| (i, l as f64 / temperature))
        .collect();
    if let Some(k) = top_k.filter(|&k| k > 0 && k < scaled.len()) {
        // Stable order: by value, then by id, so ties break the same way everywhere.
        scaled.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        scaled.truncate(k);
        scaled.sort_by_key(|&(i, _)| i);
    }
    let max = scaled
        .iter()
        .map(|&(_, v)| v)
        .fold(f64::NEG_INFINITY, f64::max);
    let weights: Vec<f64> = scaled.iter().map(|&(_, v)| (v - max).exp()).collect();
    let total: f64 = weights.iter().sum();
    let mut target = rng.next_f64() * total;
    for (&(id, _), w) in scaled.iter().zip(&weights) {
        if target < *w {
            return id as u32;
        }
        target -= w;
    }
    scaled.last().map_or(0, |&(id, _)| id as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn low_temperature_picks_the_most_likely() {
        let mut rng = SplitMix64::new(3);
        let logits = [0.1f32, 2.0, 1.9, -1.0];
        for _ in 0..50 {
            assert_eq!(sample(&logits, 0.01, None, &mut rng), 1);
        }
    }

    #[test]
    fn top_k_never_draws_outside_the_top() {
        let mut rng = SplitMix64::new(9);
        let logits = [0.0f32, 0.1, 0.2, 5.0, 4.9];
        for _ in 0..500 {
            let id = sample(&logits, 2.0, Some(2), &mut rng);
            assert!(id == 3 || id == 4, "drew {id}");
        }
    }

    #[test]
    fn frequencies_follow_the_distribution() {
        let mut rng = SplitMix64::new(11);
        let logits = [0.0f32, (3.0f32).ln()];
        let ones = (0..20_000)
            .filter(|_| sample(&logits, 1.0, None, &mut rng) == 1)
            .count();
        let share = ones as f64 / 20_000.0;
        assert!((share - 0.75).abs() < 0.02, "share {share}");
    }
}
