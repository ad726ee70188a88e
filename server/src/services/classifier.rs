//! The image classifier, loaded in the background at start-up, and its jobs run one at a time
//! off the async threads.
//!
//! Two layers of taught classes: the shared ones, which only an administrator changes (on the
//! desk), and each visitor's own on top of them (`visitor_classifiers` rows), so a visitor's
//! teaching or reset changes only what that visitor sees.
//!
//! On PostgreSQL what users teach is shared: after a class is taught or the classes are reset,
//! the new state goes to the database and a `classifier` event tells the other instances, which
//! take it from there; a starting instance takes it too. On SQLite (one instance) the files in
//! CLASSIFIER_DIR are the state.

use crate::config::Config;
use crate::services::live::Hub;
use domain::classifier::{ClassInfo, Prediction, TeachReport};
use std::sync::{Arc, RwLock};
use std::time::Instant;
use store::{Backend, Store};
use vision::classifier::TaughtState;
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
    /// The database every instance shares (PostgreSQL only), and the hub that tells them.
    shared: Option<(Store, Hub)>,
    /// Where each visitor's own classes are kept (either backend).
    store: Store,
}

/// The live event that says the taught classes changed (the state itself is in the database).
const CHANGED: &str = "classifier";

/// Example images one visitor may teach, in all.
pub const VISITOR_MAX_IMAGES: usize = 60;
/// The bytes one visitor's classes may take (examples' features and head).
pub const VISITOR_MAX_BYTES: usize = 4 * 1024 * 1024;

