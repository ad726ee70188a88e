//! The models this project trained and ships (embedded at build time by build.rs from
//! `shipped/<name>/`), plus any model directories found at run time.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use crate::checkpoint;
use crate::error::Result;
use crate::model::Gpt;
use crate::train::TrainLog;
use crate::vocab::Vocab;

include!(concat!(env!("OUT_DIR"), "/shipped_models.rs"));

/// What /models says about a model (the wire type the page reads too).
pub use domain::api::gpt::ModelInfo;

pub struct LoadedModel {
    pub model: Gpt,
    pub vocab: Vocab,
    pub info: ModelInfo,
}

fn describe(
    name: &str,
    model: &Gpt,
    vocab: &Vocab,
    log: Option<TrainLog>,
    source: &str,
) -> ModelInfo {
    let c = model.config();
    let description = match name {
        "shakespeare" => {
            "Shakespeare's plays and poems (Project Gutenberg, modern spelling)".to_string()
        }
        "milton" => {
            "Milton: Paradise Lost, Paradise Regained, the poems and Areopagitica".to_string()
        }
        other => format!("{other} (a model found at run time)"),
    };
    ModelInfo {
        name: name.to_string(),
        description,
        parameters: c.parameter_count(),
        vocab_size: vocab.len(),
        block_size: c.block_size,
        n_layer: c.n_layer,
        n_head: c.n_head,
        n_embd: c.n_embd,
        val_loss: log.as_ref().and_then(|l| l.best_val_loss),
        trained_iters: log.as_ref().and_then(|l| l.best_iter),
        training_seconds: log.as_ref().map(|l| l.seconds),
        source: source.to_string(),
    }
}

fn parse_log(bytes: &[u8]) -> Option<TrainLog> {
    serde_json::from_slice(bytes).ok()
}

/// The models a service answers with, by name.
#[derive(Default)]
pub struct ModelSet {
    models: BTreeMap<String, Arc<LoadedModel>>,
}

impl ModelSet {
    /// The embedded models.
    pub fn shipped() -> Result<Self> {
        let mut set = Self::default();
        for (name, weights, config, vocab, log) in SHIPPED {
            let (model, vocab) = checkpoint::load_from_bytes(weights, config, vocab)?;
            let info = describe(name, &model, &vocab, parse_log(log), "shipped");
            set.insert(name, LoadedModel { model, vocab, info });
        }
        Ok(set)
    }

    /// Adds every `<dir>/<name>/` holding a model (a name already present is replaced).
    pub fn add_dir(&mut self, dir: &Path) -> Result<Vec<String>> {
        let mut added = Vec::new();
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Ok(added);
        };
        let mut paths: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
        paths.sort();
        for path in paths {
            if !path.join("model.safetensors").is_file() {
                continue;
            }
            let Some(name) = path
                .file_name()
                .and_then(|n| n.to_str())
                .map(str::to_string)
            else {
                continue;
            };
            let (model, vocab) = checkpoint::load_dir(&path)?;
            let log = std::fs::read(path.join("train-log.json"))
                .ok()
                .and_then(|b| parse_log(&b));
            let info = describe(&name, &model, &vocab, log, &path.display().to_string());
            self.insert(&name, LoadedModel { model, vocab, info });
            added.push(name);
        }
        Ok(added)
    }

    pub fn insert(&mut self, name: &str, model: LoadedModel) {
        self.models.insert(name.to_string(), Arc::new(model));
    }

    pub fn get(&self, name: &str) -> Option<Arc<LoadedModel>> {
        self.models.get(name).cloned()
    }

    pub fn names(&self) -> Vec<String> {
        self.models.keys().cloned().collect()
    }

    pub fn infos(&self) -> Vec<ModelInfo> {
        self.models.values().map(|m| m.info.clone()).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.models.is_empty()
    }

    /// "shakespeare" when present, else the first by name.
    pub fn default_name(&self) -> Option<String> {
        if self.models.contains_key("shakespeare") {
            return Some("shakespeare".into());
        }
        self.models.keys().next().cloned()
    }
}
