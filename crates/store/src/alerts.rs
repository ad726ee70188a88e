//! Alert deliveries: one row per alert and target (a webhook URL, a team member's email), which
//! is both the delivery's durable state and the desk's log. An instance claims a due row with a
//! lease (SKIP LOCKED on PostgreSQL, the write lock on SQLite), so one instance sends it; a
//! failure schedules the next try; a row whose instance died is claimed again once its lease
//! lapses.

use crate::claim::{Claim, ExtraBind};
use crate::{BeginWrite, Result, Store, with_pool};

/// A stored delivery.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct DeliveryRow {
    pub id: i64,
    pub event: String,
    pub channel: String,
    pub target: String,
    pub payload: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_ms: i64,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub created_ms: i64,
    pub delivered_ms: Option<i64>,
}

const COLUMNS: &str = "id, event, channel, target, payload, status, attempts, next_attempt_ms, \
     last_status, last_error, created_ms, delivered_ms";

impl Store {
    /// Queues one delivery of `event` per `(channel, target)`, due now; their ids. `payload`
    /// builds each body from its delivery id (a receiver can drop a repeat by it).
    pub async fn queue_alert(
        &self,
        event: &str,
        targets: &[(&str, &str)],
        payload: impl Fn(i64) -> String,
        now_ms: i64,
    ) -> Result<Vec<i64>> {
        let mut ids = Vec::with_capacity(targets.len());
        for (channel, target) in targets {
            let id = with_pool!(self, pool => {
                let mut tx = pool.begin_write().await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO alert_deliveries (event, channel, target, payload, status, next_attempt_ms, created_ms) \
                     VALUES ($1, $2, $3, '', 'pending', $4, $4) RETURNING id",
                )
                .bind(event).bind(channel).bind(target).bind(now_ms)
                .fetch_one(&mut *tx).await?;
                sqlx::query("UPDATE alert_deliveries SET payload = $1 WHERE id = $2")
                    .bind(payload(id)).bind(id).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok::<_, sqlx::Error>(id)
            })?;
            ids.push(id);
        }
        Ok(ids)
    }

    /// Claims the oldest due delivery until `now_ms + lease_ms` (counting the attempt).
    pub async fn claim_delivery(&self, now_ms: i64, lease_ms: i64) -> Result<Option<DeliveryRow>> {
        self.claim_one(Claim {
            table: "alert_deliveries",
            due: "status = 'pending' AND next_attempt_ms <= $1 AND lease_until_ms < $1",
            set: "lease_until_ms = $1 + $2, attempts = attempts + 1",
            columns: COLUMNS,
            now_ms,
            extra: vec![ExtraBind::Int(lease_ms)],
        })
        .await
    }

    /// Records the outcome of an attempt: delivered, or (with `retry_at_ms`) to be tried again
    /// then, or (without) failed for good.
    pub async fn finish_delivery(
        &self,
        id: i64,
        outcome: DeliveryOutcome<'_>,
        now_ms: i64,
    ) -> Result<()> {
        let (status, next, http_status, error, delivered) = match outcome {
            DeliveryOutcome::Delivered { http_status } => {
                ("delivered", 0, http_status, None, Some(now_ms))
            }
            DeliveryOutcome::Retry {
                http_status,
                error,
                at_ms,
            } => ("pending", at_ms, http_status, Some(error), None),
            DeliveryOutcome::Failed { http_status, error } => {
                ("failed", 0, http_status, Some(error), None)
            }
        };
        with_pool!(self, pool => sqlx::query(
            "UPDATE alert_deliveries SET status = $1, next_attempt_ms = $2, last_status = $3, \
             last_error = $4, delivered_ms = $5, lease_until_ms = 0 WHERE id = $6",
        ).bind(status).bind(next).bind(http_status).bind(error).bind(delivered).bind(id)
        .execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// The newest deliveries, newest first.
    pub async fn recent_deliveries(&self, limit: i64) -> Result<Vec<DeliveryRow>> {
        let rows = with_pool!(self, pool => sqlx::query_as::<_, DeliveryRow>(&format!(
            "SELECT {COLUMNS} FROM alert_deliveries ORDER BY id DESC LIMIT $1"
        )).bind(limit.clamp(1, 500)).fetch_all(pool).await)?;
        Ok(rows)
    }

    pub async fn delivery(&self, id: i64) -> Result<Option<DeliveryRow>> {
        let row = with_pool!(self, pool => sqlx::query_as::<_, DeliveryRow>(&format!(
            "SELECT {COLUMNS} FROM alert_deliveries WHERE id = $1"
        )).bind(id).fetch_optional(pool).await)?;
        Ok(row)
    }
}

/// How one attempt ended.
#[derive(Clone, Copy, Debug)]
pub enum DeliveryOutcome<'a> {
    Delivered {
        http_status: Option<i64>,
    },
    Retry {
        http_status: Option<i64>,
        error: &'a str,
        at_ms: i64,
    },
    Failed {
        http_status: Option<i64>,
        error: &'a str,
    },
}
