//! What the classifier page and its server agree on.

/// The sample pictures the page offers to click, drawn by the server (no photo can be shipped):
/// (id, caption). Served as `/api/classifier/samples/{id}.png`.
pub const SAMPLES: &[(&str, &str)] = &[
    ("superman-emblem", "Drawn Superman emblem"),
    ("superman-emblem-2", "Another drawn emblem"),
    ("noise", "Random noise"),
];

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One of the backbone's own ImageNet labels, as an explanation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ImagenetGuess {
    pub label: String,
    pub probability: f32,
}

/// `POST /api/classifier/predict`: what the classifier made of a picture.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// The answer after the threshold: a class, or "uncertain".
    pub predicted_class: String,
    pub confidence: f32,
    pub top_class: String,
    pub top_prob: f32,
    pub confidence_threshold: f32,
    pub all_probs: BTreeMap<String, f32>,
    pub threshold_applied: bool,
    /// The backbone's own top five ImageNet labels, as an explanation.
    pub imagenet_top: Vec<ImagenetGuess>,
    /// ImageNet probability mass on bird species and on aircraft.
    pub imagenet_bird: f32,
    pub imagenet_plane: f32,
    pub width: u32,
    pub height: u32,
    pub inference_ms: f64,
    /// The whole request on the server (decoding, queueing, inference).
    #[serde(default)]
    pub elapsed_ms: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassInfo {
    pub name: String,
    /// Pictures the shipped head was trained and validated on.
    pub shipped_examples: usize,
    /// Images users taught for it (each gives several feature vectors).
    pub taught_images: usize,
}

/// `POST /api/classifier/teach`: the class taught and the classes now known.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TeachReport {
    pub class: String,
    pub images_added: usize,
    pub classes: Vec<ClassInfo>,
    pub train_ms: f64,
}

/// `POST /api/classifier/reset`: the classes after forgetting every taught example.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassList {
    pub classes: Vec<ClassInfo>,
}

/// `GET /api/classifier/info` (and the classifier's part of `/health/ready`): what it knows,
/// or, while it is not ready, why.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClassifierInfo {
    pub ready: bool,
    /// loading, ready or failed.
    pub state: String,
    /// Why it failed to load.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default)]
    pub backbone: String,
    #[serde(default)]
    pub confidence_threshold: f32,
    #[serde(default)]
    pub classes: Vec<ClassInfo>,
    /// The shipped head's training figures.
    #[serde(default)]
    pub shipped: BTreeMap<String, String>,
    #[serde(default)]
    pub max_upload_bytes: usize,
    #[serde(default)]
    pub max_teach_images: usize,
}
