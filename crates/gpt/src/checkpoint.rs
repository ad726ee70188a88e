//! A model on disk: `model.safetensors`, `config.json`, `vocab.json` and, for trained models,
//! `train-log.json`. Written to a temporary name and renamed, so a reader never sees half a file.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::config::GptConfig;
use crate::error::{GptError, Result};
use crate::model::Gpt;
use crate::vocab::Vocab;

#[derive(Debug, Serialize, Deserialize)]
struct VocabFile {
    chars: Vec<String>,
}

pub fn vocab_to_json(vocab: &Vocab) -> Result<String> {
    let file = VocabFile {
        chars: vocab.chars().iter().map(|c| c.to_string()).collect(),
    };
    serde_json::to_string_pretty(&file).map_err(|e| GptError::InvalidInput(e.to_string()))
}

pub fn vocab_from_json(json: &[u8]) -> Result<Vocab> {
    let file: VocabFile = serde_json::from_slice(json).map_err(|e| GptError::InvalidModel {
        file: "vocab.json".into(),
        reason: e.to_string(),
    })?;
    let chars = file
        .chars
        .iter()
        .map(|s| {
            let mut it = s.chars();
            match (it.next(), it.next()) {
                (Some(c), None) => Ok(c),
                _ => Err(GptError::InvalidModel {
                    file: "vocab.json".into(),
                    reason: format!("{s:?} is not one character"),
                }),
            }
        })
        .collect::<Result<Vec<char>>>()?;
    Vocab::from_chars(chars)
}

pub fn config_from_json(json: &[u8]) -> Result<GptConfig> {
    let config: GptConfig = serde_json::from_slice(json).map_err(|e| GptError::InvalidModel {
        file: "config.json".into(),
        reason: e.to_string(),
    })?;
    config.validate()?;
    Ok(config)
}

/// Loads a model from the bytes of its three files.
pub fn load_from_bytes(
    weights: &[u8],
    config_json: &[u8],
    vocab_json: &[u8],
) -> Result<(Gpt, Vocab)> {
    let config = config_from_json(config_json)?;
    let vocab = vocab_from_json(vocab_json)?;
    if vocab.len() != config.vocab_size {
        return Err(GptError::InvalidModel {
            file: "vocab.json".into(),
            reason: format!(
                "{} characters, but the model has {}",
                vocab.len(),
                config.vocab_size
            ),
        });
    }
    let tensors = candle_core::safetensors::load_buffer(weights, &Device::Cpu)?;
    Ok((Gpt::from_tensors(config, &tensors)?, vocab))
}

pub fn load_dir(dir: &Path) -> Result<(Gpt, Vocab)> {
    let read = |name: &str| -> Result<Vec<u8>> {
        std::fs::read(dir.join(name)).map_err(|e| GptError::InvalidModel {
            file: dir.join(name).display().to_string(),
            reason: e.to_string(),
        })
    };
    load_from_bytes(
        &read("model.safetensors")?,
        &read("config.json")?,
        &read("vocab.json")?,
    )
}

/// Writes a file atomically (temporary name, then rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("part");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

pub fn save_tensors(path: &Path, tensors: &HashMap<String, Tensor>) -> Result<()> {
    let tmp = path.with_extension("part");
    candle_core::safetensors::save(tensors, &tmp)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

pub fn save_model(
    dir: &Path,
    config: &GptConfig,
    vocab: &Vocab,
    tensors: &HashMap<String, Tensor>,
) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    save_tensors(&dir.join("model.safetensors"), tensors)?;
    let config_json =
        serde_json::to_string_pretty(config).map_err(|e| GptError::InvalidInput(e.to_string()))?;
    write_atomic(&dir.join("config.json"), config_json.as_bytes())?;
    write_atomic(&dir.join("vocab.json"), vocab_to_json(vocab)?.as_bytes())?;
    Ok(())
}
