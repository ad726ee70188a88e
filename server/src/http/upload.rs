//! Files in a multipart form, handled alike by every route that takes them: a field read in
//! chunks and refused once past its limit (without reading the rest), and a form that cannot be
//! read explained in a sentence.

use crate::http::error::ApiError;
use axum::extract::multipart::Field;
use axum::http::StatusCode;
use domain::api::ErrorCode;

/// What a route says about its uploads.
pub struct Upload {
    /// The thing sent, for the sentence ("the image", "the recording").
    pub what: &'static str,
    /// The sentence for a body past the route's limit.
    pub too_large: &'static str,
}

impl Upload {
    pub fn too_large(&self) -> ApiError {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::TooLarge,
            self.too_large,
        )
    }

    /// A form that could not be read: past the body limit (axum says "length limit"), or
    /// malformed.
    pub fn unreadable(&self, e: &impl std::fmt::Display) -> ApiError {
        let text = e.to_string();
        if text.contains("length limit") || text.contains("too large") {
            return self.too_large();
        }
        ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            format!(
                "Send {} as multipart/form-data with a `file` field ({text}).",
                self.what
            ),
        )
    }

    /// A field's bytes; past `limit`, `over_limit` of the bytes seen so far.
    pub async fn read(
        &self,
        mut field: Field<'_>,
        limit: usize,
        over_limit: impl FnOnce(usize) -> ApiError,
    ) -> Result<Vec<u8>, ApiError> {
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(|e| self.unreadable(&e))? {
            if bytes.len() + chunk.len() > limit {
                return Err(over_limit(bytes.len() + chunk.len()));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }
}
