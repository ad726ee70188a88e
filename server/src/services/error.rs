//! The one error of the service layer: what went wrong, in a sentence a person understands.
//! The HTTP layer alone decides which status each kind becomes.

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The input is wrong (a bad file, a label out of range): the caller can fix it.
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    NotFound(String),
    /// The request conflicts with work in progress (a re-index already running).
    #[error("{0}")]
    Conflict(String),
    /// Over a size limit.
    #[error("{0}")]
    TooLarge(String),
    /// Not signed in, or the credentials do not match.
    #[error("{0}")]
    Unauthorized(String),
    /// This side failed (logged); the person can only try again.
    #[error("{0}")]
    Internal(String),
    /// Something this service needs is not ready or not answering: try again later.
    #[error("{0}")]
    Unavailable(String),
    /// A remote service this one calls failed or did not answer.
    #[error("{0}")]
    Upstream(String),
    /// Refused for a while (an account locked after failed sign-ins): try again after this.
    #[error("{message}")]
    Locked {
        message: String,
        retry_after_seconds: u64,
    },
}

impl ServiceError {
    pub fn invalid(message: &str) -> ServiceError {
        ServiceError::Invalid(message.to_string())
    }

    pub fn not_found(message: &str) -> ServiceError {
        ServiceError::NotFound(message.to_string())
    }

    pub fn unavailable(message: &str) -> ServiceError {
        ServiceError::Unavailable(message.to_string())
    }
}
