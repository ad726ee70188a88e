//! MiniLM for the offline agent: the intent model's reading of a message (a softmax trained on
//! MiniLM embeddings of labelled customer messages) and the labelled category it resembles.

use super::classify;
use super::intent::Intent;
use super::intent_model::{self, IntentModel, NONE_LABEL};
use super::reading;
use kb::Embedder;

pub struct Semantic {
    embedder: Embedder,
    labels: Vec<(String, Vec<f32>)>,
    /// The trained intent model (absent if its file does not match the embedder: rules only).
    model: Option<&'static IntentModel>,
    /// The last message embedded: classification, escalation and the intent vote of one turn
    /// all read the same message, which is embedded once.
    last: std::sync::Mutex<Option<(String, Vec<f32>)>>,
}

/// Labelled customer messages (label, text) from `data/intents.tsv`; "none" marks messages
/// about nothing the store does.
pub fn labelled_utterances() -> Vec<(&'static str, &'static str)> {
    include_str!("../../data/intents.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let (label, text) = l.split_once('\t')?;
            let known = label == NONE_LABEL || Intent::from_label(label).is_some();
            known.then_some((label, text.trim()))
        })
        .collect()
}

/// What the intent model is trained on: each intent's own examples, then the labelled messages.
pub fn training_set() -> Vec<(&'static str, &'static str)> {
    let mut set: Vec<(&'static str, &'static str)> = Vec::new();
    for intent in Intent::ALL {
        for example in intent.examples() {
            set.push((intent.label(), example));
        }
    }
    set.extend(labelled_utterances());
    set
}

/// The labels the intent model predicts, in a fixed order: every intent, then "none".
pub fn model_labels() -> Vec<String> {
    Intent::ALL
        .iter()
        .map(|i| i.label().to_string())
        .chain(std::iter::once(NONE_LABEL.to_string()))
        .collect()
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

impl Semantic {
    /// Embeds the category examples once and loads the shipped intent model.
    pub async fn new(embedder: Embedder) -> Result<Semantic, kb::KbError> {
        let label_texts: Vec<String> = classify::EXAMPLES
            .iter()
            .map(|(_, t)| t.to_string())
            .collect();
        let label_vectors = embedder.embed(label_texts).await?;
        let labels = classify::EXAMPLES
            .iter()
            .zip(label_vectors)
            .map(|((label, _), v)| (label.to_string(), v))
            .collect();
        let model = intent_model::shipped().filter(|m| {
            let fits = m.dimension() == embedder.dimension();
            if !fits {
                tracing::warn!(
                    model = m.dimension(),
                    embedder = embedder.dimension(),
                    "the intent model was trained on embeddings of another size: rules only"
                );
            }
            fits
        });
        Ok(Semantic {
            embedder,
            labels,
            model,
            last: std::sync::Mutex::new(None),
        })
    }

    pub fn embedder(&self) -> &Embedder {
        &self.embedder
    }

    async fn vector(&self, text: &str) -> Option<Vec<f32>> {
        let text = &reading::for_model(text);
        if let Ok(last) = self.last.lock()
            && let Some((t, v)) = last.as_ref()
            && t == text
        {
            return Some(v.clone());
        }
        match self.embedder.embed(vec![text.to_string()]).await {
            Ok(mut v) => {
                let v = v.pop()?;
                if let Ok(mut last) = self.last.lock() {
                    *last = Some((text.to_string(), v.clone()));
                }
                Some(v)
            }
            Err(e) => {
                tracing::warn!(error = %e, "embedding a message failed");
                None
            }
        }
    }

    /// The category label of the most similar example, with its similarity.
    pub async fn nearest_label(&self, text: &str) -> Option<(String, f32)> {
        let v = self.vector(text).await?;
        self.labels
            .iter()
            .map(|(label, e)| (label.clone(), dot(&v, e)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
    }

    /// The intent model's probability for each intent, most likely first; empty when the most
    /// likely reading is "none of these" (or there is no model).
    pub async fn intent_scores(&self, text: &str) -> Vec<(Intent, f32)> {
        // A few words around an email or a number are for the rules, not the model.
        if reading::too_short_to_read(text) {
            return Vec::new();
        }
        let Some(v) = self.vector(text).await else {
            return Vec::new();
        };
        self.scores_of(&v)
    }

    fn scores_of(&self, v: &[f32]) -> Vec<(Intent, f32)> {
        let Some(model) = self.model else {
            return Vec::new();
        };
        let ranked = model.predict(v);
        if ranked
            .first()
            .is_some_and(|(label, _)| *label == NONE_LABEL)
        {
            return Vec::new();
        }
        ranked
            .into_iter()
            .filter_map(|(label, p)| Some((Intent::from_label(label)?, p)))
            .collect()
    }

    /// The intent model's probability that the message asks for a person or reports a hazard,
    /// a payment dispute or fraud, when that is its most likely reading: a backstop to the rules.
    pub async fn escalation_probability(&self, text: &str) -> Option<f32> {
        let scores = self.intent_scores(text).await;
        // Only when escalation is the best reading of the message: "the earbuds case won't
        // charge" is near "my earbuds case is puffing up" but nearer a help question.
        match scores.first() {
            Some((Intent::Escalate, p)) => Some(*p),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::understanding::intent_model::training_fingerprint;

    #[test]
    fn the_shipped_intent_model_was_trained_on_todays_labelled_messages() {
        let model = intent_model::shipped().expect("data/intent_model.json parses");
        assert_eq!(
            model.training_sha256,
            training_fingerprint(training_set()),
            "data/intents.tsv or an intent's examples changed since the model was trained: \
             run `cargo run -p support --release --bin support-train-intents`"
        );
        assert_eq!(model.labels, model_labels());
        assert_eq!(
            model.dimension(),
            llm_embedded::embedding::EMBEDDING_DIMENSION
        );
    }

    #[test]
    fn every_labelled_message_names_a_known_label() {
        let raw = include_str!("../../data/intents.tsv")
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .count();
        assert_eq!(
            labelled_utterances().len(),
            raw,
            "a line has an unknown label"
        );
        assert!(raw >= 300);
    }
}
