//! MiniLM similarity for the offline agent: which intent a message is closest to (tool
//! descriptions and example utterances) and which labelled category it resembles.

use crate::classify;
use crate::planner::Intent;
use kb::Embedder;

/// How much closer to an escalation example than to anything else a message must be.
const ESCALATION_MARGIN: f32 = 0.04;

pub struct Semantic {
    embedder: Embedder,
    labels: Vec<(String, Vec<f32>)>,
    intents: Vec<(Intent, Vec<f32>)>,
    /// Messages that belong to no intent ("tell me a joke"): when one of these is the closest
    /// match, no intent is.
    none: Vec<Vec<f32>>,
    /// The last message embedded: classification, escalation and the intent vote of one turn
    /// all read the same message, which is embedded once.
    last: std::sync::Mutex<Option<(String, Vec<f32>)>>,
}

/// Labelled customer messages (label, text) from `data/intents.tsv`, beside each intent's own
/// examples: the nearest neighbours the intent vote compares with.
pub fn labelled_utterances() -> Vec<(Option<Intent>, &'static str)> {
    include_str!("../data/intents.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let (label, text) = l.split_once('\t')?;
            let intent = if label == "none" {
                None
            } else {
                Some(Intent::from_label(label)?)
            };
            Some((intent, text.trim()))
        })
        .collect()
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

impl Semantic {
    /// Embeds the labelled examples once.
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
        let mut intent_texts = Vec::new();
        let mut intent_keys = Vec::new();
        for intent in Intent::ALL {
            for example in intent.examples() {
                intent_texts.push(example.to_string());
                intent_keys.push(Some(intent));
            }
        }
        for (intent, text) in labelled_utterances() {
            intent_texts.push(text.to_string());
            intent_keys.push(intent);
        }
        let intent_vectors = embedder.embed(intent_texts).await?;
        let mut intents = Vec::new();
        let mut none = Vec::new();
        for (key, vector) in intent_keys.into_iter().zip(intent_vectors) {
            match key {
                Some(intent) => intents.push((intent, vector)),
                None => none.push(vector),
            }
        }
        Ok(Semantic {
            embedder,
            labels,
            intents,
            none,
            last: std::sync::Mutex::new(None),
        })
    }

    pub fn embedder(&self) -> &Embedder {
        &self.embedder
    }

    async fn vector(&self, text: &str) -> Option<Vec<f32>> {
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

    /// Each intent's best similarity to the message.
    pub async fn intent_scores(&self, text: &str) -> Vec<(Intent, f32)> {
        let Some(v) = self.vector(text).await else {
            return Vec::new();
        };
        self.scores_of(&v)
    }

    fn scores_of(&self, v: &[f32]) -> Vec<(Intent, f32)> {
        let mut best: Vec<(Intent, f32)> = Vec::new();
        for (intent, e) in &self.intents {
            let score = dot(v, e);
            match best.iter_mut().find(|(i, _)| i == intent) {
                Some(entry) => entry.1 = entry.1.max(score),
                None => best.push((*intent, score)),
            }
        }
        best.sort_by(|a, b| b.1.total_cmp(&a.1));
        // Closer to a message about nothing we do than to any intent: no intent at all.
        let none = self.none.iter().map(|e| dot(v, e)).fold(f32::MIN, f32::max);
        if best.first().is_some_and(|(_, top)| none > *top) {
            return Vec::new();
        }
        best
    }

    /// How closely the message matches the labelled requests for a person and reports of
    /// hazards, payment disputes or fraud (the escalate examples), as a backstop to the rules.
    pub async fn escalation_similarity(&self, text: &str) -> Option<f32> {
        let v = self.vector(text).await?;
        let scores = self.scores_of(&v);
        let escalate = scores.iter().find(|(i, _)| *i == Intent::Escalate)?.1;
        let runner_up = scores
            .iter()
            .filter(|(i, _)| *i != Intent::Escalate)
            .map(|(_, s)| *s)
            .fold(f32::MIN, f32::max);
        // Only when escalation is clearly the best reading of the message: "the earbuds case
        // won't charge" is near "my earbuds case is puffing up" but nearer a help question.
        (scores.first().map(|(i, _)| *i) == Some(Intent::Escalate)
            && escalate - runner_up >= ESCALATION_MARGIN)
            .then_some(escalate)
    }
}
