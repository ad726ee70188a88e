//! Reading a request the API's way: whatever the extractor refuses (bad JSON, a field the schema
//! does not list, no `Content-Type`, a path that does not parse) is answered with the API's JSON
//! error and a status the OpenAPI document lists, never axum's plain-text rejection.

use crate::http::error::{ApiError, error};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::api::v1::Refusal;
use serde::de::DeserializeOwned;

/// A JSON body of type `T`, or the API's error.
pub struct JsonBody<T>(pub T);

/// What a JSON body the extractor refused is answered with.
fn unreadable(rejection: &JsonRejection) -> Response {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Send the body as JSON, with 'Content-Type: application/json'.",
        ),
        _ if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "The body is over 64 KB; no valid request is that long.",
        ),
        _ => error(
            StatusCode::BAD_REQUEST,
            &format!(
                "The body is not valid JSON of this operation's shape: {}",
                rejection.body_text()
            ),
        ),
    }
}

/// Read as a JSON value first: serde would also take a struct from an array of its fields
/// (`["hi"]` for `{"message": "hi"}`), which the schema does not allow, so only an object (or,
/// for an optional body, `null`) goes on to `T`.
impl<S, T> FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Response> {
        let mut value = match Json::<serde_json::Value>::from_request(request, state).await {
            Ok(Json(value)) => value,
            Err(rejection) => return Err(unreadable(&rejection)),
        };
        integral_floats_as_integers(&mut value);
        if !(value.is_object() || value.is_null()) {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "The body must be a JSON object.",
            ));
        }
        serde_json::from_value(value).map(JsonBody).map_err(|e| {
            error(
                StatusCode::BAD_REQUEST,
                &format!("The body is not valid JSON of this operation's shape: {e}"),
            )
        })
    }
}

/// JSON Schema's `integer` includes `3.0` (a number with no fraction); serde's integers do not.
/// Such numbers are read as the integers they are, so what the document accepts, the server does.
fn integral_floats_as_integers(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|_| n.is_f64())
                && f.fract() == 0.0
                && f.abs() < 9.0e15
            {
                *value = Value::from(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_floats_as_integers),
        Value::Object(fields) => fields.values_mut().for_each(integral_floats_as_integers),
        _ => {}
    }
}

/// A JSON body that may be left out altogether (no bytes) or sent as `null`: then
/// `T::default()`. A body that is sent is otherwise read as `JsonBody` reads it.
pub struct OptionalJsonBody<T>(pub T);

impl<S, T> FromRequest<S> for OptionalJsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Default,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Response> {
        let (parts, body) = request.into_parts();
        let bytes = match Bytes::from_request(Request::from_parts(parts.clone(), body), state).await
        {
            Ok(b) => b,
            Err(r) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(error(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "The body is over 64 KB; no valid request is that long.",
                ));
            }
            Err(_) => {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    "The body could not be read.",
                ));
            }
        };
        if bytes.is_empty() && !parts.headers.contains_key(header::CONTENT_TYPE) {
            return Ok(OptionalJsonBody(T::default()));
        }
        let request = Request::from_parts(parts, axum::body::Body::from(bytes));
        JsonBody::<Option<T>>::from_request(request, state)
            .await
            .map(|JsonBody(b)| OptionalJsonBody(b.unwrap_or_default()))
    }
}

/// A path parameter of type `T`; one that does not parse is a 422 naming the parameter.
pub struct PathParam<T>(pub T);

impl<S, T> FromRequestParts<S> for PathParam<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(PathParam(value)),
            Err(rejection) => Err(unparsable_path(&rejection)),
        }
    }
}

fn unparsable_path(rejection: &PathRejection) -> Response {
    error(
        StatusCode::UNPROCESSABLE_ENTITY,
        &format!("The path is not valid: {}", rejection.body_text()),
    )
}

/// A malformed conversation id in the path, as a 422 naming it.
pub fn bad_conversation_id() -> Response {
    ApiError::status(
        StatusCode::UNPROCESSABLE_ENTITY,
        domain::api::v1::BAD_CONVERSATION_ID,
    )
    .on_field("id")
    .into_response()
}

/// A rule the body broke, as a 422 naming the field.
pub fn refused(refusal: Refusal) -> Response {
    ApiError::status(StatusCode::UNPROCESSABLE_ENTITY, refusal.message)
        .on_field(refusal.field)
        .into_response()
}
