//! What users taught the image classifier, shared by every instance on PostgreSQL: one row of
//! file bytes (the taught examples' features and the head trained on them), or none.

use crate::{Result, Store, with_pool};

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
}
