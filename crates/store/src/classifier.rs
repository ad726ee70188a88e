//! What was taught to the image classifier: the shared classes (an administrator's), one row of
//! file bytes (the taught examples' features and the head trained on them) read by every
//! instance on PostgreSQL; and each visitor's own classes on top of them, one row per visitor.

use crate::{Result, Store, with_pool};
use chrono::{DateTime, Utc};

impl Store {
    /// Replaces the shared state (`None`: nothing taught).
    pub async fn put_classifier_state(
        &self,
        state: Option<(&[u8], &[u8])>,
        now_ms: i64,
    ) -> Result<()> {
        match state {
            Some((taught, head)) => with_pool!(self, pool => sqlx::query(
                "INSERT INTO classifier_state (id, taught, head, updated_ms) VALUES (1, $1, $2, $3) \
                 ON CONFLICT (id) DO UPDATE SET taught = excluded.taught, head = excluded.head, updated_ms = excluded.updated_ms",
            ).bind(taught).bind(head).bind(now_ms).execute(pool).await.map(|_| ()))?,
            None => with_pool!(self, pool => sqlx::query("DELETE FROM classifier_state")
                .execute(pool).await.map(|_| ()))?,
        }
        Ok(())
    }

    /// The shared state: (taught, head) bytes, or `None` when nothing is taught.
    pub async fn classifier_state(&self) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
        let row = with_pool!(self, pool => sqlx::query_as::<_, (Vec<u8>, Vec<u8>)>(
            "SELECT taught, head FROM classifier_state WHERE id = 1",
        ).fetch_optional(pool).await)?;
        Ok(row)
    }

    /// The classes `visitor` taught on top of the shared ones: (taught, head) bytes.
    pub async fn visitor_classifier(&self, visitor: &str) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
        let row = with_pool!(self, pool => sqlx::query_as::<_, (Vec<u8>, Vec<u8>)>(
            "SELECT taught, head FROM visitor_classifiers WHERE visitor = $1",
        ).bind(visitor).fetch_optional(pool).await)?;
        Ok(row)
    }

    pub async fn put_visitor_classifier(
        &self,
        visitor: &str,
        taught: &[u8],
        head: &[u8],
        now: DateTime<Utc>,
    ) -> Result<()> {
        with_pool!(self, pool => sqlx::query(
            "INSERT INTO visitor_classifiers (visitor, taught, head, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (visitor) DO UPDATE SET taught = excluded.taught, head = excluded.head, updated_at = excluded.updated_at",
        ).bind(visitor).bind(taught).bind(head).bind(now).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Forgets what `visitor` taught; `false` when they had taught nothing.
    pub async fn delete_visitor_classifier(&self, visitor: &str) -> Result<bool> {
        let n = with_pool!(self, pool => sqlx::query("DELETE FROM visitor_classifiers WHERE visitor = $1")
            .bind(visitor).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// Removes visitors' classes last changed before `cutoff`; returns how many visitors'.
    pub async fn delete_visitor_classifiers_before(&self, cutoff: DateTime<Utc>) -> Result<u64> {
        let n = with_pool!(self, pool => sqlx::query("DELETE FROM visitor_classifiers WHERE updated_at < $1")
            .bind(cutoff).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(n)
    }
}
