//! Reads a server-sent-event reply from a POST (EventSource can only GET), frame by frame, in
//! the browser. The request carries an AbortSignal: aborting it closes the connection, which is
//! what stops generation on the server. Plain JSON requests are `components::http`'s.

use crate::components::http::{js_error, json_request, refusal, request};
use domain::api::routes::{EventStream, Url};
use domain::chat::StreamFrame;
use js_sys::{Reflect, Uint8Array};
use leptos::prelude::{LocalStorage, StoredValue, WithValue, on_cleanup};
use serde::Serialize;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortController, AbortSignal, ReadableStreamDefaultReader, TextDecodeOptions, TextDecoder,
};

/// The slot where a page keeps the controller of the stream it is reading (empty between
/// streams), aborted when the page goes: leaving stops the server writing for nobody.
pub fn abort_on_leave() -> StoredValue<Option<AbortController>, LocalStorage> {
    let abort = StoredValue::new_local(None);
    on_cleanup(move || {
        abort.try_with_value(|c| c.as_ref().map(AbortController::abort));
    });
    abort
}

/// The Stop button: aborts the stream in `slot`, if one is being read.
pub fn abort_stream(slot: StoredValue<Option<AbortController>, LocalStorage>) {
    slot.with_value(|c| c.as_ref().map(AbortController::abort));
}

/// POSTs `body` to a chat endpoint whose events are `StreamFrame`s and calls `on_frame` for
/// each until the stream ends.
pub async fn post_event_stream<B: Serialize>(
    url: Url<B, EventStream<StreamFrame>>,
    body: &B,
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

/// POSTs `body` as JSON to an event-stream endpoint and calls `on_event(name, data)` for each
/// server-sent event (the caller reads `data` as the endpoint's frame type, by event name).
pub async fn post_events<B: Serialize, F>(
    url: Url<B, EventStream<F>>,
    body: &B,
    signal: &AbortSignal,
    mut on_event: impl FnMut(&str, &str),
) -> Result<(), String> {
    let request = json_request(
        request(&url)
            .header("Accept", "text/event-stream")
            .abort_signal(Some(signal)),
        body,
    )?;
    read_events(request, &mut on_event).await
}

/// Sends the request and reads its event stream: not generic, so the reading loop is compiled
/// once rather than for every endpoint and caller.
async fn read_events(
    request: gloo_net::http::Request,
    on_event: &mut dyn FnMut(&str, &str),
) -> Result<(), String> {
    let response = request
        .send()
        .await
        .map_err(|e| format!("The server could not be reached ({e})."))?;
    if !response.ok() {
        return Err(refusal(&response).await);
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
