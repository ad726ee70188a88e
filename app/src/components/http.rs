//! Typed JSON requests from the browser: the request and answer types are `domain::api`'s, the
//! same the server's handlers use, and an error answer becomes its sentence
//! (`{"error": {"message"}}`, the one error shape; the Custom GPT contract's plain `"error"`
//! string is read too).

use domain::api::ErrorBody;
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, RequestInit, Response};

pub(crate) fn js_error(value: JsValue) -> String {
    value
        .as_string()
        .or_else(|| js_sys::Error::from(value).message().as_string())
        .unwrap_or_else(|| "network error".into())
}

pub(crate) async fn fetch(url: &str, init: &RequestInit) -> Result<Response, String> {
    let window = web_sys::window().ok_or("no window")?;
    JsFuture::from(window.fetch_with_str_and_init(url, init))
        .await
        .map_err(js_error)?
        .dyn_into()
        .map_err(js_error)
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

/// A JSON answer as `T` (a 204 reads as JSON `null`, so `()` takes it), or the error's sentence.
pub(crate) async fn read_answer<T: DeserializeOwned>(response: Response) -> Result<T, String> {
    let text = JsFuture::from(response.text().map_err(js_error)?)
        .await
        .map_err(js_error)?
        .as_string()
        .unwrap_or_default();
    if !response.ok() {
        return Err(error_sentence(&text, response.status()));
    }
    let text = if response.status() == 204 || text.is_empty() {
        "null"
    } else {
        &text
    };
    serde_json::from_str(text).map_err(|e| {
        format!(
            "The server's answer could not be read ({e}); reload the page, which may be older than the server."
        )
    })
}

async fn send<T: DeserializeOwned>(
    method: &str,
    url: &str,
    body: Option<String>,
) -> Result<T, String> {
    let init = RequestInit::new();
    init.set_method(method);
    if let Some(body) = body {
        let headers = Headers::new().map_err(js_error)?;
        headers
            .set("Content-Type", "application/json")
            .map_err(js_error)?;
        init.set_headers(&headers);
        init.set_body(&JsValue::from_str(&body));
    }
    read_answer(fetch(url, &init).await?).await
}

/// `GET url` as `T`.
pub async fn get<T: DeserializeOwned>(url: &str) -> Result<T, String> {
    send("GET", url, None).await
}

/// `method url` with no body (POST of an action, DELETE), answered as `T`.
pub async fn call<T: DeserializeOwned>(method: &str, url: &str) -> Result<T, String> {
    send(method, url, None).await
}

/// `POST url` with `body` as JSON, answered as `T`.
pub async fn post<B: Serialize, T: DeserializeOwned>(url: &str, body: &B) -> Result<T, String> {
    let body = serde_json::to_string(body).map_err(|e| e.to_string())?;
    send("POST", url, Some(body)).await
}

/// POSTs a multipart form (file uploads); the browser writes the boundary itself.
pub async fn post_form<T: DeserializeOwned>(
    url: &str,
    form: &web_sys::FormData,
) -> Result<T, String> {
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_body(form);
    read_answer(fetch(url, &init).await?).await
}

/// A file from the server as a Blob (a sample picture to classify).
pub async fn fetch_blob(url: &str) -> Result<web_sys::Blob, String> {
    let init = RequestInit::new();
    let response = fetch(url, &init).await?;
    if !response.ok() {
        return Err(format!("The server answered {}.", response.status()));
    }
    JsFuture::from(response.blob().map_err(js_error)?)
        .await
        .map_err(js_error)?
        .dyn_into()
        .map_err(js_error)
}
