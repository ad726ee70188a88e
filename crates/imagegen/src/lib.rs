//! Text-to-image: the request and its validation, the providers (Stability SD3, OpenAI Images,
//! any OpenAI-compatible image server) behind one trait, and the service that caches results by
//! content (on disk, in the database or in an S3 bucket) and keeps the gallery.

pub mod fake;
mod files;
mod openai;
mod service;
mod stability;

pub use files::{ImageFiles, ObjectFiles, S3Settings};
pub use openai::OpenAiImages;
pub use service::{Generation, ImageService, ProviderInfo, VisitorQuota, provider_info};
pub use stability::Stability;

use serde::{Deserialize, Serialize};
use std::future::Future;
use std::pin::Pin;

pub const MAX_PROMPT_CHARS: usize = 2_000;
/// The largest image accepted from a provider.
pub const MAX_IMAGE_BYTES: usize = 15 * 1024 * 1024;
pub const ASPECT_RATIOS: &[&str] = &[
    "1:1", "16:9", "21:9", "2:3", "3:2", "4:5", "5:4", "9:16", "9:21",
];
/// Stability's seed range (0 means "random" to it, so a chosen seed is 1 or more).
pub const MAX_SEED: u32 = 4_294_967_294;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageFormat {
    Png,
    Jpeg,
    Webp,
}

impl ImageFormat {
    pub fn parse(value: &str) -> Option<ImageFormat> {
        match value.trim().to_lowercase().as_str() {
            "png" => Some(ImageFormat::Png),
            "jpeg" | "jpg" => Some(ImageFormat::Jpeg),
            "webp" => Some(ImageFormat::Webp),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ImageFormat::Png => "png",
            ImageFormat::Jpeg => "jpeg",
            ImageFormat::Webp => "webp",
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            ImageFormat::Png => "image/png",
            ImageFormat::Jpeg => "image/jpeg",
            ImageFormat::Webp => "image/webp",
        }
    }

    /// The format the bytes really are (by their signature, not by what anyone claims).
    pub fn sniff(bytes: &[u8]) -> Option<ImageFormat> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(ImageFormat::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ImageFormat::Jpeg)
        } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(ImageFormat::Webp)
        } else {
            None
        }
    }
}

pub use domain::api::images::ImageInput;

/// A validated request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageRequest {
    pub prompt: String,
    pub negative_prompt: String,
    pub aspect_ratio: String,
    pub seed: u32,
    pub format: ImageFormat,
}

/// Checking a request (the input type is shared with the page, so its rules live here).
pub trait ValidateImage {
    /// Checks every field and picks a seed when none is given.
    fn validate(&self, random_seed: impl FnOnce() -> u32) -> Result<ImageRequest, ImageError>;
}

impl ValidateImage for ImageInput {
    fn validate(&self, random_seed: impl FnOnce() -> u32) -> Result<ImageRequest, ImageError> {
        let prompt = self.prompt.trim();
        if prompt.is_empty() {
            return Err(ImageError::Invalid(
                "Describe the image you want first.".into(),
            ));
        }
        if prompt.chars().count() > MAX_PROMPT_CHARS {
            return Err(ImageError::Invalid(format!(
                "The prompt is limited to {MAX_PROMPT_CHARS} characters."
            )));
        }
        let negative = self.negative_prompt.trim();
        if negative.chars().count() > MAX_PROMPT_CHARS {
            return Err(ImageError::Invalid(format!(
                "The negative prompt is limited to {MAX_PROMPT_CHARS} characters."
            )));
        }
        let aspect_ratio = self.aspect_ratio.clone().unwrap_or_else(|| "1:1".into());
        if !ASPECT_RATIOS.contains(&aspect_ratio.as_str()) {
            return Err(ImageError::Invalid(format!(
                "The aspect ratio must be one of {}.",
                ASPECT_RATIOS.join(", ")
            )));
        }
        let format = match &self.format {
            None => ImageFormat::Png,
            Some(f) => ImageFormat::parse(f).ok_or_else(|| {
                ImageError::Invalid("The format must be png, jpeg or webp.".into())
            })?,
        };
        let seed = match self.seed {
            Some(0) | None => random_seed().clamp(1, MAX_SEED),
            Some(s) if s <= MAX_SEED => s,
            Some(_) => {
                return Err(ImageError::Invalid(format!(
                    "The seed must be between 1 and {MAX_SEED}."
                )));
            }
        };
        Ok(ImageRequest {
            prompt: prompt.to_string(),
            negative_prompt: negative.to_string(),
            aspect_ratio,
            seed,
            format,
        })
    }
}

