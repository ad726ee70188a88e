//! The image classifier, loaded in the background at start-up, and its jobs run one at a time
//! off the async threads.

use crate::config::Config;
use std::sync::{Arc, RwLock};
use std::time::Instant;
use vision::{Classifier, ClassifierSettings, VisionError};

/// Where the classifier stands (`/health/ready`).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ClassifierStatus {
    Loading,
    Ready {
        model: &'static str,
        classes: Vec<String>,
    },
    Failed {
        error: String,
    },
}

/// Why the classifier did not answer: `http::classifier` turns each into a status and a code.
#[derive(Debug)]
pub enum ClassifierError {
    /// Still loading at start-up.
    Loading,
    /// It failed to load, or is shutting down (the reason).
    Unavailable(String),
    /// The job itself broke (logged).
    Internal,
    /// The input or the model refused (a bad image, too large, an unknown class…).
    Vision(VisionError),
}

enum Load {
    Loading,
    Ready(Arc<Classifier>),
    Failed(String),
}

/// The classifier, loaded in the background at start-up; requests before then get a 503 that
/// says so. One inference at a time: candle already spreads one over every core.
pub struct ClassifierService {
    settings: ClassifierSettings,
    state: RwLock<Load>,
    running: tokio::sync::Semaphore,
}

impl ClassifierService {
    pub fn new(config: &Config) -> Self {
        Self {
            settings: ClassifierSettings {
                weights: config.models_dir.join(vision::efficientnet::WEIGHTS_FILE),
                state_dir: config.classifier_dir.clone(),
                threshold: config.classifier_threshold,
            },
            state: RwLock::new(Load::Loading),
            running: tokio::sync::Semaphore::new(1),
        }
    }

    pub async fn load(&self) {
        let settings = self.settings.clone();
        let started = Instant::now();
        let loaded = tokio::task::spawn_blocking(move || Classifier::load(settings))
            .await
            .unwrap_or_else(|e| Err(VisionError::Model(format!("the loader stopped: {e}"))));
        let next = match loaded {
            Ok(classifier) => {
                tracing::info!(
                    classes = ?classifier.classes(),
                    ms = started.elapsed().as_millis() as u64,
                    "image classifier ready"
                );
                Load::Ready(Arc::new(classifier))
            }
            Err(e) => {
                tracing::error!(error = %e, "image classifier unavailable");
                Load::Failed(e.to_string())
            }
        };
        *self.state.write().unwrap_or_else(|p| p.into_inner()) = next;
    }

    /// The loaded classifier, or why there is none yet.
    pub fn ready(&self) -> Result<Arc<Classifier>, ClassifierError> {
        match &*self.state.read().unwrap_or_else(|p| p.into_inner()) {
            Load::Ready(c) => Ok(c.clone()),
            Load::Loading => Err(ClassifierError::Loading),
            Load::Failed(why) => Err(ClassifierError::Unavailable(why.clone())),
        }
    }

    /// For /health/ready: loading, ready or failed with the reason.
    pub fn status(&self) -> ClassifierStatus {
        match &*self.state.read().unwrap_or_else(|p| p.into_inner()) {
            Load::Loading => ClassifierStatus::Loading,
            Load::Ready(c) => ClassifierStatus::Ready {
                model: "EfficientNet-Lite0",
                classes: c.classes(),
            },
            Load::Failed(why) => ClassifierStatus::Failed { error: why.clone() },
        }
    }

    /// Runs blocking classifier work off the async threads, one job at a time.
    pub async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(Arc<Classifier>) -> Result<T, VisionError> + Send + 'static,
    ) -> Result<T, ClassifierError> {
        let classifier = self.ready()?;
        let _permit =
            self.running.acquire().await.map_err(|_| {
                ClassifierError::Unavailable("The classifier is shutting down.".into())
            })?;
        tokio::task::spawn_blocking(move || job(classifier))
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "classifier task failed");
                ClassifierError::Internal
            })?
            .map_err(ClassifierError::Vision)
    }
}
