//! Text-to-Image: the request, the providers, a generated image and the gallery.

use crate::time::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// `POST /api/images/generate`: what the page (or an API client) asks for.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageInput {
    pub prompt: String,
    #[serde(default)]
    pub negative_prompt: String,
    #[serde(default)]
    pub aspect_ratio: Option<String>,
    /// `None`: a random seed is chosen (and returned, so the image can be made again).
    #[serde(default)]
    pub seed: Option<u32>,
    #[serde(default)]
    pub format: Option<String>,
    /// Which provider (`stability`, `openai`, `compatible`); `None`: the first configured.
    #[serde(default)]
    pub provider: Option<String>,
}

/// A configured image provider.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderInfo {
    pub id: String,
    pub label: String,
    pub model: String,
    /// Each image costs money.
    pub paid: bool,
    /// The same seed gives the same image.
    pub honours_seed: bool,
}

/// `GET /api/images/providers`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderList {
    pub providers: Vec<ProviderInfo>,
}

/// An image of the gallery.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Image {
    pub id: i64,
    pub provider: String,
    pub model: String,
    pub prompt: String,
    pub negative_prompt: String,
    pub aspect_ratio: String,
    pub seed: i64,
    pub format: String,
    pub bytes: i64,
    pub finish_reason: String,
    /// The provider's safety system blurred or withheld it.
    pub filtered: bool,
    pub generation_ms: i64,
    pub created_at: DateTime<Utc>,
    pub url: String,
    pub download_url: String,
}

/// `POST /api/images/generate`: the image, and whether it came from the cache.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Generated {
    pub image: Image,
    pub cached: bool,
    pub elapsed_ms: f64,
}

/// `GET /api/images?limit&offset`: newest first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gallery {
    pub images: Vec<Image>,
    pub total: i64,
}
