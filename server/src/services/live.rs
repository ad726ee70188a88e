//! Realtime delivery: one hub of conversation events, read by the desk (every event) and by a
//! customer's open chat (its own conversation's customer-facing events); `http::live` streams
//! them as server-sent events. Streams end on shutdown.
//!
//! With a store, every event is written to it first (`store::live`) and carries the stored id:
//! a browser that reconnects, to this instance or another, replays what it missed
//! (`Last-Event-ID`). On PostgreSQL each instance also listens for the ids the others store and
//! delivers those events to its own streams, so a desk reply on one instance reaches a customer
//! connected to another. SQLite is one process: its events go straight to the local streams.

use serde::Serialize;
use serde_json::Value;
use std::sync::{Arc, Weak};
use std::time::Duration;
use store::Store;
use store::live::{Heard, StoredEvent};
use tokio::sync::{broadcast, mpsc, watch};

/// Events a slow reader may fall behind by before it is told to reload.
const BACKLOG: usize = 1_024;
/// How long stored events are kept for replay.
const KEEP_EVENTS: Duration = Duration::from_secs(24 * 3600);
/// How often old events and spent limit rows are deleted.
const PRUNE_EVERY: Duration = Duration::from_secs(600);

/// An event to publish.
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

/// An event as the streams receive it: with its stored id, when it was stored.
#[derive(Clone, Debug)]
pub struct Delivered {
    pub id: Option<i64>,
    pub kind: String,
    pub conversation_id: Option<String>,
    pub data: Value,
    pub for_customer: bool,
    /// Published by this instance (`false`: heard from another one through the database).
    pub local: bool,
}

impl Delivered {
    /// An event another instance stored.
    fn stored(row: StoredEvent) -> Delivered {
        Delivered {
            id: Some(row.id),
            kind: row.kind,
            conversation_id: row.conversation_id,
            data: serde_json::from_str(&row.data).unwrap_or(Value::Null),
            for_customer: row.for_customer,
            local: false,
        }
    }

    /// An event this instance published.
    fn unstored(event: LiveEvent) -> Delivered {
        Delivered {
            id: None,
            kind: event.kind.to_owned(),
            conversation_id: event.conversation_id,
            data: event.data,
            for_customer: event.for_customer,
            local: true,
        }
    }
}

struct Inner {
    events: broadcast::Sender<Arc<Delivered>>,
    shutdown: watch::Sender<bool>,
    /// Where events are written first (`None`: delivered in memory only, without ids).
    journal: Option<(Store, mpsc::UnboundedSender<LiveEvent>)>,
    /// This hub's name in the stored events: it delivers its own events as it stores them, and
    /// skips them when the database announces them (by the stored row, so no race).
    origin: String,
}

#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

impl Default for Hub {
    /// A hub in memory only (no replay, one instance).
    fn default() -> Self {
        Hub::with_journal(None)
    }
}

/// A subscription: events missed since `Last-Event-ID` (oldest first), then the live ones.
pub struct Subscription {
    pub replay: Vec<Arc<Delivered>>,
    pub events: broadcast::Receiver<Arc<Delivered>>,
    pub shutdown: watch::Receiver<bool>,
}

