//! Where generated images' bytes are kept: files in a folder (SQLite, one instance), the
//! `image_files` table (PostgreSQL: every instance reads the same rows), or an S3-compatible
//! bucket (Tigris on Fly, AWS S3, MinIO, …) when one is configured, so the database holds rows
//! and not megabytes. Keys are the cache key (a hash of everything that made the image), so two
//! instances that make the same image write the same object.

use crate::ImageError;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjectPath;
use object_store::{
    BackoffConfig, ClientOptions, ObjectStore, ObjectStoreExt, PutPayload, RetryConfig,
};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use store::Store;

/// An S3-compatible bucket for the images.
#[derive(Clone)]
pub struct S3Settings {
    pub bucket: String,
    /// The service's address (Tigris: `https://fly.storage.tigris.dev`); `None`: AWS S3.
    pub endpoint: Option<String>,
    pub region: String,
    /// Both or neither; neither: the bucket must allow anonymous access (tests, local servers).
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    /// Objects are named `<prefix>/<cache key>.<format>`.
    pub prefix: String,
}

impl std::fmt::Debug for S3Settings {
    // The secret key stays out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("bucket", &self.bucket)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

/// Images as objects in a bucket.
pub struct ObjectFiles {
    objects: Arc<dyn ObjectStore>,
    bucket: String,
    prefix: String,
}

impl ObjectFiles {
    /// The bucket's client (no request is made until an image is read or written).
    pub fn connect(settings: &S3Settings) -> Result<ObjectFiles, String> {
        // A bucket that does not answer fails the request within seconds (the client's default
        // keeps retrying for three minutes while the visitor waits).
        let retry = RetryConfig {
            backoff: BackoffConfig {
                init_backoff: Duration::from_millis(100),
                max_backoff: Duration::from_secs(2),
                base: 2.0,
            },
            max_retries: 3,
            retry_timeout: Duration::from_secs(15),
        };
        let client = ClientOptions::default()
            .with_connect_timeout(Duration::from_secs(5))
            .with_timeout(Duration::from_secs(30));
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&settings.bucket)
            .with_region(&settings.region)
            .with_retry(retry)
            .with_client_options(client);
        if let Some(endpoint) = &settings.endpoint {
            // A local server (tests, MinIO on the same machine) speaks plain HTTP.
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"));
        }
        builder = match (&settings.access_key_id, &settings.secret_access_key) {
            (Some(id), Some(secret)) => builder
                .with_access_key_id(id)
                .with_secret_access_key(secret),
            _ => builder.with_skip_signature(true),
        };
        let objects = builder.build().map_err(|e| e.to_string())?;
        Ok(ObjectFiles {
            objects: Arc::new(objects),
            bucket: settings.bucket.clone(),
            prefix: settings.prefix.trim_matches('/').to_owned(),
        })
    }

    fn path(&self, key: &str, format: &str) -> ObjectPath {
        if self.prefix.is_empty() {
            ObjectPath::from(format!("{key}.{format}"))
        } else {
            ObjectPath::from(format!("{}/{key}.{format}", self.prefix))
        }
    }
}

/// Where the images' bytes are.
pub enum ImageFiles {
    /// Files named `<cache key>.<format>` in a folder.
    Disk(PathBuf),
    /// The `image_files` table, shared by every instance.
    Database(Store),
    /// A bucket every instance reads.
    Objects(ObjectFiles),
    /// A bucket was configured but cannot be used: every image says why, rather than being
    /// written where the other instances cannot see it.
    Unusable(String),
}

impl ImageFiles {
    /// The default for `store`: the database on PostgreSQL (shared), `dir` on SQLite.
    pub fn for_store(store: &Store, dir: PathBuf) -> ImageFiles {
        match store.backend() {
            store::Backend::Postgres => ImageFiles::Database(store.clone()),
            store::Backend::Sqlite => ImageFiles::Disk(dir),
        }
    }

    /// A configured bucket, or the reason it cannot be used.
    pub fn bucket(settings: &S3Settings) -> ImageFiles {
        match ObjectFiles::connect(settings) {
            Ok(objects) => ImageFiles::Objects(objects),
            Err(reason) => {
                tracing::error!(%reason, bucket = %settings.bucket, "the image bucket cannot be used; images are refused until it is fixed");
                ImageFiles::Unusable(format!(
                    "the image bucket {} cannot be used: {reason}",
                    settings.bucket
                ))
            }
        }
    }

    /// Where they are, in words (logs, /health/ready; no path or key in it).
    pub fn label(&self) -> String {
        match self {
            ImageFiles::Disk(_) => "local disk".to_owned(),
            ImageFiles::Database(_) => "the database".to_owned(),
            ImageFiles::Objects(o) => format!("S3 bucket {}", o.bucket),
            ImageFiles::Unusable(reason) => reason.clone(),
        }
    }

