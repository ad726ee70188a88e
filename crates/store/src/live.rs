//! Live events and shared request limits: what lets several instances on one PostgreSQL database
//! act as one app.
//!
//! - Every live event (a desk reply, a claim, indexing progress) is a row of `live_events`. On
//!   PostgreSQL the insert also sends `NOTIFY` with the row's id (payloads are capped at 8,000
//!   bytes, so never the event itself); each instance's [`EventListener`] receives the id and
//!   reads the row. A browser that reconnects, to any instance, replays the rows after the last
//!   id it saw.
//! - A request limit is one row per client or key (`rate_limits`), taken atomically with the
//!   generic cell rate algorithm in a single upsert.
//!
//! The channel is named after the schema: NOTIFY is database-wide, and tests (or two apps)
//! sharing a database in different schemas must not hear each other.

use crate::{Pool, Result, Store, with_pool};

/// A stored live event.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredEvent {
    pub id: i64,
    pub kind: String,
    pub conversation_id: Option<String>,
    pub for_customer: bool,
    /// The event's JSON.
    pub data: String,
    /// The instance that published it.
    pub origin: String,
}

/// The most events one replay returns; a browser further behind reloads its lists instead.
pub const REPLAY_LIMIT: i64 = 500;

const CHANNEL_SQL: &str = "'live_events_' || current_schema()";

impl Store {
    /// Stores an event published by `origin` and, on PostgreSQL, announces its id to every
    /// instance. Returns the id.
    pub async fn append_event(
        &self,
        origin: &str,
        kind: &str,
        conversation_id: Option<&str>,
        for_customer: bool,
        data: &str,
        now_ms: i64,
    ) -> Result<i64> {
        const INSERT: &str = "INSERT INTO live_events (kind, conversation_id, for_customer, data, created_ms, origin) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";
        let sql = match self.pool {
            Pool::Sqlite(_) => INSERT.to_owned(),
            // One statement: the notification goes out when the row is committed.
            Pool::Postgres(_) => format!(
                "WITH stored AS ({INSERT}) \
                 SELECT id FROM stored, LATERAL (SELECT pg_notify({CHANNEL_SQL}, id::text)) AS notified"
            ),
        };
        let id = with_pool!(self, pool => sqlx::query_scalar::<_, i64>(&sql)
            .bind(kind).bind(conversation_id).bind(for_customer).bind(data).bind(now_ms).bind(origin)
            .fetch_one(pool).await)?;
        Ok(id)
    }

    pub async fn event(&self, id: i64) -> Result<Option<StoredEvent>> {
        let row = with_pool!(self, pool => sqlx::query_as::<_, StoredEvent>(
            "SELECT id, kind, conversation_id, for_customer, data, origin FROM live_events WHERE id = $1",
        ).bind(id).fetch_optional(pool).await)?;
        Ok(row)
    }

    /// The events after `id`, oldest first, at most `REPLAY_LIMIT`.
    pub async fn events_after(&self, id: i64) -> Result<Vec<StoredEvent>> {
        let rows = with_pool!(self, pool => sqlx::query_as::<_, StoredEvent>(
            "SELECT id, kind, conversation_id, for_customer, data, origin FROM live_events \
             WHERE id > $1 ORDER BY id LIMIT $2",
        ).bind(id).bind(REPLAY_LIMIT).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// The newest event's id (0 when there is none).
    pub async fn last_event_id(&self) -> Result<i64> {
        let id: Option<i64> = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT MAX(id) FROM live_events",
        ).fetch_one(pool).await)?;
        Ok(id.unwrap_or(0))
    }