impl Subscription {
    /// The next `kind` event another instance published (what a replica follows), or `None` once
    /// the server shuts down. Missed events are logged: a restart re-reads the shared state.
    pub async fn next_from_others(&mut self, kind: &str) -> Option<Arc<Delivered>> {
        loop {
            let event = tokio::select! {
                received = self.events.recv() => match received {
                    Ok(event) => event,
                    Err(broadcast::error::RecvError::Lagged(missed)) => {
                        tracing::warn!(missed, kind, "a replica missed live events; a restart re-reads the shared state");
                        continue;
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
                _ = self.shutdown.wait_for(|stop| *stop) => return None,
            };
            if !event.local && event.kind == kind {
                return Some(event);
            }
        }
    }
}

impl Hub {
    fn with_journal(journal: Option<(Store, mpsc::UnboundedSender<LiveEvent>)>) -> Hub {
        Hub {
            inner: Arc::new(Inner {
                events: broadcast::channel(BACKLOG).0,
                shutdown: watch::channel(false).0,
                journal,
                origin: uuid::Uuid::new_v4().simple().to_string(),
            }),
        }
    }

    /// A hub that stores its events in `store` and, on PostgreSQL, hears the other instances'.
    /// Spawns its writer and listener: call inside the runtime.
    pub fn stored(store: Store) -> Hub {
        let (tx, rx) = mpsc::unbounded_channel();
        let hub = Hub::with_journal(Some((store.clone(), tx)));
        // The tasks hold the hub weakly: they end when the last handle to it is dropped.
        tokio::spawn(write_events(Arc::downgrade(&hub.inner), store.clone(), rx));
        tokio::spawn(listen_to_instances(Arc::downgrade(&hub.inner), store));
        hub
    }

    /// Publishes an event: stored first (in order, by one writer task), then delivered.
    pub fn publish(&self, event: LiveEvent) {
        match &self.inner.journal {
            Some((_, writer)) => {
                if let Err(unsent) = writer.send(event) {
                    // The writer has stopped (shutting down): still tell this instance's streams.
                    self.deliver(Delivered::unstored(unsent.0));
                }
            }
            None => self.deliver(Delivered::unstored(event)),
        }
    }

    fn deliver(&self, event: Delivered) {
        // No subscriber is not an error: nobody is watching.
        let _ = self.inner.events.send(Arc::new(event));
    }

    /// Delivers an event another instance stored (this hub's own were delivered as stored).
    fn deliver_heard(&self, row: StoredEvent) {
        if row.origin != self.inner.origin {
            self.deliver(Delivered::stored(row));
        }
    }

    /// Turns true when the server shuts down (background work stops then).
    pub fn closing(&self) -> watch::Receiver<bool> {
        self.inner.shutdown.subscribe()
    }

    /// Ends every open stream (graceful shutdown).
    pub fn close(&self) {
        let _ = self.inner.shutdown.send(true);
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

    /// A live subscription from now on, preceded by the stored events after `last_seen` (the
    /// browser's `Last-Event-ID`) when there is one.
    pub async fn subscribe(&self, last_seen: Option<i64>) -> Subscription {
        // Subscribe first: an event stored while the replay is read arrives live, and the
        // stream skips what it already sent.
        let events = self.inner.events.subscribe();
        let shutdown = self.inner.shutdown.subscribe();
        let mut replay = Vec::new();
        if let (Some(after), Some((store, _))) = (last_seen, &self.inner.journal) {
            match store.events_after(after).await {
                Ok(rows) => {
                    replay = rows
                        .into_iter()
                        .map(|r| Arc::new(Delivered::stored(r)))
                        .collect()
                }
                Err(e) => tracing::warn!(error = %e, "cannot replay missed live events"),
            }
        }
        Subscription {
            replay,
            events,
            shutdown,
        }
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn upgrade(hub: &Weak<Inner>) -> Option<Hub> {
    hub.upgrade().map(|inner| Hub { inner })
}

/// Stores each published event in order and delivers it here; prunes old rows now and then.
/// Ends when the hub is dropped (its sender with it).
async fn write_events(
    hub: Weak<Inner>,
    store: Store,
    mut events: mpsc::UnboundedReceiver<LiveEvent>,
) {
    let mut prune = tokio::time::interval(PRUNE_EVERY);
    loop {
        tokio::select! {
            event = events.recv() => {
                let Some(event) = event else { break };
                let Some(hub) = upgrade(&hub) else { break };
                let data = serde_json::to_string(&event.data).unwrap_or_else(|_| "null".into());
                match store
                    .append_event(&hub.inner.origin, event.kind, event.conversation_id.as_deref(), event.for_customer, &data, now_ms())
                    .await
                {
                    Ok(id) => {
                        let mut delivered = Delivered::unstored(event);
                        delivered.id = Some(id);
                        hub.deliver(delivered);
                    }
                    Err(e) => {
                        // Still live on this instance; only the replay and the others miss it.
                        tracing::warn!(error = %e, kind = event.kind, "cannot store a live event");
                        hub.deliver(Delivered::unstored(event));
                    }
                }
            }
            _ = prune.tick() => {
                let now = now_ms();
                let before = now - i64::try_from(KEEP_EVENTS.as_millis()).unwrap_or(i64::MAX);
                if let Err(e) = store.prune_live(before, now).await {
                    tracing::warn!(error = %e, "cannot prune old live events");
                }
            }
        }
    }
}

/// PostgreSQL: delivers the events other instances store. Reconnects with backoff; after a gap
/// it catches up from the table, so no event is skipped. Ends on shutdown, when the hub is
/// dropped or when the store is closed.
async fn listen_to_instances(weak: Weak<Inner>, store: Store) {
    let Some(mut shutdown) = weak.upgrade().map(|inner| inner.shutdown.subscribe()) else {
        return;
    };
    let mut delay = Duration::from_millis(250);
    let mut last_heard = store.last_event_id().await.unwrap_or(0);
    loop {
        if store.is_closed() {
            return;
        }
        let mut listener = match store.listen_events().await {
            Ok(Some(listener)) => listener,
            // SQLite: one process, nothing to hear.
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for other instances' events; retrying");
                tokio::select! {
                    () = tokio::time::sleep(delay) => {}
                    _ = shutdown.wait_for(|stop| *stop) => return,
                }
                delay = (delay * 2).min(Duration::from_secs(10));
                continue;
            }
        };
        delay = Duration::from_millis(250);
        // Whatever was stored before listening began (or during a gap) is read from the table.
        let Some(hub) = upgrade(&weak) else { return };
        catch_up(&hub, &store, &mut last_heard).await;
        drop(hub);
        loop {
            let heard = tokio::select! {
                heard = listener.next() => heard,
                _ = shutdown.wait_for(|stop| *stop) => return,
            };
            let Some(hub) = upgrade(&weak) else { return };
            match heard {
                Ok(Heard::Event(id)) => {
                    last_heard = last_heard.max(id);
                    match store.event(id).await {
                        Ok(Some(row)) => hub.deliver_heard(row),
                        Ok(None) => {}
                        Err(e) => tracing::warn!(error = %e, id, "cannot read a live event"),
                    }
                }
                // The connection dropped. Listen again first, then read what was stored
                // meanwhile (the outer loop does both in that order): catching up before the new
                // LISTEN would miss an event stored in between.
                Ok(Heard::Reconnected) => {
                    tracing::warn!("the live-event listener's connection dropped; listening again");
                    break;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "lost the live-event listener; reconnecting");
                    break;
                }
            }
        }
    }
}

/// Delivers the stored events after `last_heard` that this instance has not delivered.
async fn catch_up(hub: &Hub, store: &Store, last_heard: &mut i64) {
    match store.events_after(*last_heard).await {
        Ok(rows) => {
            for row in rows {
                *last_heard = (*last_heard).max(row.id);
                hub.deliver_heard(row);
            }
        }
        Err(e) => tracing::warn!(error = %e, "cannot catch up on live events"),
    }
}
