//! Errors a page can show. Internals are logged on the server; the browser gets a sentence.

use serde::{Deserialize, Serialize};
use thiserror::Error;

#[derive(Clone, Debug, Error, Serialize, Deserialize, PartialEq, Eq)]
pub enum AppError {
    #[error("The store database is not answering right now. Please try again in a moment.")]
    DatabaseUnavailable,
    #[error("{0}")]
    BadRequest(String),
    #[error("Something went wrong on our side. It has been logged.")]
    Internal,
}

impl AppError {
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::DatabaseUnavailable => 503,
            AppError::BadRequest(_) => 400,
            AppError::Internal => 500,
        }
    }
}

#[cfg(feature = "ssr")]
impl From<store::StoreError> for AppError {
    fn from(err: store::StoreError) -> Self {
        tracing::error!(error = %err, "store query failed");
        if err.is_unreachable() {
            AppError::DatabaseUnavailable
        } else {
            AppError::Internal
        }
    }
}
