//! The image classifier: bird / plane / superman / other (and any class a user teaches) on an
//! EfficientNet-Lite0 backbone run with candle, with a trained softmax head on its 1280-d features.

pub mod augment;
pub mod calibration;
pub mod classifier;
pub mod dataset;
pub mod depthwise;
pub mod drawn;
pub mod efficientnet;
pub mod head;
pub mod imagenet;
mod pointwise;
pub mod preprocess;
pub mod tail;
pub mod tensorfile;
pub mod training;

/// The side of the square picture the network reads (preprocessing resizes to it), kept at the
/// crate's root: the network and the preprocessing both need it, and neither owns the other.
pub const INPUT_SIZE: usize = 224;

pub use candle_core;
pub use classifier::{Classifier, ClassifierSettings, Prediction, TeachReport};
pub use efficientnet::EfficientNetLite0;
pub use head::{Bank, Confusion, Head, TrainOptions};
pub use image;

#[derive(Debug, thiserror::Error)]
pub enum VisionError {
    #[error(
        "The EfficientNet-Lite0 weights are missing ({0}); run scripts/fetch-models.sh to fetch and convert them."
    )]
    ModelMissing(String),
    #[error("model error: {0}")]
    Model(String),
    #[error("The file is {} MB; the limit is 10 MB.", .0 / (1024 * 1024))]
    TooLarge(usize),
    #[error("{0}")]
    UnsupportedType(String),
    #[error("{0}")]
    BadImage(String),
    #[error("{0}")]
    Invalid(String),
    #[error("training failed: {0}")]
    Training(String),
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    #[error("tensor error: {0}")]
    Tensor(#[from] candle_core::Error),
    #[error("JSON error: {0}")]
    Json(#[from] serde_json::Error),
}

pub type VisionResult<T> = Result<T, VisionError>;

/// Writes through a temporary file and a rename, so a crash never leaves half a file behind.
pub fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> VisionResult<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("part");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

/// Canonical class names: trimmed, lower case, inner spaces as single dashes; the CIFAR folder
/// name "airplane" (and "aeroplane") means "plane".
pub fn canonical_class(name: &str) -> Option<String> {
    let words: Vec<String> = name
        .split(|c: char| c.is_whitespace() || c == '_' || c == '-')
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect();
    let name = words.join("-");
    let valid = !name.is_empty()
        && name.chars().count() <= 32
        && name.chars().all(|c| c.is_alphanumeric() || c == '-');
    match name.as_str() {
        _ if !valid => None,
        "airplane" | "aeroplane" | "airplanes" | "planes" => Some("plane".into()),
        _ => Some(name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_names_are_canonical() {
        assert_eq!(canonical_class("  Airplane ").as_deref(), Some("plane"));
        assert_eq!(
            canonical_class("Wonder  Woman").as_deref(),
            Some("wonder-woman")
        );
        assert_eq!(canonical_class("red_panda").as_deref(), Some("red-panda"));
        assert_eq!(canonical_class("   "), None);
        assert_eq!(canonical_class("<script>"), None);
        assert_eq!(canonical_class(&"x".repeat(33)), None);
    }
}
