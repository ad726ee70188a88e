use serde::{Deserialize, Serialize};

use crate::error::{GptError, Result};

/// The shape of a model. Saved beside its weights as `config.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GptConfig {
    pub vocab_size: usize,
    /// The longest context the position table covers.
    pub block_size: usize,
    pub n_layer: usize,
    pub n_head: usize,
    pub n_embd: usize,
}

impl GptConfig {
    pub fn validate(&self) -> Result<()> {
        let bad = |reason: &str| Err(GptError::InvalidInput(format!("model config: {reason}")));
        if self.vocab_size == 0 || self.block_size == 0 || self.n_layer == 0 || self.n_head == 0 {
            return bad("every size must be at least 1");
        }
        if self.n_embd == 0 || !self.n_embd.is_multiple_of(self.n_head) {
            return bad("the embedding width must be a positive multiple of the head count");
        }
        if self.block_size > 4096 || self.n_embd > 4096 || self.n_layer > 64 {
            return bad("larger than this project supports");
        }
        Ok(())
    }

    pub fn head_dim(&self) -> usize {
        self.n_embd / self.n_head
    }

    /// Learned parameters; the output head shares the token embedding (weight tying).
    pub fn parameter_count(&self) -> usize {
        let c = self.n_embd;
        let per_layer =
            2 * 2 * c + (c * 3 * c + 3 * c) + (c * c + c) + (c * 4 * c + 4 * c) + (4 * c * c + c);
        self.vocab_size * c + self.block_size * c + self.n_layer * per_layer + 2 * c
    }
}
