//! The only place an error becomes a response, in the one JSON shape every endpoint answers
//! with: `{"error": {"code", "message", "field"?}}` (`domain::api::ErrorBody`). The Custom GPT's
//! `/generate` keeps the original service's own shape (`gpt::service`).

use crate::services::ServiceError;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::api::{ErrorBody, ErrorCode};

/// An error answer: a status, a code for programs and a sentence for people.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
}

impl ApiError {
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            body: ErrorBody::new(code, message),
        }
    }

    /// With the code the status usually means.
    pub fn status(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError::new(status, code_for(status), message)
    }

    /// Names the input at fault.
    pub fn on_field(mut self, field: &str) -> ApiError {
        self.body = self.body.on_field(field);
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}

/// The code a status means when nothing more specific is known.
pub fn code_for(status: StatusCode) -> ErrorCode {
    match status {
        StatusCode::BAD_REQUEST => ErrorCode::BadRequest,
        StatusCode::UNPROCESSABLE_ENTITY => ErrorCode::Invalid,
        StatusCode::UNAUTHORIZED => ErrorCode::Unauthorized,
        StatusCode::FORBIDDEN => ErrorCode::Forbidden,
        StatusCode::NOT_FOUND => ErrorCode::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => ErrorCode::MethodNotAllowed,
        StatusCode::CONFLICT => ErrorCode::Conflict,
        StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::TooLarge,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ErrorCode::UnsupportedType,
        StatusCode::TOO_MANY_REQUESTS => ErrorCode::RateLimited,
        StatusCode::SERVICE_UNAVAILABLE => ErrorCode::Unavailable,
        StatusCode::BAD_GATEWAY => ErrorCode::Provider,
        _ => ErrorCode::Internal,
    }
}

/// An error response with the code its status means.
pub fn error(status: StatusCode, message: &str) -> Response {
    ApiError::status(status, message).into_response()
}

/// A refusal carried through helpers that return `Result` (boxed: a response is large).
pub type Refused = Box<Response>;

pub fn refuse(status: StatusCode, message: &str) -> Refused {
    Box::new(error(status, message))
}

/// A body that is not the JSON a route takes: 400 with `hint` (what to send), or, when the JSON
/// is well formed but a value is not one the route accepts, `data_status` (422 where a value
/// out of a closed set is the caller's mistake to fix, 400 where the route has always said 400).
pub fn bad_body(rejection: &JsonRejection, hint: &str, data_status: StatusCode) -> Response {
    let status = match rejection {
        JsonRejection::JsonDataError(_) => data_status,
        _ => StatusCode::BAD_REQUEST,
    };
    error(status, hint)
}

/// A chat message's body that cannot be read: 413 when it is over the body limit, otherwise 400
/// with the extractor's reason.
pub fn unreadable_chat(rejection: &JsonRejection) -> Response {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "That message is far too long to send.",
        );
    }
    error(
        StatusCode::BAD_REQUEST,
        &format!("The request is not valid: {rejection}"),
    )
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> ApiError {
        let status = match &e {
            ServiceError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ServiceError::NotFound(_) => StatusCode::NOT_FOUND,
            ServiceError::Conflict(_) => StatusCode::CONFLICT,
            ServiceError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ServiceError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ServiceError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ServiceError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ServiceError::Upstream(_) => StatusCode::BAD_GATEWAY,
            ServiceError::Locked { .. } => StatusCode::TOO_MANY_REQUESTS,
        };
        ApiError::status(status, e.to_string())
    }
}

/// A service's error as the response it means: the status its kind calls for, and the sentence
/// (with Retry-After when it says how long to wait).
impl IntoResponse for ServiceError {
    fn into_response(self) -> Response {
        let retry_after = match &self {
            ServiceError::Locked {
                retry_after_seconds,
                ..
            } => Some(*retry_after_seconds),
            _ => None,
        };
        let mut response = ApiError::from(self).into_response();
        if let Some(seconds) = retry_after
            && let Ok(v) = axum::http::HeaderValue::from_str(&seconds.to_string())
        {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, v);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_status_has_a_code_and_the_shape_is_one() {
        let e = ApiError::status(StatusCode::CONFLICT, "Ana is handling this conversation.");
        assert_eq!(e.body.error.code, ErrorCode::Conflict);
        let json = serde_json::to_value(&e.body).unwrap();
        assert_eq!(json["error"]["code"], "conflict");
        assert_eq!(
            json["error"]["message"],
            "Ana is handling this conversation."
        );
        assert!(json["error"].get("field").is_none());
        assert_eq!(code_for(StatusCode::IM_A_TEAPOT), ErrorCode::Internal);
    }
}
