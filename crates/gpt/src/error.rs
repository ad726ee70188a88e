use thiserror::Error;

#[derive(Debug, Error)]
pub enum GptError {
    #[error("model error: {0}")]
    Candle(#[from] candle_core::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("invalid model file {file}: {reason}")]
    InvalidModel { file: String, reason: String },
    #[error("{0}")]
    InvalidInput(String),
}

pub type Result<T> = std::result::Result<T, GptError>;
