//! Reads a server-sent-event reply from a POST (EventSource can only GET), frame by frame, in
//! the browser. The request carries an AbortSignal: aborting it closes the connection, which is
//! what stops generation on the server. Plain JSON requests are `components::http`'s.

use crate::components::http::{fetch, js_error, read_answer};
use domain::chat::StreamFrame;
use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortSignal, Headers, ReadableStreamDefaultReader, RequestInit, TextDecodeOptions, TextDecoder,
};

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
        return Err(read_answer::<serde::de::IgnoredAny>(response)
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
