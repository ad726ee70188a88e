//! The cache and the gallery: a result is stored under the hash of everything that made it
//! (the visitor who asked, provider, model, prompt, negative prompt, aspect ratio, seed,
//! format), with a database row. The same request again from the same visitor is answered from
//! the cache without calling the provider. Each visitor's gallery is their own: they see it and
//! the shared images, and delete only their own, within a quota. The bytes live where `files`
//! says: local disk with SQLite (one instance), the database with PostgreSQL, or an S3 bucket,
//! so that every instance serves, finds and evicts the same images.

use crate::files::{ImageFiles, store_error};
use crate::{ImageError, ImageFormat, ImageInput, ImageProvider, ValidateImage};
use chrono::Utc;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;
use store::Store;
use store::images::{ImageRow, NewImage};

pub use domain::api::images::ProviderInfo;

/// What the page is told about a provider.
pub fn provider_info(p: &dyn ImageProvider) -> ProviderInfo {
    ProviderInfo {
        id: p.id().to_string(),
        label: p.label(),
        model: p.model().to_string(),
        paid: p.paid(),
        honours_seed: p.honours_seed(),
    }
}

/// A finished request: the gallery row, whether it came from the cache, and how long it took.
#[derive(Clone, Debug, Serialize)]
pub struct Generation {
    pub image: ImageRow,
    pub cached: bool,
    pub elapsed_ms: f64,
}

pub struct ImageService {
    store: Store,
    files: ImageFiles,
    providers: Vec<Arc<dyn ImageProvider>>,
    /// The gallery keeps at most this many images in all; the oldest go first.
    max_images: i64,
    quota: VisitorQuota,
}

/// What one visitor's gallery may hold.
#[derive(Clone, Copy, Debug)]
pub struct VisitorQuota {
    pub images: i64,
    pub bytes: i64,
}

impl Default for VisitorQuota {
    fn default() -> Self {
        VisitorQuota {
            images: 24,
            bytes: 40 * 1024 * 1024,
        }
    }
}

