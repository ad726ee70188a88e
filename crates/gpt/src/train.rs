//! Training: a character vocabulary from the text, a 90/10 train/validation split, random
//! windows as batches, AdamW with linear warm-up and cosine decay, gradient clipping, periodic
//! validation, checkpoints that resume exactly (weights, moments, step and data generator),
//! and a JSON log of the run.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use candle_core::{DType, Device, Tensor, Var};
use serde::{Deserialize, Serialize};

use crate::checkpoint::{self, save_model, save_tensors, write_atomic};
use crate::config::GptConfig;
use crate::error::{GptError, Result};
use crate::model::{Gpt, initial_tensors};
use crate::optim::{AdamW, AdamWParams};
use crate::rng::SplitMix64;
use crate::vocab::Vocab;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrainConfig {
    pub block_size: usize,
    pub n_layer: usize,
    pub n_head: usize,
    pub n_embd: usize,
    pub batch_size: usize,
    pub max_iters: usize,
    pub learning_rate: f64,
    pub min_learning_rate: f64,
    pub warmup_iters: usize,
    pub weight_decay: f64,
    pub grad_clip: f64,
    pub eval_interval: usize,
    pub eval_batches: usize,
    pub val_fraction: f64,
    pub seed: u64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            block_size: 128,
            n_layer: 4,
            n_head: 4,
            n_embd: 128,
            batch_size: 32,
            max_iters: 3000,
            learning_rate: 2e-3,
            min_learning_rate: 2e-4,
            warmup_iters: 100,
            weight_decay: 0.1,
            grad_clip: 1.0,
            eval_interval: 250,
            eval_batches: 20,
            val_fraction: 0.1,
            seed: 1337,
        }
    }
}