impl ClassifierService {
    pub fn new(config: &Config, store: &Store, hub: &Hub) -> Self {
        Self {
            shared: (store.backend() == Backend::Postgres).then(|| (store.clone(), hub.clone())),
            settings: ClassifierSettings {
                weights: config.models_dir.join(vision::efficientnet::WEIGHTS_FILE),
                state_dir: config.classifier_dir.clone(),
                threshold: config.classifier_threshold,
            },
            state: RwLock::new(Load::Loading),
            running: tokio::sync::Semaphore::new(1),
            store: store.clone(),
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
        if let (Some((store, hub)), Ok(classifier)) = (&self.shared, self.ready()) {
            // The database holds what every instance was taught; take it, then take it again
            // whenever another instance changes it.
            take_shared(store, classifier.clone()).await;
            let (store, hub) = (store.clone(), hub.clone());
            tokio::spawn(async move {
                let mut subscription = hub.subscribe(None).await;
                while subscription.next_from_others(CHANGED).await.is_some() {
                    take_shared(&store, classifier.clone()).await;
                }
            });
        }
    }

    /// Teaches a shared class (an administrator's), then shares the new state.
    pub async fn teach_shared(
        &self,
        class: String,
        files: Vec<Vec<u8>>,
    ) -> Result<TeachReport, ClassifierError> {
        let report = self.run(move |c| c.teach(&class, &files)).await?;
        self.share().await;
        Ok(report)
    }

    /// Forgets every shared taught class, then shares that.
    pub async fn reset_shared(&self) -> Result<Vec<ClassInfo>, ClassifierError> {
        let classes = self.run(|c| c.reset().map(|()| c.class_info())).await?;
        self.share().await;
        Ok(classes)
    }

    /// The classes `visitor` taught, as kept in the database.
    async fn visitor_state(&self, visitor: &str) -> Result<Option<TaughtState>, ClassifierError> {
        self.store
            .visitor_classifier(visitor)
            .await
            .map(|row| row.map(|(taught, head)| TaughtState { taught, head }))
            .map_err(|e| {
                tracing::error!(error = %e, "cannot read a visitor's classes");
                ClassifierError::Unavailable(
                    "Your taught classes cannot be read right now; try again.".into(),
                )
            })
    }

    /// Teaches a class to `visitor` only, within their quota.
    pub async fn teach_visitor(
        &self,
        visitor: &str,
        class: String,
        files: Vec<Vec<u8>>,
    ) -> Result<TeachReport, ClassifierError> {
        let before = self.visitor_state(visitor).await?;
        let (state, report) = self
            .run(move |c| {
                let overlay = before.as_ref().map(|s| c.overlay(s)).transpose()?.flatten();
                let (overlay, report) = c.teach_overlay(overlay.as_ref(), &class, &files)?;
                if overlay.taught_images() > VISITOR_MAX_IMAGES {
                    return Err(VisionError::Invalid(format!(
                        "You have taught {VISITOR_MAX_IMAGES} example images, the most one visitor may; reset your classes to teach others."
                    )));
                }
                let state = overlay.to_state()?;
                if state.taught.len() + state.head.len() > VISITOR_MAX_BYTES {
                    return Err(VisionError::Invalid(format!(
                        "Your taught classes would take more than {} MB; reset them to teach others.",
                        VISITOR_MAX_BYTES / (1024 * 1024)
                    )));
                }
                Ok((state, report))
            })
            .await?;
        self.store
            .put_visitor_classifier(visitor, &state.taught, &state.head, chrono::Utc::now())
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "cannot keep a visitor's classes");
                ClassifierError::Unavailable("Your class could not be saved; try again.".into())
            })?;
        Ok(report)
    }

    /// Forgets what `visitor` taught: they see the shared classes again.
    pub async fn reset_visitor(&self, visitor: &str) -> Result<Vec<ClassInfo>, ClassifierError> {
        let classifier = self.ready()?;
        self.store
            .delete_visitor_classifier(visitor)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "cannot forget a visitor's classes");
                ClassifierError::Unavailable("Your classes could not be reset; try again.".into())
            })?;
        Ok(classifier.class_info())
    }

    /// Classifies with `visitor`'s own classes on top of the shared ones.
    pub async fn predict_for(
        &self,
        visitor: &str,
        bytes: Vec<u8>,
        threshold: Option<f32>,
    ) -> Result<Prediction, ClassifierError> {
        let state = self.visitor_state(visitor).await?;
        self.run(move |c| {
            let overlay = state.as_ref().map(|s| c.overlay(s)).transpose()?.flatten();
            c.predict_with(&bytes, threshold, overlay.as_ref())
        })
        .await
    }

    /// The classes `visitor` sees: the shared ones and their own.
    pub async fn classes_for(&self, visitor: &str) -> Result<Vec<ClassInfo>, ClassifierError> {
        let state = self.visitor_state(visitor).await?;
        self.run(move |c| {
            let overlay = state.as_ref().map(|s| c.overlay(s)).transpose()?.flatten();
            Ok(c.class_info_with(overlay.as_ref()))
        })
        .await
    }

    /// Writes this instance's taught state to the database and tells the others.
    async fn share(&self) {
        let Some((store, hub)) = &self.shared else {
            return;
        };
        let state = match self.run(|c| c.taught_state()).await {
            Ok(state) => state,
            Err(e) => {
                tracing::error!(error = ?e, "cannot read the taught classes to share them");
                return;
            }
        };
        let now = chrono::Utc::now().timestamp_millis();
        let files = state
            .as_ref()
            .map(|s| (s.taught.as_slice(), s.head.as_slice()));
        match store.put_classifier_state(files, now).await {
            Ok(()) => hub.publish_to_staff(
                CHANGED,
                &domain::api::desk::ClassifierChanged {
                    taught: state.is_some(),
                },
            ),
            Err(e) => {
                tracing::error!(error = %e, "cannot share the taught classes; other instances keep theirs")
            }
        }
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

/// Takes the taught state every instance shares from the database (none: the shipped head).
async fn take_shared(store: &Store, classifier: Arc<Classifier>) {
    let state = match store.classifier_state().await {
        Ok(state) => state.map(|(taught, head)| TaughtState { taught, head }),
        Err(e) => {
            tracing::error!(error = %e, "cannot read the shared taught classes");
            return;
        }
    };
    match tokio::task::spawn_blocking(move || classifier.restore(state.as_ref())).await {
        Ok(Ok(())) => tracing::info!("taught classes taken from the database"),
        Ok(Err(e)) => tracing::error!(error = %e, "cannot take the shared taught classes"),
        Err(e) => tracing::error!(error = %e, "taking the shared taught classes stopped"),
    }
}