    fn disk_path(dir: &Path, key: &str, format: &str) -> PathBuf {
        dir.join(format!("{key}.{format}"))
    }

    pub async fn exists(&self, key: &str, format: &str) -> Result<bool, ImageError> {
        match self {
            ImageFiles::Disk(dir) => Ok(tokio::fs::try_exists(Self::disk_path(dir, key, format))
                .await
                .unwrap_or(false)),
            ImageFiles::Database(store) => store.image_file_exists(key).await.map_err(store_error),
            ImageFiles::Objects(o) => match o.objects.head(&o.path(key, format)).await {
                Ok(_) => Ok(true),
                Err(object_store::Error::NotFound { .. }) => Ok(false),
                Err(e) => Err(bucket_error(&e)),
            },
            ImageFiles::Unusable(reason) => Err(unusable(reason)),
        }
    }

    /// Stores the bytes whole: a reader never sees half an image.
    pub async fn write(&self, key: &str, format: &str, bytes: &[u8]) -> Result<(), ImageError> {
        match self {
            ImageFiles::Database(store) => {
                store.put_image_file(key, bytes).await.map_err(store_error)
            }
            ImageFiles::Disk(dir) => {
                let unsaved = |e: std::io::Error| {
                    ImageError::Unavailable(format!("cannot save the image: {e}"))
                };
                tokio::fs::create_dir_all(dir).await.map_err(|e| {
                    ImageError::Unavailable(format!("cannot create the image folder: {e}"))
                })?;
                // Written aside, then renamed.
                let partial = dir.join(format!("{key}.part"));
                tokio::fs::write(&partial, bytes).await.map_err(unsaved)?;
                tokio::fs::rename(&partial, Self::disk_path(dir, key, format))
                    .await
                    .map_err(unsaved)
            }
            // An S3 PUT is atomic.
            ImageFiles::Objects(o) => o
                .objects
                .put(&o.path(key, format), PutPayload::from(bytes.to_vec()))
                .await
                .map(drop)
                .map_err(|e| bucket_error(&e)),
            ImageFiles::Unusable(reason) => Err(unusable(reason)),
        }
    }

    /// The bytes, or `None` when they are gone.
    pub async fn read(&self, key: &str, format: &str) -> Result<Option<Vec<u8>>, ImageError> {
        match self {
            ImageFiles::Disk(dir) => Ok(tokio::fs::read(Self::disk_path(dir, key, format))
                .await
                .ok()),
            ImageFiles::Database(store) => store.image_file(key).await.map_err(store_error),
            ImageFiles::Objects(o) => {
                let fetched = match o.objects.get(&o.path(key, format)).await {
                    Ok(found) => found.bytes().await,
                    Err(e) => Err(e),
                };
                match fetched {
                    Ok(bytes) => Ok(Some(bytes.to_vec())),
                    Err(object_store::Error::NotFound { .. }) => Ok(None),
                    Err(e) => Err(bucket_error(&e)),
                }
            }
            ImageFiles::Unusable(reason) => Err(unusable(reason)),
        }
    }

    /// Removes the bytes; a failure is logged (the row is already gone, so nobody lists them).
    pub async fn remove(&self, key: &str, format: &str) {
        let outcome = match self {
            ImageFiles::Disk(dir) => {
                match tokio::fs::remove_file(Self::disk_path(dir, key, format)).await {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.to_string()),
                    _ => Ok(()),
                }
            }
            ImageFiles::Database(store) => store
                .delete_image_file(key)
                .await
                .map_err(|e| e.to_string()),
            ImageFiles::Objects(o) => match o.objects.delete(&o.path(key, format)).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(e) => Err(e.to_string()),
            },
            ImageFiles::Unusable(_) => Ok(()),
        };
        if let Err(e) = outcome {
            tracing::warn!(error = %e, key, "cannot remove an image's bytes");
        }
    }
}

fn bucket_error(e: &object_store::Error) -> ImageError {
    tracing::error!(error = %e, "image bucket error");
    match e {
        object_store::Error::PermissionDenied { .. } | object_store::Error::Unauthenticated { .. } => {
            ImageError::Unavailable(
                "The image storage refused this server's credentials; an administrator must check them."
                    .into(),
            )
        }
        _ => ImageError::Unavailable("The image storage is not answering; try again.".into()),
    }
}

fn unusable(reason: &str) -> ImageError {
    ImageError::Unavailable(format!("Images cannot be stored: {reason}."))
}

pub(crate) fn store_error(e: store::StoreError) -> ImageError {
    tracing::error!(error = %e, "image gallery store error");
    ImageError::Unavailable("The gallery database is not answering; try again.".into())
}