impl TrainConfig {
    /// Warm-up, then cosine decay to the minimum at the last step.
    pub fn learning_rate_at(&self, iter: usize) -> f64 {
        if iter < self.warmup_iters {
            return self.learning_rate * (iter + 1) as f64 / self.warmup_iters as f64;
        }
        let span = self.max_iters.saturating_sub(self.warmup_iters).max(1) as f64;
        let progress = ((iter - self.warmup_iters) as f64 / span).min(1.0);
        let cosine = 0.5 * (1.0 + (std::f64::consts::PI * progress).cos());
        self.min_learning_rate + cosine * (self.learning_rate - self.min_learning_rate)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EvalRecord {
    pub iter: usize,
    pub train_loss: f64,
    pub val_loss: f64,
    pub learning_rate: f64,
    pub elapsed_s: f64,
}

/// `train-log.json`: what was trained, on what, how, and how it went.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrainLog {
    pub name: String,
    pub text_source: String,
    pub text_chars: usize,
    pub vocab_size: usize,
    pub parameters: usize,
    pub config: TrainConfig,
    pub iters_done: usize,
    pub tokens_seen: usize,
    pub seconds: f64,
    pub threads: usize,
    pub best_val_loss: Option<f64>,
    pub best_iter: Option<usize>,
    pub evals: Vec<EvalRecord>,
    pub losses: Vec<(usize, f64)>,
    pub sample: Option<String>,
}

/// What the caller shows while training runs.
pub enum Progress<'a> {
    Step {
        iter: usize,
        max_iters: usize,
        loss: f64,
        learning_rate: f64,
        grad_norm: f64,
        iters_per_second: f64,
    },
    Eval(&'a EvalRecord),
    Saved(&'a Path),
}

#[derive(Serialize, Deserialize)]
struct ResumeState {
    iter: usize,
    data_rng: u64,
    log: TrainLog,
}

pub struct Trainer {
    config: TrainConfig,
    model_config: GptConfig,
    vocab: Vocab,
    train: Vec<u32>,
    val: Vec<u32>,
    vars: Vec<(String, Var)>,
    model: Gpt,
    optimizer: AdamW,
    data_rng: SplitMix64,
    iter: usize,
    log: TrainLog,
    out_dir: PathBuf,
}

impl Trainer {
    /// A new run over `text`, or the run checkpointed in `out_dir` when `resume` is set.
    pub fn new(
        name: &str,
        text: &str,
        text_source: &str,
        config: TrainConfig,
        out_dir: &Path,
        resume: bool,
    ) -> Result<Self> {
        let vocab = Vocab::from_text(text);
        let tokens = vocab.encode(text)?;
        let split = ((tokens.len() as f64) * (1.0 - config.val_fraction)) as usize;
        if split <= config.block_size + 1 || tokens.len() - split <= config.block_size + 1 {
            return Err(GptError::InvalidInput(format!(
                "the text is too short: {} characters for windows of {}",
                tokens.len(),
                config.block_size
            )));
        }
        let model_config = GptConfig {
            vocab_size: vocab.len(),
            block_size: config.block_size,
            n_layer: config.n_layer,
            n_head: config.n_head,
            n_embd: config.n_embd,
        };
        model_config.validate()?;
        let ckpt = out_dir.join("checkpoint");
        let (initial, resume_state, moments) = if resume && ckpt.join("state.json").exists() {
            let state: ResumeState =
                serde_json::from_slice(&std::fs::read(ckpt.join("state.json"))?).map_err(|e| {
                    GptError::InvalidModel {
                        file: "checkpoint/state.json".into(),
                        reason: e.to_string(),
                    }
                })?;
            let weights =
                candle_core::safetensors::load(ckpt.join("model.safetensors"), &Device::Cpu)?;
            let moments =
                candle_core::safetensors::load(ckpt.join("optimizer.safetensors"), &Device::Cpu)?;
            (weights.into_iter().collect(), Some(state), Some(moments))
        } else {
            (initial_tensors(&model_config, config.seed)?, None, None)
        };
        // One order for new and resumed runs, so the gradient norm sums the same way.
        let mut initial = initial;
        initial.sort_by(|a, b| a.0.cmp(&b.0));
        let vars = initial
            .into_iter()
            .map(|(name, t)| Ok((name, Var::from_tensor(&t.to_dtype(DType::F32)?)?)))
            .collect::<Result<Vec<_>>>()?;
        let shared: HashMap<String, Tensor> = vars
            .iter()
            .map(|(n, v)| (n.clone(), v.as_tensor().clone()))
            .collect();
        let model = Gpt::from_tensors(model_config, &shared)?;
        let mut optimizer = AdamW::new(
            vars.clone(),
            AdamWParams {
                weight_decay: config.weight_decay,
                ..Default::default()
            },
        )?;
        let (iter, data_rng, log) = match (resume_state, moments) {
            (Some(state), Some(moments)) => {
                if state.log.config.n_embd != config.n_embd
                    || state.log.config.n_layer != config.n_layer
                    || state.log.vocab_size != vocab.len()
                {
                    return Err(GptError::InvalidInput(
                        "the checkpoint was made with another model shape or text".into(),
                    ));
                }
                optimizer.restore(&moments, state.iter)?;
                (state.iter, SplitMix64::new(state.data_rng), state.log)
            }
            _ => (
                0,
                SplitMix64::new(config.seed ^ 0xDA7A),
                TrainLog {
                    name: name.to_string(),
                    text_source: text_source.to_string(),
                    text_chars: tokens.len(),
                    vocab_size: vocab.len(),
                    parameters: model_config.parameter_count(),
                    config: config.clone(),
                    iters_done: 0,
                    tokens_seen: 0,
                    seconds: 0.0,
                    threads: candle_core::utils::get_num_threads(),
                    best_val_loss: None,
                    best_iter: None,
                    evals: Vec::new(),
                    losses: Vec::new(),
                    sample: None,
                },
            ),
        };
        let mut log = log;
        // A resumed run may be extended: the schedule follows the new length.
        log.config.max_iters = config.max_iters;
        Ok(Self {
            config,
            model_config,
            vocab,
            train: tokens[..split].to_vec(),
            val: tokens[split..].to_vec(),
            vars,
            model,
            optimizer,
            data_rng,
            iter,
            log,
            out_dir: out_dir.to_path_buf(),
        })
    }

    pub fn iter(&self) -> usize {
        self.iter
    }

    pub fn log(&self) -> &TrainLog {
        &self.log
    }

    pub fn vocab(&self) -> &Vocab {
        &self.vocab
    }

    pub fn model(&self) -> &Gpt {
        &self.model
    }

    fn batch(
        data: &[u32],
        rng: &mut SplitMix64,
        batch: usize,
        block: usize,
    ) -> Result<(Tensor, Tensor)> {
        let mut xs = Vec::with_capacity(batch * block);
        let mut ys = Vec::with_capacity(batch * block);
        for _ in 0..batch {
            let start = rng.below(data.len() - block - 1);
            xs.extend_from_slice(&data[start..start + block]);
            ys.extend_from_slice(&data[start + 1..start + block + 1]);
        }
        Ok((
            Tensor::from_vec(xs, (batch, block), &Device::Cpu)?,
            Tensor::from_vec(ys, (batch * block,), &Device::Cpu)?,
        ))
    }

    fn loss(&self, x: &Tensor, y: &Tensor) -> Result<Tensor> {
        let logits = self.model.forward(x, None)?;
        let (b, t, v) = logits.dims3()?;
        Ok(candle_nn::loss::cross_entropy(
            &logits.reshape((b * t, v))?,
            y,
        )?)
    }

    /// Mean loss over a fixed set of windows (the same ones at every evaluation).
    pub fn evaluate(&self, on_validation: bool) -> Result<f64> {
        let data = if on_validation {
            &self.val
        } else {
            &self.train
        };
        let mut rng = SplitMix64::new(self.config.seed ^ if on_validation { 0x5A1 } else { 0x7A1 });
        let mut total = 0.0;
        for _ in 0..self.config.eval_batches {
            let (x, y) = Self::batch(
                data,
                &mut rng,
                self.config.batch_size,
                self.config.block_size,
            )?;
            total += self.loss(&x, &y)?.to_scalar::<f32>()? as f64;
        }
        Ok(total / self.config.eval_batches.max(1) as f64)
    }

    /// One optimisation step; returns (loss, gradient norm).
    pub fn step(&mut self) -> Result<(f64, f64)> {
        let (x, y) = Self::batch(
            &self.train,
            &mut self.data_rng,
            self.config.batch_size,
            self.config.block_size,
        )?;
        let loss = self.loss(&x, &y)?;
        let grads = loss.backward()?;
        let lr = self.config.learning_rate_at(self.iter);
        let norm = self.optimizer.step(&grads, lr, self.config.grad_clip)?;
        self.iter += 1;
        let loss = loss.to_scalar::<f32>()? as f64;
        self.log.iters_done = self.iter;
        self.log.tokens_seen += self.config.batch_size * self.config.block_size;
        self.log.losses.push((self.iter, loss));
        Ok((loss, norm))
    }

    fn tensors(&self) -> HashMap<String, Tensor> {
        self.vars
            .iter()
            .map(|(n, v)| (n.clone(), v.as_tensor().clone()))
            .collect()
    }

    /// Saves the resumable checkpoint, and the model itself when validation improved.
    fn save(&mut self, improved: bool) -> Result<()> {
        let ckpt = self.out_dir.join("checkpoint");
        std::fs::create_dir_all(&ckpt)?;
        save_tensors(&ckpt.join("model.safetensors"), &self.tensors())?;
        save_tensors(&ckpt.join("optimizer.safetensors"), &self.optimizer.state())?;
        let state = ResumeState {
            iter: self.iter,
            data_rng: self.data_rng.state(),
            log: self.log.clone(),
        };
        let json = serde_json::to_vec(&state).map_err(|e| GptError::InvalidInput(e.to_string()))?;
        write_atomic(&ckpt.join("state.json"), &json)?;
        if improved {
            save_model(
                &self.out_dir,
                &self.model_config,
                &self.vocab,
                &self.tensors(),
            )?;
        }
        self.write_log()
    }

    pub fn write_log(&self) -> Result<()> {
        let json = serde_json::to_vec_pretty(&self.log)
            .map_err(|e| GptError::InvalidInput(e.to_string()))?;
        write_atomic(&self.out_dir.join("train-log.json"), &json)
    }

    /// Trains to `max_iters`, evaluating and checkpointing every `eval_interval` steps and at the
    /// end. `stop` is polled between steps (Ctrl-C): the run then checkpoints and returns.
    pub fn run(
        &mut self,
        mut progress: impl FnMut(Progress<'_>),
        stop: impl Fn() -> bool,
    ) -> Result<()> {
        let started = Instant::now();
        let seconds_before = self.log.seconds;
        let iter_before = self.iter;
        while self.iter < self.config.max_iters && !stop() {
            let (loss, grad_norm) = self.step()?;
            let elapsed = started.elapsed().as_secs_f64();
            progress(Progress::Step {
                iter: self.iter,
                max_iters: self.config.max_iters,
                loss,
                learning_rate: self.config.learning_rate_at(self.iter - 1),
                grad_norm,
                iters_per_second: (self.iter - iter_before) as f64 / elapsed.max(1e-9),
            });
            self.log.seconds = seconds_before + elapsed;
            let at_end = self.iter == self.config.max_iters;
            if self.iter.is_multiple_of(self.config.eval_interval) || at_end {
                self.eval_and_save(&mut progress, seconds_before + elapsed)?;
            }
        }
        if !self.iter.is_multiple_of(self.config.eval_interval) && self.iter < self.config.max_iters
        {
            let elapsed = seconds_before + started.elapsed().as_secs_f64();
            self.eval_and_save(&mut progress, elapsed)?;
        }
        Ok(())
    }

    fn eval_and_save(
        &mut self,
        progress: &mut impl FnMut(Progress<'_>),
        elapsed: f64,
    ) -> Result<()> {
        let record = EvalRecord {
            iter: self.iter,
            train_loss: self.evaluate(false)?,
            val_loss: self.evaluate(true)?,
            learning_rate: self.config.learning_rate_at(self.iter.saturating_sub(1)),
            elapsed_s: elapsed,
        };
        progress(Progress::Eval(&record));
        let improved = self
            .log
            .best_val_loss
            .is_none_or(|best| record.val_loss < best);
        if improved {
            self.log.best_val_loss = Some(record.val_loss);
            self.log.best_iter = Some(record.iter);
        }
        self.log.evals.push(record);
        self.save(improved)?;
        progress(Progress::Saved(&self.out_dir));
        Ok(())
    }

    /// A sample from the best saved model, recorded in the log.
    pub fn record_sample(&mut self, prompt: &str, chars: usize) -> Result<String> {
        let (model, vocab) = checkpoint::load_dir(&self.out_dir)?;
        let params = crate::generate::GenerateParams {
            seed: 42,
            temperature: 0.8,
            max_tokens: chars.min(crate::generate::MAX_TOKENS),
            top_k: None,
        };
        let generation = crate::generate::generate(&model, &vocab, prompt, &params, |_| {
            std::ops::ControlFlow::Continue(())
        })?;
        let sample = format!("{prompt}{}", generation.text);
        self.log.sample = Some(sample.clone());
        self.write_log()?;
        Ok(sample)
    }
}