/// A provider's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratedImage {
    pub bytes: Vec<u8>,
    pub format: ImageFormat,
    /// `SUCCESS`, or `CONTENT_FILTERED` when the provider blurred or withheld the result.
    pub finish_reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    /// The request itself is wrong (422).
    #[error("{0}")]
    Invalid(String),
    /// The provider refused the content (its moderation).
    #[error("{0}")]
    Filtered(String),
    /// The provider answered with an error a person can act on (bad key, no credits, busy).
    #[error("{message}")]
    Provider { status: u16, message: String },
    /// No provider is configured, or the named one is not.
    #[error("{0}")]
    NotConfigured(String),
    #[error("{0}")]
    Unavailable(String),
    #[error("{0}")]
    NotFound(String),
    /// The visitor's gallery is full (images or bytes): they delete one to make room.
    #[error("{0}")]
    QuotaFull(String),
}

pub type ImageFuture<'a> =
    Pin<Box<dyn Future<Output = Result<GeneratedImage, ImageError>> + Send + 'a>>;

/// One way to make images.
pub trait ImageProvider: Send + Sync {
    /// `stability`, `openai` or `compatible`.
    fn id(&self) -> &'static str;
    /// For the page: "Stability AI SD3 (sd3-medium)".
    fn label(&self) -> String;
    fn model(&self) -> &str;
    /// Whether each image costs money (the page says so).
    fn paid(&self) -> bool;
    /// Whether the negative prompt and the seed are honoured.
    fn honours_seed(&self) -> bool;
    fn generate<'a>(&'a self, request: &'a ImageRequest) -> ImageFuture<'a>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_are_validated_with_sentences() {
        let ok = ImageInput {
            prompt: " a red fox ".into(),
            ..Default::default()
        }
        .validate(|| 7);
        assert_eq!(
            ok.map(|r| (r.prompt, r.seed, r.format, r.aspect_ratio)),
            Ok(("a red fox".into(), 7, ImageFormat::Png, "1:1".into()))
        );
        let empty = ImageInput::default().validate(|| 1);
        assert!(matches!(empty, Err(ImageError::Invalid(m)) if m.contains("Describe")));
        let ratio = ImageInput {
            prompt: "x".into(),
            aspect_ratio: Some("7:3".into()),
            ..Default::default()
        }
        .validate(|| 1);
        assert!(matches!(ratio, Err(ImageError::Invalid(m)) if m.contains("aspect ratio")));
        let format = ImageInput {
            prompt: "x".into(),
            format: Some("gif".into()),
            ..Default::default()
        }
        .validate(|| 1);
        assert!(format.is_err());
        let seed = ImageInput {
            prompt: "x".into(),
            seed: Some(u32::MAX),
            ..Default::default()
        }
        .validate(|| 1);
        assert!(seed.is_err());
    }

    #[test]
    fn formats_are_recognised_by_their_bytes() {
        assert_eq!(
            ImageFormat::sniff(b"\x89PNG\r\n\x1a\nrest"),
            Some(ImageFormat::Png)
        );
        assert_eq!(
            ImageFormat::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Some(ImageFormat::Jpeg)
        );
        assert_eq!(
            ImageFormat::sniff(b"RIFF\0\0\0\0WEBPVP8 "),
            Some(ImageFormat::Webp)
        );
        assert_eq!(ImageFormat::sniff(b"<html>"), None);
    }
}