    /// Deletes events older than `before_ms` and limit rows whose time has passed (a full
    /// bucket). Returns the rows deleted.
    pub async fn prune_live(&self, before_ms: i64, now_ms: i64) -> Result<u64> {
        let events = with_pool!(self, pool => sqlx::query(
            "DELETE FROM live_events WHERE created_ms < $1",
        ).bind(before_ms).execute(pool).await.map(|r| r.rows_affected()))?;
        let limits = with_pool!(self, pool => sqlx::query(
            "DELETE FROM rate_limits WHERE tat_us < $1",
        ).bind(now_ms * 1_000).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(events + limits)
    }

    /// Listens for other instances' events: `None` on SQLite, where one process is the app.
    pub async fn listen_events(&self) -> Result<Option<EventListener>> {
        let Pool::Postgres(pool) = &self.pool else {
            return Ok(None);
        };
        let channel: String = sqlx::query_scalar(&format!("SELECT {CHANNEL_SQL}"))
            .fetch_one(pool)
            .await?;
        let mut listener = sqlx::postgres::PgListener::connect_with(pool).await?;
        listener.listen(&channel).await?;
        Ok(Some(EventListener { listener }))
    }

    /// Takes one request from `key`'s allowance of `per_minute` (in bursts of up to
    /// `per_minute`), for every instance at once: `Ok` or the wait until one is free.
    ///
    /// The generic cell rate algorithm: each request moves the key's theoretical arrival time
    /// (TAT) on by one interval; a request is refused when that would put it more than a burst
    /// ahead of now. The allowed case is one atomic upsert, so two instances cannot both take
    /// the last token.
    pub async fn take_rate(
        &self,
        key: &str,
        per_minute: u32,
        now_ms: i64,
    ) -> Result<std::result::Result<(), std::time::Duration>> {
        // Microseconds: at high rates a millisecond interval would round to zero, and then the
        // slightest disorder between two instances' clocks would refuse a request.
        let now = now_ms * 1_000;
        let interval = 60_000_000 / i64::from(per_minute.max(1));
        let burst = interval * i64::from(per_minute.max(1));
        let greatest = match self.pool {
            Pool::Sqlite(_) => "MAX",
            Pool::Postgres(_) => "GREATEST",
        };
        let sql = format!(
            "INSERT INTO rate_limits (key, tat_us) VALUES ($1, $2 + $3) \
             ON CONFLICT (key) DO UPDATE SET tat_us = {greatest}(rate_limits.tat_us, $2) + $3 \
             WHERE {greatest}(rate_limits.tat_us, $2) + $3 - $2 <= $4 \
             RETURNING tat_us"
        );
        let taken: Option<i64> = with_pool!(self, pool => sqlx::query_scalar(&sql)
            .bind(key).bind(now).bind(interval).bind(burst)
            .fetch_optional(pool).await)?;
        if taken.is_some() {
            return Ok(Ok(()));
        }
        let tat: Option<i64> = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT tat_us FROM rate_limits WHERE key = $1",
        ).bind(key).fetch_optional(pool).await)?;
        let wait_us = tat.map_or(interval, |tat| tat + interval - burst - now);
        Ok(Err(std::time::Duration::from_micros(
            u64::try_from(wait_us.max(1)).unwrap_or(1),
        )))
    }
}

/// What the listener heard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Heard {
    /// An event was stored, by this instance or another.
    Event(i64),
    /// The connection dropped and was re-established: notifications meanwhile are lost, so
    /// the reader catches up from the table.
    Reconnected,
}

/// A dedicated PostgreSQL connection that LISTENs for stored events. It needs a session
/// connection: Supabase's pooler in transaction mode does not support LISTEN (use the direct
/// connection string, or the pooler's session mode).
pub struct EventListener {
    listener: sqlx::postgres::PgListener,
}

impl EventListener {
    pub async fn next(&mut self) -> Result<Heard> {
        loop {
            match self.listener.try_recv().await? {
                None => return Ok(Heard::Reconnected),
                Some(notification) => match notification.payload().parse() {
                    Ok(id) => return Ok(Heard::Event(id)),
                    Err(_) => continue,
                },
            }
        }
    }
}
