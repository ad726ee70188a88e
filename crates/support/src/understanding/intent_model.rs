//! The intent model: a softmax classifier over MiniLM sentence embeddings, trained on the
//! labelled customer messages of `data/intents.tsv` and each intent's examples.
//!
//! Training happens offline (`support-train-intents`), which also reports k-fold cross-validated
//! accuracy; the weights ship as `data/intent_model.json` with the SHA-256 of the training set,
//! so a test notices when the labelled messages change and the model was not retrained.

pub use embedding_classifier::{
    CrossValidation, Example, SoftmaxClassifier as IntentModel, TrainOptions, training_fingerprint,
};
use std::sync::OnceLock;

/// The class for messages about nothing the store does ("tell me a joke").
pub const NONE_LABEL: &str = "none";

/// The model shipped in `data/intent_model.json`, parsed once; `None` (with a warning) if the
/// file is unreadable, so the planner falls back to its rules.
pub fn shipped() -> Option<&'static IntentModel> {
    static MODEL: OnceLock<Option<IntentModel>> = OnceLock::new();
    MODEL
        .get_or_init(
            || match serde_json::from_str(include_str!("../../data/intent_model.json")) {
                Ok(model) => Some(model),
                Err(e) => {
                    tracing::warn!(error = %e, "the shipped intent model does not parse");
                    None
                }
            },
        )
        .as_ref()
}
