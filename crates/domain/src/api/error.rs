//! The one error shape of every JSON endpoint: `{"error": {"code", "message", "field"?}}`. The
//! message is a sentence for the person; the code is for programs; the field names the input at
//! fault when there is one. (The Custom GPT's `/generate` keeps the original service's shape.)

use serde::{Deserialize, Serialize};

text_enum!(
    /// What kind of failure, for programs (the status says the same in HTTP's words).
    ErrorCode, "error code" {
        /// The body is not JSON of the expected shape, or a form is malformed.
        BadRequest = "bad_request",
        /// Well formed but not acceptable (empty, too long, out of range).
        Invalid = "invalid",
        Unauthorized = "unauthorized",
        Forbidden = "forbidden",
        NotFound = "not_found",
        MethodNotAllowed = "method_not_allowed",
        /// Conflicts with the current state (someone else holds the conversation).
        Conflict = "conflict",
        TooLarge = "too_large",
        UnsupportedType = "unsupported_type",
        RateLimited = "rate_limited",
        /// A model or database is still loading.
        Loading = "loading",
        /// Something this server needs is not answering: try again.
        Unavailable = "unavailable",
        /// A cloud feature with no key configured.
        NotConfigured = "not_configured",
        /// A picture that cannot be decoded.
        BadImage = "bad_image",
        /// A recording that cannot be decoded, or holds no speech.
        BadAudio = "bad_audio",
        /// A form without its file.
        MissingFile = "missing_file",
        /// The provider's safety system refused the request.
        Filtered = "filtered",
        /// The cloud provider failed.
        Provider = "provider",
        Internal = "internal",
    }
);

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// What kind of failure, for programs.
    pub code: ErrorCode,
    /// What went wrong, in a sentence for the person.
    pub message: String,
    /// The input at fault, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// Every error answer of the API.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

impl ErrorBody {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code,
                message: message.into(),
                field: None,
            },
        }
    }

    /// Names the input at fault.
    pub fn on_field(mut self, field: &str) -> ErrorBody {
        self.error.field = Some(field.to_owned());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_shape_is_code_message_and_an_optional_field() {
        let plain = serde_json::to_string(&ErrorBody::new(ErrorCode::NotFound, "Gone.")).unwrap();
        assert_eq!(plain, r#"{"error":{"code":"not_found","message":"Gone."}}"#);
        let on = ErrorBody::new(ErrorCode::Invalid, "Too long.").on_field("text");
        let text = serde_json::to_string(&on).unwrap();
        assert_eq!(
            text,
            r#"{"error":{"code":"invalid","message":"Too long.","field":"text"}}"#
        );
        assert_eq!(serde_json::from_str::<ErrorBody>(&text).unwrap(), on);
    }

    #[test]
    fn codes_read_back_and_unknown_ones_are_named() {
        for code in ErrorCode::ALL {
            assert_eq!(code.as_str().parse::<ErrorCode>(), Ok(*code));
        }
        let names: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(names, ErrorCode::NAMES);
        let unknown = "teapot".parse::<ErrorCode>().unwrap_err();
        assert_eq!(unknown.to_string(), "unknown error code \"teapot\"");
    }
}
