//! The Custom GPT's wire, as the original service defined it (`/models`, `/generate/stream`
//! events; its errors keep the original FastAPI-style shape, not `ErrorBody`).

use serde::{Deserialize, Serialize};

/// What `/models` says about a model (a remote service may leave fields out).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ModelInfo {
    pub name: String,
    pub description: String,
    pub parameters: usize,
    pub vocab_size: usize,
    pub block_size: usize,
    pub n_layer: usize,
    pub n_head: usize,
    pub n_embd: usize,
    pub val_loss: Option<f64>,
    pub trained_iters: Option<usize>,
    pub training_seconds: Option<f64>,
    pub source: String,
}

/// The bounds a generation request must keep.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Limits {
    /// [lowest, highest].
    pub temperature: [f64; 2],
    pub max_tokens: [usize; 2],
    pub context_chars: usize,
}

/// `GET /models`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ModelList {
    pub models: Vec<ModelInfo>,
    pub default: Option<String>,
    /// Which backend samples (embedded, or the GPT service's address).
    pub backend: String,
    pub limits: Limits,
}

/// `POST /generate` and `/generate/stream`: what the page asks for (the service checks each
/// field itself and names the one at fault).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GenerateInput {
    pub model: String,
    pub seed: u64,
    pub temperature: f64,
    pub max_tokens: u32,
    pub context: String,
}

/// The first event of a stream (`meta`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StreamMeta {
    pub model: String,
    pub backend: String,
    #[serde(default)]
    pub seed: Option<u64>,
}

/// One sampled character, or (from a remote service that answers whole) the whole text
/// (`token`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StreamToken {
    pub text: String,
}

/// The last event of a stream that went through (`done`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamDone {
    pub model: String,
    pub text: String,
    pub tokens: usize,
    pub generation_time: f64,
    pub time_to_first_char: f64,
    pub chars_per_second: f64,
}

/// The last event of a stream that failed (`error`), or an error answer of the service.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GptFailure {
    pub error: String,
}
