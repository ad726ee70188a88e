//! Work the server does on a schedule, off the request path: writing the API keys' last use
//! in batches, and removing what has expired (staff sessions and the demo desk accounts they
//! leave, anonymous visitors' demo data
//! after `VISITOR_DATA_DAYS` days, resolved conversations after `RETENTION_DAYS` when set).

use crate::services::limits::KeyLimits;
use imagegen::ImageService;
use std::sync::Arc;
use std::time::Duration;
use store::Store;

/// How often the keys' last use is written.
pub const KEY_USE_FLUSH: Duration = Duration::from_secs(30);
/// How often expired data is removed.
pub const CLEAN_UP_EVERY: Duration = Duration::from_secs(3_600);

/// What one clean-up removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Removed {
    pub sessions: u64,
    /// "Try the desk" accounts whose session has ended.
    pub demo_accounts: u64,
    pub images: usize,
    pub taught_classes: u64,
    pub conversations: u64,
    /// Conversations whose words were removed (`STORE_TRANSCRIPTS=false`).
    pub transcripts: u64,
}

/// How long things are kept.
#[derive(Clone, Copy, Debug)]
pub struct Retention {
    pub visitor_days: u32,
    /// Resolved conversations (`None`: kept).
    pub conversation_days: Option<u32>,
    /// `STORE_TRANSCRIPTS`: with `false`, the words of conversations idle for
    /// [`TRANSCRIPT_IDLE`] are removed (resolving one removes them at once).
    pub transcripts_kept: bool,
}

/// How long an unresolved conversation keeps its words when transcripts are not kept: long
/// enough for a customer to come back the same day, or a person to take it over.
pub const TRANSCRIPT_IDLE: chrono::Duration = chrono::Duration::hours(24);

/// Removes expired staff sessions, visitors' images and taught classes older than the visitor
/// period, and resolved conversations older than the retention period. Each part that fails is
/// logged and tried again next time.
pub async fn clean_up(store: &Store, images: &ImageService, retention: Retention) -> Removed {
    clean_up_at(store, images, retention, chrono::Utc::now()).await
}

/// [`clean_up`] as if the clock said `now` (tests move it forward instead of waiting).
pub async fn clean_up_at(
    store: &Store,
    images: &ImageService,
    retention: Retention,
    now: chrono::DateTime<chrono::Utc>,
) -> Removed {
    let cutoff = now - chrono::Duration::days(i64::from(retention.visitor_days));
    let mut removed = Removed::default();
    match store.delete_expired_sessions(now).await {
        Ok(n) => removed.sessions = n,
        Err(e) => tracing::warn!(error = %e, "cannot remove expired staff sessions"),
    }
    match store.delete_lapsed_demo_accounts().await {
        Ok(n) => removed.demo_accounts = n,
        Err(e) => tracing::warn!(error = %e, "cannot remove lapsed demo desk accounts"),
    }
    match images.remove_visitor_images_before(cutoff).await {
        Ok(n) => removed.images = n,
        Err(e) => tracing::warn!(error = %e, "cannot remove old visitors' images"),
    }
    match store.delete_visitor_classifiers_before(cutoff).await {
        Ok(n) => removed.taught_classes = n,
        Err(e) => tracing::warn!(error = %e, "cannot remove old visitors' classes"),
    }
    if let Some(days) = retention.conversation_days {
        match store
            .delete_resolved_before(now - chrono::Duration::days(i64::from(days)))
            .await
        {
            Ok(n) => removed.conversations = n,
            Err(e) => tracing::warn!(error = %e, "cannot remove old resolved conversations"),
        }
    }
    if !retention.transcripts_kept {
        removed.transcripts = drop_idle_transcripts(store, now - TRANSCRIPT_IDLE).await;
    }
    if removed != Removed::default() {
        tracing::info!(?removed, "expired data removed");
    }
    removed
}

/// Removes the words of support conversations untouched since `before`; returns how many.
async fn drop_idle_transcripts(store: &Store, before: chrono::DateTime<chrono::Utc>) -> u64 {
    let ids = match store.conversations_with_transcripts_before(before).await {
        Ok(ids) => ids,
        Err(e) => {
            tracing::warn!(error = %e, "cannot list idle transcripts");
            return 0;
        }
    };
    let mut dropped = 0;
    for id in ids {
        match store.drop_transcript(&id).await {
            Ok(_) => dropped += 1,
            Err(e) => {
                tracing::warn!(error = %e, conversation = %id, "cannot remove an idle transcript")
            }
        }
    }
    dropped
}

/// Runs until the process ends; `finish` flushes what is left on shutdown.
pub fn spawn(store: Store, key_limits: KeyLimits, images: Arc<ImageService>, retention: Retention) {
    {
        let store = store.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(KEY_USE_FLUSH);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                key_limits.flush_uses(&store).await;
            }
        });
    }
    tokio::spawn(async move {
        let mut every = tokio::time::interval(CLEAN_UP_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            clean_up(&store, &images, retention).await;
        }
    });
}

/// The last batch, written before the store closes.
pub async fn finish(store: &Store, key_limits: &KeyLimits) {
    key_limits.flush_uses(store).await;
}
