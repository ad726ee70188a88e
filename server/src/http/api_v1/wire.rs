//! The API's bodies are `domain::api::v1`'s (with `ErrorBody`); only the upload's multipart form,
//! which exists for the OpenAPI document alone, is described here.

pub use domain::api::ErrorBody;
pub use domain::api::v1::*;
use utoipa::ToSchema;

/// The multipart form of an upload.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// Markdown, text, HTML, PDF or DOCX, up to 10 MB; the type is checked by content.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    title: Option<String>,
    /// customer (default) or agent.
    audience: Option<String>,
    /// policy (default), troubleshooting, setup, sop, macro or tool_contract.
    doc_type: Option<String>,
    category: Option<String>,
}
