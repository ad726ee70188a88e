//! The live hub as server-sent events: the desk's stream and a customer's open chat.

use crate::http::sse::event as frame;
use crate::services::live::{Hub, LiveEvent};
use axum::response::Response;
use axum::response::sse::Event;
use domain::api::desk::{LiveFrame, Resync};
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};

/// A comment line this often keeps proxies from closing an idle stream.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// An SSE response with the events `keep` accepts, starting with `hello`.
pub fn stream(
    hub: &Hub,
    hello: &impl serde::Serialize,
    keep: impl Fn(&LiveEvent) -> bool + Send + 'static,
) -> Response {
    let (mut events, mut shutdown) = hub.subscribe();
    let (tx, rx) = mpsc::channel::<Event>(64);
    let hello = frame("hello", hello);
    tokio::spawn(async move {
        if tx.send(hello).await.is_err() {
            return;
        }
        loop {
            let out = tokio::select! {
                received = events.recv() => match received {
                    Ok(event) if keep(&event) => frame(event.kind, &LiveFrame {
                        conversation_id: event.conversation_id.clone(),
                        data: &event.data,
                    }),
                    Ok(_) => continue,
                    // Missed events: the page reloads its lists instead of showing a gap.
                    Err(broadcast::error::RecvError::Lagged(n)) => frame("resync", &Resync { missed: n }),
                    Err(broadcast::error::RecvError::Closed) => break,
                },
                _ = shutdown.wait_for(|stop| *stop) => break,
                () = tx.closed() => break,
            };
            if tx.send(out).await.is_err() {
                break;
            }
        }
    });
    crate::http::sse::response(rx, Some(KEEP_ALIVE))
}
