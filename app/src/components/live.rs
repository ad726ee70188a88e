//! A page's live stream: an EventSource on one of `domain::api::routes`' event-stream endpoints,
//! handing each named event's data to the page. The browser reconnects by itself and sends the
//! last event's id (`Last-Event-ID`), so nothing sent meanwhile is missed.
//!
//! Written over `web_sys::EventSource`, not gloo-net's: gloo's stream reports an error only once
//! the browser has given up, while the desk shows "reconnecting" during every retry, which needs
//! each `error` event as it happens.

use domain::api::routes::{EventStream, NoBody, Url};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

/// An open stream; dropping it closes the connection.
pub struct LiveStream {
    source: web_sys::EventSource,
    // Kept alive as long as the source may call them.
    _on_event: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

impl Drop for LiveStream {
    fn drop(&mut self) {
        self.source.close();
    }
}

/// Opens `url` and calls `on_event(name, data)` for each event named in `names`, and `on_error`
/// whenever the connection drops (the browser then retries). `None` when the browser refused to
/// open it (a malformed URL).
pub fn listen<F>(
    url: Url<NoBody, EventStream<F>>,
    names: &[&str],
    mut on_event: impl FnMut(&str, &str) + 'static,
    mut on_error: impl FnMut() + 'static,
) -> Option<LiveStream> {
    let source = web_sys::EventSource::new(url.as_str()).ok()?;
    let on_event =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
            if let Some(data) = e.data().as_string() {
                on_event(&e.type_(), &data);
            }
        });
    for name in names {
        let _ = source.add_event_listener_with_callback(name, on_event.as_ref().unchecked_ref());
    }
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| on_error());
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    Some(LiveStream {
        source,
        _on_event: on_event,
        _on_error: on_error,
    })
}
