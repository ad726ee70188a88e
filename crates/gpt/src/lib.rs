//! A character-level GPT: the model (candle), seeded sampling with a KV cache, training with
//! candle's autograd, and the shipped models. The HTTP contract lives in [`service`] behind the
//! `service` feature so that training and benchmarks build without a web stack.

pub mod checkpoint;
pub mod config;
pub mod error;
pub mod generate;
pub mod kernels;
pub mod model;
pub mod optim;
pub mod rng;
pub mod shipped;
pub mod train;
pub mod vocab;

#[cfg(feature = "service")]
pub mod service;

pub use config::GptConfig;
pub use error::GptError;
pub use generate::{GenerateParams, Generation, generate};
pub use model::Gpt;
pub use shipped::{LoadedModel, ModelInfo, ModelSet};
pub use vocab::Vocab;
