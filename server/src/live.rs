//! Realtime delivery: one broadcast hub of conversation events, read by the dashboard (every
//! event) and by a customer's open chat (its own conversation's customer-facing events), both as
//! server-sent events. Streams end on shutdown so a graceful stop is not held open by them.

use crate::sse::frame;
use axum::body::Bytes;
use axum::response::Response;
use serde::Serialize;
use serde_json::Value;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, watch};

/// Events a slow reader may fall behind by before it is told to reload.
const BACKLOG: usize = 1_024;
const KEEP_ALIVE: Duration = Duration::from_secs(15);

#[derive(Clone, Debug, Serialize)]
pub struct LiveEvent {
    /// The SSE event name: message, conversation, claimed, released, resolved, ticket, kb.
    pub kind: &'static str,
    pub conversation_id: Option<String>,
    pub data: Value,
    /// Whether the customer of `conversation_id` sees it in their chat.
    #[serde(skip)]
    pub for_customer: bool,
}

#[derive(Clone)]
pub struct Hub {
    events: broadcast::Sender<Arc<LiveEvent>>,
    shutdown: watch::Sender<bool>,
}

impl Default for Hub {
    fn default() -> Self {
        Hub {
            events: broadcast::channel(BACKLOG).0,
            shutdown: watch::channel(false).0,
        }
    }
}

impl Hub {
    pub fn publish(&self, event: LiveEvent) {
        // No subscriber is not an error: nobody is watching.
        let _ = self.events.send(Arc::new(event));
    }

    /// Ends every open stream (graceful shutdown).
    pub fn close(&self) {
        let _ = self.shutdown.send(true);
    }

    /// An event for the desk only: no conversation, nothing the customer sees (tickets, the
    /// knowledge base's progress).
    pub fn publish_to_staff(&self, kind: &'static str, data: Value) {
        self.publish(LiveEvent {
            kind,
            conversation_id: None,
            data,
            for_customer: false,
        });
    }

    /// An SSE response with the events `keep` accepts, starting with `hello`.
    pub fn stream(
        &self,
        hello: Value,
        keep: impl Fn(&LiveEvent) -> bool + Send + 'static,
    ) -> Response {
        let mut events = self.events.subscribe();
        let mut shutdown = self.shutdown.subscribe();
        let (tx, rx) = mpsc::channel::<Result<Bytes, Infallible>>(64);
        tokio::spawn(async move {
            if tx.send(Ok(frame("hello", &hello))).await.is_err() {
                return;
            }
            let mut ticker = tokio::time::interval(KEEP_ALIVE);
            ticker.tick().await;
            loop {
                let out = tokio::select! {
                    received = events.recv() => match received {
                        Ok(event) if keep(&event) => frame(event.kind, &serde_json::json!({
                            "conversation_id": event.conversation_id,
                            "data": event.data,
                        })),
                        Ok(_) => continue,
                        // Missed events: the page reloads its lists instead of showing a gap.
                        Err(broadcast::error::RecvError::Lagged(n)) => frame("resync", &serde_json::json!({ "missed": n })),
                        Err(broadcast::error::RecvError::Closed) => break,
                    },
                    _ = ticker.tick() => Bytes::from_static(b": keep-alive\n\n"),
                    _ = shutdown.wait_for(|stop| *stop) => break,
                    () = tx.closed() => break,
                };
                if tx.send(Ok(out)).await.is_err() {
                    break;
                }
            }
        });
        crate::sse::response(rx)
    }
}
