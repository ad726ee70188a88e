//! Typed requests from the browser through `gloo-net`: every call names an endpoint of
//! `domain::api::routes`, so its body and its answer are that endpoint's types (the same the
//! server's handlers use), and an error answer becomes its sentence (`{"error": {"message"}}`,
//! the one error shape; the Custom GPT contract's plain `"error"` string is read too).

use domain::api::ErrorBody;
use domain::api::routes::{File, Form, Method, NoBody, Url};
use gloo_net::http::{Request, RequestBuilder, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

pub(crate) fn js_error(value: wasm_bindgen::JsValue) -> String {
    value
        .as_string()
        .or_else(|| js_sys::Error::from(value).message().as_string())
        .unwrap_or_else(|| "network error".into())
}

/// A request builder for `url` with its endpoint's method.
pub(crate) fn request<B, A>(url: &Url<B, A>) -> RequestBuilder {
    let method = match url.method() {
        Method::Get => gloo_net::http::Method::GET,
        Method::Post => gloo_net::http::Method::POST,
        Method::Delete => gloo_net::http::Method::DELETE,
    };
    RequestBuilder::new(url.as_str()).method(method)
}

fn network(e: gloo_net::Error) -> String {
    format!("The server could not be reached ({e}).")
}

/// The sentence of an error answer.
fn error_sentence(text: &str, status: u16) -> String {
    if let Ok(body) = serde_json::from_str::<ErrorBody>(text) {
        return body.error.message;
    }
    #[derive(serde::Deserialize)]
    struct Plain {
        error: String,
    }
    serde_json::from_str::<Plain>(text)
        .map(|p| p.error)
        .unwrap_or_else(|_| format!("The server answered {status}."))
}

/// The error sentence of a refused answer (status not 2xx).
pub(crate) async fn refusal(response: &Response) -> String {
    let text = response.text().await.unwrap_or_default();
    error_sentence(&text, response.status())
}

/// Sends the request and reads the answer's text, or the error's sentence: the part of every
/// call that does not depend on its types, so it is compiled once (a 204 reads as JSON `null`,
/// so `()` takes it).
async fn answer_text(request: Result<Request, String>) -> Result<String, String> {
    let response = request?.send().await.map_err(network)?;
    if !response.ok() {
        return Err(refusal(&response).await);
    }
    let text = response.text().await.map_err(network)?;
    Ok(if response.status() == 204 || text.is_empty() {
        "null".to_owned()
    } else {
        text
    })
}

/// An answer's text as `T`.
fn read_answer<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_json::from_str(text).map_err(|e| {
        format!(
            "The server's answer could not be read ({e}); reload the page, which may be older than the server."
        )
    })
}

/// A request carrying `body` as JSON (only the serialising is compiled per body type).
pub(crate) fn json_request<B: Serialize>(
    builder: RequestBuilder,
    body: &B,
) -> Result<Request, String> {
    let json = serde_json::to_string(body).map_err(|e| e.to_string())?;
    builder
        .header("Content-Type", "application/json")
        .body(json)
        .map_err(|e| e.to_string())
}

/// An endpoint that takes no body (a GET, an action, a DELETE), answered as its type.
pub async fn ask<A: DeserializeOwned>(url: Url<NoBody, A>) -> Result<A, String> {
    let request = request(&url).build().map_err(|e| e.to_string());
    read_answer(&answer_text(request).await?)
}

/// An endpoint with a JSON body, answered as its type.
pub async fn send<B: Serialize, A: DeserializeOwned>(
    url: Url<B, A>,
    body: &B,
) -> Result<A, String> {
    let request = json_request(request(&url), body);
    read_answer(&answer_text(request).await?)
}

/// An endpoint that takes a multipart form (a file upload; the browser writes the boundary).
pub async fn upload<A: DeserializeOwned>(
    url: Url<Form, A>,
    form: &web_sys::FormData,
) -> Result<A, String> {
    let request = request(&url).body(form.clone()).map_err(|e| e.to_string());
    read_answer(&answer_text(request).await?)
}

/// A file from the server as a Blob (a sample picture to classify).
pub async fn file(url: Url<NoBody, File>) -> Result<web_sys::Blob, String> {
    let response = request(&url).send().await.map_err(network)?;
    if !response.ok() {
        return Err(format!("The server answered {}.", response.status()));
    }
    let raw: web_sys::Response = response.into();
    JsFuture::from(raw.blob().map_err(js_error)?)
        .await
        .map_err(js_error)?
        .dyn_into()
        .map_err(js_error)
}
