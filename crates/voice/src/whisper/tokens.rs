//! Whisper's special tokens and languages, read from the tokenizer and the model's config rather
//! than hard-coded, so the ids are the shipped model's.

use crate::VoiceError;
use std::path::Path;
use tokenizers::Tokenizer;

/// The ids decoding needs.
#[derive(Debug, Clone)]
pub struct Special {
    pub sot: u32,
    pub eot: u32,
    pub transcribe: u32,
    pub translate: u32,
    pub no_timestamps: u32,
    pub no_speech: u32,
    pub sot_prev: u32,
    pub sot_lm: u32,
    /// The first timestamp token, `<|0.00|>`; each next one is 20 ms later.
    pub timestamp_begin: u32,
    /// Language tokens and their codes, in the model's order.
    pub languages: Vec<(u32, String)>,
    /// Tokens never sampled (the model's config), and those not sampled first.
    pub suppress: Vec<u32>,
    pub suppress_at_begin: Vec<u32>,
}

#[derive(serde::Deserialize)]
struct ModelConfig {
    lang_ids: Vec<u32>,
    suppress_ids: Vec<u32>,
    suppress_ids_begin: Vec<u32>,
}

fn id(tokenizer: &Tokenizer, token: &str) -> Result<u32, VoiceError> {
    tokenizer.token_to_id(token).ok_or_else(|| {
        VoiceError::ModelMissing(format!("The Whisper tokenizer has no {token} token."))
    })
}

impl Special {
    pub fn read(tokenizer: &Tokenizer, config: &Path) -> Result<Special, VoiceError> {
        let raw = std::fs::read_to_string(config).map_err(|e| {
            VoiceError::ModelMissing(format!("Cannot read {}: {e}.", config.display()))
        })?;
        let config: ModelConfig = serde_json::from_str(&raw).map_err(|e| {
            VoiceError::ModelMissing(format!(
                "{} is not Whisper's config: {e}.",
                config.display()
            ))
        })?;
        let no_timestamps = id(tokenizer, "<|notimestamps|>")?;
        let languages = config
            .lang_ids
            .iter()
            .filter_map(|&id| {
                let token = tokenizer.id_to_token(id)?;
                let code = token.strip_prefix("<|")?.strip_suffix("|>")?;
                Some((id, code.to_string()))
            })
            .collect::<Vec<_>>();
        if languages.is_empty() {
            return Err(VoiceError::ModelMissing(
                "The Whisper config lists no languages.".into(),
            ));
        }
        Ok(Special {
            sot: id(tokenizer, "<|startoftranscript|>")?,
            eot: id(tokenizer, "<|endoftext|>")?,
            transcribe: id(tokenizer, "<|transcribe|>")?,
            translate: id(tokenizer, "<|translate|>")?,
            no_speech: id(tokenizer, "<|nocaptions|>")?,
            sot_prev: id(tokenizer, "<|startofprev|>")?,
            sot_lm: id(tokenizer, "<|startoflm|>")?,
            no_timestamps,
            timestamp_begin: no_timestamps + 1,
            languages,
            suppress: config.suppress_ids,
            suppress_at_begin: config.suppress_ids_begin,
        })
    }

    /// The token of a language code ("en", "de", ...).
    pub fn language(&self, code: &str) -> Option<u32> {
        self.languages
            .iter()
            .find(|(_, c)| c == code)
            .map(|(id, _)| *id)
    }
}
