//! The text-to-image gallery's rows, and the images' bytes when the database keeps them
//! (PostgreSQL without a bucket; elsewhere they are files or objects named by the cache key).

use crate::{Result, Store, with_pool};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ImageRow {
    pub id: i64,
    pub cache_key: String,
    pub provider: String,
    pub model: String,
    pub prompt: String,
    pub negative_prompt: String,
    pub aspect_ratio: String,
    pub seed: i64,
    pub format: String,
    pub bytes: i64,
    pub finish_reason: String,
    pub generation_ms: i64,
    pub created_at: DateTime<Utc>,
    /// The browser that asked for it (`None`: the shared gallery, changed by administrators only).
    pub visitor: Option<String>,
}

/// A row to insert (no id yet).
#[derive(Clone, Debug)]
pub struct NewImage {
    pub cache_key: String,
    pub provider: String,
    pub model: String,
    pub prompt: String,
    pub negative_prompt: String,
    pub aspect_ratio: String,
    pub seed: i64,
    pub format: String,
    pub bytes: i64,
    pub finish_reason: String,
    pub generation_ms: i64,
    pub visitor: Option<String>,
}

const COLUMNS: &str = "id, cache_key, provider, model, prompt, negative_prompt, aspect_ratio, \
     seed, format, bytes, finish_reason, generation_ms, created_at, visitor";

/// The rows a visitor sees: their own and the shared ones.
const VISIBLE_TO: &str = "(visitor = $1 OR visitor IS NULL)";

impl Store {
    /// Inserts the row, or returns the existing one with the same cache key (two identical
    /// requests at once store one image).
    pub async fn insert_image(&self, image: &NewImage, now: DateTime<Utc>) -> Result<ImageRow> {
        with_pool!(self, pool => sqlx::query(
            "INSERT INTO images (cache_key, provider, model, prompt, negative_prompt, aspect_ratio, \
             seed, format, bytes, finish_reason, generation_ms, created_at, visitor) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (cache_key) DO NOTHING",
        )
        .bind(&image.cache_key).bind(&image.provider).bind(&image.model).bind(&image.prompt)
        .bind(&image.negative_prompt).bind(&image.aspect_ratio).bind(image.seed).bind(&image.format)
        .bind(image.bytes).bind(&image.finish_reason).bind(image.generation_ms).bind(now)
        .bind(&image.visitor)
        .execute(pool).await.map(|_| ()))?;
        self.image_by_key(&image.cache_key)
            .await?
            .ok_or_else(|| crate::StoreError::Refused("the image row vanished".into()))
    }

    pub async fn image_by_key(&self, key: &str) -> Result<Option<ImageRow>> {
        let sql = format!("SELECT {COLUMNS} FROM images WHERE cache_key = $1");
        let row = with_pool!(self, pool => sqlx::query_as::<_, ImageRow>(&sql).bind(key).fetch_optional(pool).await)?;
        Ok(row)
    }

    pub async fn image(&self, id: i64) -> Result<Option<ImageRow>> {
        let sql = format!("SELECT {COLUMNS} FROM images WHERE id = $1");
        let row = with_pool!(self, pool => sqlx::query_as::<_, ImageRow>(&sql).bind(id).fetch_optional(pool).await)?;
        Ok(row)
    }

    /// Every image, newest first (eviction reads from the end).
    pub async fn images(&self, limit: i64, offset: i64) -> Result<Vec<ImageRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM images ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2"
        );
        let rows = with_pool!(self, pool => sqlx::query_as::<_, ImageRow>(&sql)
            .bind(limit.clamp(1, 200)).bind(offset.max(0)).fetch_all(pool).await)?;
        Ok(rows)
    }

    pub async fn image_count(&self) -> Result<i64> {
        let n = with_pool!(self, pool => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM images").fetch_one(pool).await)?;
        Ok(n)
    }

    /// The images `visitor` sees (their own and the shared ones), newest first, and how many.
    pub async fn visible_images(
        &self,
        visitor: &str,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<ImageRow>, i64)> {
        let sql = format!(
            "SELECT {COLUMNS} FROM images WHERE {VISIBLE_TO} ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3"
        );
        let rows = with_pool!(self, pool => sqlx::query_as::<_, ImageRow>(&sql)
            .bind(visitor).bind(limit.clamp(1, 200)).bind(offset.max(0)).fetch_all(pool).await)?;
        let count_sql = format!("SELECT COUNT(*) FROM images WHERE {VISIBLE_TO}");
        let total = with_pool!(self, pool => sqlx::query_scalar::<_, i64>(&count_sql)
            .bind(visitor).fetch_one(pool).await)?;
        Ok((rows, total))
    }

    /// How many images `visitor` has made, and their bytes.
    pub async fn visitor_image_usage(&self, visitor: &str) -> Result<(i64, i64)> {
        let row: (i64, Option<i64>) = with_pool!(self, pool => sqlx::query_as(
            "SELECT COUNT(*), CAST(SUM(bytes) AS BIGINT) FROM images WHERE visitor = $1")
            .bind(visitor).fetch_one(pool).await)?;
        Ok((row.0, row.1.unwrap_or(0)))
    }

    /// Visitors' images made before `cutoff` (the shared gallery is kept), for removal.
    pub async fn visitor_images_before(
        &self,
        cutoff: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<ImageRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM images WHERE visitor IS NOT NULL AND created_at < $1 ORDER BY id LIMIT $2"
        );
        let rows = with_pool!(self, pool => sqlx::query_as::<_, ImageRow>(&sql)
            .bind(cutoff).bind(limit).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// Deletes the row; returns it so the caller can remove the file.
    pub async fn delete_image(&self, id: i64) -> Result<Option<ImageRow>> {
        let row = self.image(id).await?;
        if row.is_some() {
            with_pool!(self, pool => sqlx::query("DELETE FROM images WHERE id = $1").bind(id).execute(pool).await.map(|_| ()))?;
        }
        Ok(row)
    }

    /// Stores an image's bytes under its cache key (a second instance storing the same key keeps
    /// the first copy: the same key is the same image).
    pub async fn put_image_file(&self, cache_key: &str, bytes: &[u8]) -> Result<()> {
        with_pool!(self, pool => sqlx::query(
            "INSERT INTO image_files (cache_key, bytes) VALUES ($1, $2) ON CONFLICT (cache_key) DO NOTHING",
        ).bind(cache_key).bind(bytes).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    pub async fn image_file(&self, cache_key: &str) -> Result<Option<Vec<u8>>> {
        let bytes = with_pool!(self, pool => sqlx::query_scalar::<_, Vec<u8>>(
            "SELECT bytes FROM image_files WHERE cache_key = $1",
        ).bind(cache_key).fetch_optional(pool).await)?;
        Ok(bytes)
    }

    pub async fn image_file_exists(&self, cache_key: &str) -> Result<bool> {
        let n = with_pool!(self, pool => sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM image_files WHERE cache_key = $1",
        ).bind(cache_key).fetch_one(pool).await)?;
        Ok(n > 0)
    }

    pub async fn delete_image_file(&self, cache_key: &str) -> Result<()> {
        with_pool!(self, pool => sqlx::query("DELETE FROM image_files WHERE cache_key = $1")
            .bind(cache_key).execute(pool).await.map(|_| ()))?;
        Ok(())
    }
}
