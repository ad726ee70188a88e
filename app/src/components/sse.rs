//! Reads a server-sent-event reply from a POST (EventSource can only GET), frame by frame, in
//! the browser. The request carries an AbortSignal: aborting it closes the connection, which is
//! what stops generation on the server.

use domain::chat::StreamFrame;
use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortSignal, Headers, ReadableStreamDefaultReader, RequestInit, Response, TextDecodeOptions,
    TextDecoder,
};

fn js_error(value: JsValue) -> String {
    value
        .as_string()
        .or_else(|| js_sys::Error::from(value).message().as_string())
        .unwrap_or_else(|| "network error".into())
}

/// POSTs `body` as JSON to `url` and calls `on_frame` for each event until the stream ends.
pub async fn post_event_stream(
    url: &str,
    body: &str,
    signal: &AbortSignal,
    mut on_frame: impl FnMut(StreamFrame),
) -> Result<(), String> {
    post_events(url, body, signal, |_, data| {
        if let Ok(frame) = serde_json::from_str::<StreamFrame>(data) {
            on_frame(frame);
        }
    })
    .await
}

/// Sends `method` to `url` and reads the JSON answer (an `{"error": ...}` answer becomes `Err`).
pub async fn fetch_json(method: &str, url: &str) -> Result<serde_json::Value, String> {
    send_json(method, url, None).await
}

/// Like [`fetch_json`], with an optional JSON body. A 204 answer reads as `null`.
pub async fn send_json(
    method: &str,
    url: &str,
    body: Option<&str>,
) -> Result<serde_json::Value, String> {
    let init = RequestInit::new();
    init.set_method(method);
    if let Some(body) = body {
        let headers = Headers::new().map_err(js_error)?;
        headers
            .set("Content-Type", "application/json")
            .map_err(js_error)?;
        init.set_headers(&headers);
        init.set_body(&JsValue::from_str(body));
    }
    read_answer(fetch(url, &init).await?).await
}

async fn fetch(url: &str, init: &RequestInit) -> Result<Response, String> {
    let window = web_sys::window().ok_or("no window")?;
    JsFuture::from(window.fetch_with_str_and_init(url, init))
        .await
        .map_err(js_error)?
        .dyn_into()
        .map_err(js_error)
}

/// A JSON answer, or the sentence in its `error` field when the status is not a success.
async fn read_answer(response: Response) -> Result<serde_json::Value, String> {
    let text = JsFuture::from(response.text().map_err(js_error)?)
        .await
        .map_err(js_error)?
        .as_string()
        .unwrap_or_default();
    if response.status() == 204 {
        return Ok(serde_json::Value::Null);
    }
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|_| format!("The server answered {}.", response.status()))?;
    if !response.ok() {
        return Err(value["error"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| format!("The server answered {}.", response.status())));
    }
    Ok(value)
}

/// POSTs a multipart form (file uploads); the browser writes the boundary itself.
pub async fn send_form(url: &str, form: &web_sys::FormData) -> Result<serde_json::Value, String> {
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

/// POSTs `body` as JSON to `url` and calls `on_event(name, data)` for each server-sent event.
pub async fn post_events(
    url: &str,
    body: &str,
    signal: &AbortSignal,
    mut on_event: impl FnMut(&str, &str),
) -> Result<(), String> {
    let headers = Headers::new().map_err(js_error)?;
    headers
        .set("Content-Type", "application/json")
        .map_err(js_error)?;
    headers
        .set("Accept", "text/event-stream")
        .map_err(js_error)?;
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_headers(&headers);
    init.set_body(&JsValue::from_str(body));
    init.set_signal(Some(signal));
    let response = fetch(url, &init).await?;
    if !response.ok() {
        // read_answer turns the error body into its sentence.
        return Err(read_answer(response)
            .await
            .err()
            .unwrap_or_else(|| "The server refused the request.".into()));
    }
    let stream = response.body().ok_or("the reply has no body")?;
    let reader: ReadableStreamDefaultReader = stream
        .get_reader()
        .dyn_into()
        .map_err(|_| "the reply cannot be read as a stream".to_owned())?;
    let decoder = TextDecoder::new().map_err(js_error)?;
    let options = TextDecodeOptions::new();
    options.set_stream(true);
    let mut buffer = String::new();
    loop {
        let chunk = JsFuture::from(reader.read()).await.map_err(js_error)?;
        if Reflect::get(&chunk, &"done".into())
            .ok()
            .and_then(|d| d.as_bool())
            .unwrap_or(true)
        {
            break;
        }
        let bytes: Uint8Array = Reflect::get(&chunk, &"value".into())
            .map_err(js_error)?
            .dyn_into()
            .map_err(js_error)?;
        buffer.push_str(
            &decoder
                .decode_with_buffer_source_and_options(&bytes, &options)
                .map_err(js_error)?,
        );
        while let Some(end) = buffer.find("\n\n") {
            let event: String = buffer.drain(..end + 2).collect();
            let name = event
                .lines()
                .find_map(|l| l.strip_prefix("event: "))
                .unwrap_or("message");
            if let Some(data) = event.lines().find_map(|l| l.strip_prefix("data: ")) {
                on_event(name, data);
            }
        }
    }
    Ok(())
}
