//! Realtime delivery: one broadcast hub of conversation events, read by the desk (every event)
//! and by a customer's open chat (its own conversation's customer-facing events); `http::live`
//! streams them as server-sent events. Streams end on shutdown.

use serde::Serialize;
use serde_json::Value;
use std::sync::Arc;
use tokio::sync::{broadcast, watch};

/// Events a slow reader may fall behind by before it is told to reload.
const BACKLOG: usize = 1_024;

#[derive(Clone, Debug, Serialize)]
pub struct LiveEvent {
    /// The SSE event name: message, conversation, claimed, released, resolved, ticket, kb.
    pub kind: &'static str,
    pub conversation_id: Option<String>,
    /// One of `domain::api::desk`'s event types, serialised once for every reader.
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
    pub fn publish_to_staff(&self, kind: &'static str, data: &impl Serialize) {
        self.publish(LiveEvent {
            kind,
            conversation_id: None,
            data: serde_json::to_value(data).unwrap_or_default(),
            for_customer: false,
        });
    }

    /// A live subscription: the events from now on, and the shutdown signal.
    pub fn subscribe(&self) -> (broadcast::Receiver<Arc<LiveEvent>>, watch::Receiver<bool>) {
        (self.events.subscribe(), self.shutdown.subscribe())
    }
}
