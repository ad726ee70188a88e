//! The live hub as server-sent events: the desk's stream and a customer's open chat. Each stored
//! event carries its id; a browser reconnecting with `Last-Event-ID` first receives what it
//! missed.

use crate::http::sse::event as frame;
use crate::services::live::{Delivered, Hub};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::response::sse::Event;
use domain::api::desk::{LiveFrame, Resync};
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};

/// A comment line this often keeps proxies from closing an idle stream.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The id of the last event the browser received, from its reconnection.
pub fn last_event_id(headers: &HeaderMap) -> Option<i64> {
    headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

fn event_frame(event: &Delivered) -> Event {
    let out = frame(
        &event.kind,
        &LiveFrame {
            conversation_id: event.conversation_id.clone(),
            data: &event.data,
        },
    );
    match event.id {
        Some(id) => out.id(id.to_string()),
        None => out,
    }
}

/// An SSE response with the events `keep` accepts, starting with `hello`, then what was missed
/// since `last_seen`.
pub async fn stream<Keep>(
    hub: &Hub,
    hello: &impl serde::Serialize,
    last_seen: Option<i64>,
    keep: impl Fn(&Delivered) -> Keep + Send + Sync + 'static,
) -> Response
where
    Keep: std::future::Future<Output = bool> + Send,
{
    let mut subscription = hub.subscribe(last_seen).await;
    let (tx, rx) = mpsc::channel::<Event>(64);
    let hello = frame("hello", hello);
    tokio::spawn(async move {
        if tx.send(hello).await.is_err() {
            return;
        }
        // The newest id sent: a live event the replay already carried is not sent twice.
        let mut sent = last_seen.unwrap_or(0);
        for event in std::mem::take(&mut subscription.replay) {
            sent = sent.max(event.id.unwrap_or(0));
            if keep(&event).await && tx.send(event_frame(&event)).await.is_err() {
                return;
            }
        }
        loop {
            // The select only waits; the event is judged after it, so no waiter is held across
            // the filter's own await.
            let received = tokio::select! {
                received = subscription.events.recv() => received,
                _ = subscription.shutdown.wait_for(|stop| *stop) => break,
                () = tx.closed() => break,
            };
            let out = match received {
                Ok(event) if event.id.is_some_and(|id| id <= sent) => continue,
                Ok(event) => {
                    if !keep(&event).await {
                        continue;
                    }
                    sent = sent.max(event.id.unwrap_or(0));
                    event_frame(&event)
                }
                // Missed events: the page reloads its lists instead of showing a gap.
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    frame("resync", &Resync { missed: n })
                }
                Err(broadcast::error::RecvError::Closed) => break,
            };
            if tx.send(out).await.is_err() {
                break;
            }
        }
    });
    crate::http::sse::response(rx, Some(KEEP_ALIVE))
}
