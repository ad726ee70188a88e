//! The API's bodies are `domain::api::v1`'s (with `ErrorBody`); only the upload's multipart form,
//! which exists for the OpenAPI document alone, is described here.

pub use domain::api::ErrorBody;
pub use domain::api::v1::*;
use serde::Deserialize;
use utoipa::ToSchema;

/// The multipart form of an upload; a field it does not list is refused. Optional fields are left
/// out, never sent as null (a form has no null).
// Deserialize only so that `deny_unknown_fields` states `additionalProperties: false`; the form
// itself is read by `http::knowledge::read_upload`.
#[derive(ToSchema, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct UploadForm {
    /// Markdown, text, HTML, PDF or DOCX, up to 10 MB. The type is read from the content (and
    /// the file name's extension): bytes that are none of these, or hold no text, are a 422.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// Blank or left out: the document's first heading, or its file name.
    #[schema(max_length = 200, nullable = false)]
    title: Option<String>,
    /// Who may read it: customer (the default) or agent.
    #[schema(nullable = false)]
    audience: Option<Audience>,
    /// What it is: policy (the default), troubleshooting, setup, sop, macro or tool_contract.
    #[schema(nullable = false)]
    doc_type: Option<DocType>,
    /// Blank or left out: general.
    #[schema(max_length = 40, nullable = false)]
    category: Option<String>,
}

#[derive(ToSchema, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
enum Audience {
    Customer,
    Agent,
}

#[derive(ToSchema, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
enum DocType {
    Policy,
    Troubleshooting,
    Setup,
    Sop,
    Macro,
    ToolContract,
}
