//! Server-sent events through axum's `Sse`: one typed event, and a streaming response fed by a
//! channel (the chats and the live hub all answer this way).

use axum::http::{HeaderValue, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::ReceiverStream;

/// Event `name` with `data` as one line of JSON.
pub fn event(name: &str, data: &impl serde::Serialize) -> Event {
    Event::default()
        .event(name)
        .data(serde_json::to_string(data).unwrap_or_default())
}

/// A `text/event-stream` response sending what arrives on `events`, unbuffered by proxies; with
/// `keep_alive`, a comment line that often keeps an idle stream open.
pub fn response(events: mpsc::Receiver<Event>, keep_alive: Option<Duration>) -> Response {
    let stream = ReceiverStream::new(events).map(Ok::<Event, Infallible>);
    let mut response = match keep_alive {
        Some(every) => Sse::new(stream)
            .keep_alive(KeepAlive::new().interval(every).text("keep-alive"))
            .into_response(),
        None => Sse::new(stream).into_response(),
    };
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, no-transform"),
    );
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_event_is_its_name_and_one_line_of_json() {
        let (tx, rx) = mpsc::channel(1);
        tx.send(event("token", &serde_json::json!({ "text": "Arr\nmatey" })))
            .await
            .unwrap();
        drop(tx);
        let reply = response(rx, None);
        assert_eq!(reply.headers()[header::CONTENT_TYPE], "text/event-stream");
        let body = axum::body::to_bytes(reply.into_body(), usize::MAX)
            .await
            .unwrap();
        assert_eq!(
            &body[..],
            b"event: token\ndata: {\"text\":\"Arr\\nmatey\"}\n\n"
        );
    }
}
