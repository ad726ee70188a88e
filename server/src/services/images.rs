//! Text-to-image: the image service over the providers the configuration names (Stability,
//! OpenAI, or an OpenAI-compatible server), with its cache and gallery in the store and the
//! bytes where the configuration says (a bucket, the database, or a folder).

use crate::config::Config;
use imagegen::{ImageFiles, ImageProvider, ImageService, OpenAiImages, Stability};
use secrecy::ExposeSecret;
use std::sync::Arc;

/// The image service over the providers the configuration allows.
pub fn service(config: &Config, store: store::Store) -> ImageService {
    let service = ImageService::new(
        store,
        config.images_dir.clone(),
        build_providers(config),
        config.image_gallery_max,
    );
    let service = match &config.image_bucket {
        Some(bucket) => service.with_files(ImageFiles::bucket(bucket)),
        None => service,
    };
    tracing::info!(storage = %service.storage(), "where generated images are kept");
    service
}

/// The providers the configuration allows, in order of preference (one that fails to build is
/// logged and left out).
pub fn build_providers(config: &Config) -> Vec<Arc<dyn ImageProvider>> {
    let mut providers: Vec<Arc<dyn ImageProvider>> = Vec::new();
    if let Some(key) = &config.stability_key {
        match Stability::new(
            key.expose_secret().to_owned(),
            config
                .stability_base_url
                .as_ref()
                .map(|u| u.as_str().trim_end_matches('/').to_owned()),
            Some(config.stability_model.clone()),
        ) {
            Ok(p) => providers.push(Arc::new(p)),
            Err(e) => tracing::error!(error = %e, "Stability provider unavailable"),
        }
    }
    if let Some(base) = &config.openai_image_base_url {
        providers.push(Arc::new(OpenAiImages::new(
            config
                .openai_api_key
                .as_ref()
                .map(|k| k.expose_secret().to_owned()),
            Some(base.as_str().trim_end_matches('/').to_owned()),
            config.openai_image_model.clone(),
        )));
    } else if let Some(key) = &config.openai_api_key {
        providers.push(Arc::new(OpenAiImages::new(
            Some(key.expose_secret().to_owned()),
            None,
            config.openai_image_model.clone(),
        )));
    }
    providers
}