fn cache_key(visitor: &str, provider: &dyn ImageProvider, r: &crate::ImageRequest) -> String {
    let mut hash = Sha256::new();
    for part in [
        visitor,
        provider.id(),
        provider.model(),
        &r.prompt,
        &r.negative_prompt,
        &r.aspect_ratio,
        &r.seed.to_string(),
        r.format.as_str(),
    ] {
        hash.update(part.as_bytes());
        hash.update([0x1f]);
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn random_seed() -> u32 {
    // Only needs to differ between requests: the clock's nanoseconds, mixed.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mut x = (nanos as u64) ^ 0x9E37_79B9_7F4A_7C15;
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    (x % u64::from(crate::MAX_SEED)) as u32 + 1
}

impl ImageService {
    pub fn new(
        store: Store,
        dir: PathBuf,
        providers: Vec<Arc<dyn ImageProvider>>,
        max_images: i64,
    ) -> ImageService {
        let files = ImageFiles::for_store(&store, dir);
        ImageService {
            store,
            files,
            providers,
            max_images: max_images.max(1),
            quota: VisitorQuota::default(),
        }
    }

    /// Keeps the bytes in `files` rather than the store's default place (a bucket).
    pub fn with_files(mut self, files: ImageFiles) -> ImageService {
        self.files = files;
        self
    }

    /// Where the bytes are kept, in words.
    pub fn storage(&self) -> String {
        self.files.label()
    }

    pub fn with_quota(mut self, quota: VisitorQuota) -> ImageService {
        self.quota = quota;
        self
    }

    pub fn quota(&self) -> VisitorQuota {
        self.quota
    }

    pub fn providers(&self) -> Vec<ProviderInfo> {
        self.providers.iter().map(|p| provider_info(&**p)).collect()
    }

    /// Makes the image for `visitor`, or finds it in their cache.
    pub async fn generate(
        &self,
        visitor: &str,
        input: &ImageInput,
    ) -> Result<Generation, ImageError> {
        let started = Instant::now();
        let request = input.validate(random_seed)?;
        let provider = match &input.provider {
            Some(id) => self
                .providers
                .iter()
                .find(|p| p.id() == id)
                .ok_or_else(|| ImageError::NotConfigured(format!("The provider \"{id}\" is not configured.")))?,
            None => self.providers.first().ok_or_else(|| {
                ImageError::NotConfigured("No image provider is configured: set STABILITY_KEY, OPENAI_API_KEY, or OPENAI_IMAGE_BASE_URL.".into())
            })?,
        };
        let key = cache_key(visitor, provider.as_ref(), &request);
        if let Some(row) = self.store.image_by_key(&key).await.map_err(store_error)? {
            if self.files.exists(&row.cache_key, &row.format).await? {
                return Ok(Generation {
                    image: row,
                    cached: true,
                    elapsed_ms: started.elapsed().as_secs_f64() * 1000.0,
                });
            }
            // The file went missing: make it again under the same row.
            self.store.delete_image(row.id).await.map_err(store_error)?;
        }
        let (images, bytes) = self
            .store
            .visitor_image_usage(visitor)
            .await
            .map_err(store_error)?;
        if images >= self.quota.images || bytes >= self.quota.bytes {
            return Err(ImageError::QuotaFull(format!(
                "Your gallery is full ({images} images, {} MB, of {} images or {} MB): delete an image to make room.",
                bytes / (1024 * 1024),
                self.quota.images,
                self.quota.bytes / (1024 * 1024)
            )));
        }
        let generated = provider.generate(&request).await?;
        let format = ImageFormat::sniff(&generated.bytes).unwrap_or(generated.format);
        self.files
            .write(&key, format.as_str(), &generated.bytes)
            .await?;
        let generation_ms = started.elapsed().as_millis() as i64;
        let row = self
            .store
            .insert_image(
                &NewImage {
                    cache_key: key,
                    provider: provider.id().to_string(),
                    model: provider.model().to_string(),
                    prompt: request.prompt.clone(),
                    negative_prompt: request.negative_prompt.clone(),
                    aspect_ratio: request.aspect_ratio.clone(),
                    seed: i64::from(request.seed),
                    format: format.as_str().to_string(),
                    bytes: generated.bytes.len() as i64,
                    finish_reason: generated.finish_reason.clone(),
                    generation_ms,
                    visitor: Some(visitor.to_owned()),
                },
                Utc::now(),
            )
            .await
            .map_err(store_error)?;
        self.evict().await;
        Ok(Generation {
            image: row,
            cached: false,
            elapsed_ms: started.elapsed().as_secs_f64() * 1000.0,
        })
    }

    /// Keeps the gallery under its size limit.
    async fn evict(&self) {
        let Ok(count) = self.store.image_count().await else {
            return;
        };
        let extra = count - self.max_images;
        if extra <= 0 {
            return;
        }
        let Ok(oldest) = self.store.images(extra, self.max_images).await else {
            return;
        };
        for row in oldest {
            if let Err(e) = self.delete(row.id).await {
                tracing::warn!(error = %e, id = row.id, "cannot evict an old image");
            }
        }
    }

    /// What `visitor` sees: their images and the shared ones, newest first, and how many.
    pub async fn gallery(
        &self,
        visitor: &str,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<ImageRow>, i64), ImageError> {
        self.store
            .visible_images(visitor, limit, offset)
            .await
            .map_err(store_error)
    }

    /// The row, if `visitor` may see it (theirs or shared); another visitor's is "no such image".
    async fn visible(&self, visitor: &str, id: i64) -> Result<ImageRow, ImageError> {
        self.store
            .image(id)
            .await
            .map_err(store_error)?
            .filter(|row| row.visitor.as_deref().is_none_or(|v| v == visitor))
            .ok_or_else(|| ImageError::NotFound(format!("There is no image {id} in your gallery.")))
    }

    /// The row and the file's bytes, for `visitor`.
    pub async fn file(&self, visitor: &str, id: i64) -> Result<(ImageRow, Vec<u8>), ImageError> {
        let row = self.visible(visitor, id).await?;
        let bytes = self
            .files
            .read(&row.cache_key, &row.format)
            .await?
            .ok_or_else(|| ImageError::NotFound(format!("The file of image {id} is missing.")))?;
        Ok((row, bytes))
    }

    /// Removes one of `visitor`'s own images. A shared image is refused (an administrator
    /// removes those); another visitor's is "no such image".
    pub async fn delete_own(&self, visitor: &str, id: i64) -> Result<(), ImageError> {
        let row = self.visible(visitor, id).await?;
        if row.visitor.is_none() {
            return Err(ImageError::Invalid(
                "This image is part of the shared gallery; only an administrator can remove it."
                    .into(),
            ));
        }
        self.delete(row.id).await.map(drop)
    }

    /// Removes visitors' images made before `cutoff` (the schedule's clean-up); returns how many.
    pub async fn remove_visitor_images_before(
        &self,
        cutoff: chrono::DateTime<Utc>,
    ) -> Result<usize, ImageError> {
        let mut removed = 0;
        loop {
            let rows = self
                .store
                .visitor_images_before(cutoff, 100)
                .await
                .map_err(store_error)?;
            if rows.is_empty() {
                return Ok(removed);
            }
            for row in rows {
                if self.delete(row.id).await? {
                    removed += 1;
                }
            }
        }
    }

    /// Removes the row and its file, whoever made it; `false` when there was no such image.
    pub async fn delete(&self, id: i64) -> Result<bool, ImageError> {
        match self.store.delete_image(id).await.map_err(store_error)? {
            Some(row) => {
                self.files.remove(&row.cache_key, &row.format).await;
                Ok(true)
            }
            None => Ok(false),
        }
    }
}
