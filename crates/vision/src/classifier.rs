//! The classifier a service uses: the backbone, the shipped head (trained by `classifier-train` on
//! the CIFAR bird / airplane / other photos plus drawn Superman emblems), and what users taught on
//! top of it, kept on disk so it survives restarts.

use crate::augment::{self, Rng};
use crate::efficientnet::EfficientNetLite0;
use crate::head::{Bank, Head, TrainOptions, argmax, softmax};
use crate::tail::TailWeights;
use crate::{VisionError, VisionResult, canonical_class, imagenet, preprocess};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::RwLock;
use std::time::Instant;

/// The fine-tuned tail, the head and the feature bank this project trained and ships (see
/// `scripts/train-classifier.sh`).
const SHIPPED_TAIL: &[u8] = include_bytes!("../shipped/tail.safetensors");
const SHIPPED_HEAD: &[u8] = include_bytes!("../shipped/head.safetensors");
const SHIPPED_BANK: &[u8] = include_bytes!("../shipped/bank.safetensors");

/// The class that answers when the head is not confident enough.
pub const OTHER: &str = "other";
/// Classes taught on top of the shipped ones, at most.
pub const MAX_CLASSES: usize = 12;
/// Images in one teaching request, at most.
pub const MAX_TEACH_IMAGES: usize = 20;
/// Feature vectors a taught image adds: itself, its mirror and random crops.
const VIEWS_PER_TAUGHT_IMAGE: usize = 4;

#[derive(Debug, Clone)]
pub struct ClassifierSettings {
    /// The converted EfficientNet-Lite0 weights.
    pub weights: PathBuf,
    /// Where taught examples and the retrained head are kept.
    pub state_dir: PathBuf,
    /// Default confidence under which the answer is "other".
    pub threshold: f32,
}

pub use domain::classifier::{ClassInfo, ImagenetGuess, Prediction, TeachReport};

struct State {
    head: Head,
    taught: Bank,
}

/// The taught examples and the head trained on them, as file bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaughtState {
    pub taught: Vec<u8>,
    pub head: Vec<u8>,
}

/// What one visitor taught on top of the shared classes: their examples, and the head trained on
/// the shipped examples, the shared taught ones and theirs. Kept by the caller (the server keeps
/// one per visitor in the database), never on this classifier.
#[derive(Clone)]
pub struct Overlay {
    head: Head,
    taught: Bank,
}

impl Overlay {
    pub fn from_state(state: &TaughtState) -> VisionResult<Overlay> {
        Ok(Overlay {
            taught: Bank::from_bytes(&state.taught)?,
            head: Head::from_bytes(&state.head)?,
        })
    }

    /// The bytes to keep.
    pub fn to_state(&self) -> VisionResult<TaughtState> {
        Ok(TaughtState {
            taught: self.taught.to_bytes()?,
            head: self.head.to_bytes()?,
        })
    }

    /// The example images this visitor taught.
    pub fn taught_images(&self) -> usize {
        self.taught.len() / VIEWS_PER_TAUGHT_IMAGE
    }
}

pub struct Classifier {
    backbone: EfficientNetLite0,
    /// The id of the tail the features come from: taught examples of another tail are dropped.
    extractor: String,
    shipped_head: Head,
    shipped_bank: Bank,
    state: RwLock<State>,
    settings: ClassifierSettings,
}

fn taught_path(dir: &Path) -> PathBuf {
    dir.join("taught.safetensors")
}

fn head_path(dir: &Path) -> PathBuf {
    dir.join("head.safetensors")
}

impl Classifier {
    /// Loads the backbone with the shipped tail and head, then whatever users taught earlier.
    pub fn load(settings: ClassifierSettings) -> VisionResult<Self> {
        let tail = TailWeights::from_bytes(SHIPPED_TAIL)?;
        let extractor = tail.id().to_owned();
        let backbone = tail.adapt(EfficientNetLite0::load(&settings.weights)?)?;
        let shipped_head = Head::from_bytes(SHIPPED_HEAD)?;
        let shipped_bank = Bank::from_bytes(SHIPPED_BANK)?;
        let fresh = || State {
            head: shipped_head.clone(),
            taught: Bank::empty(&extractor),
        };
        let state = match Self::load_taught(&settings.state_dir) {
            Ok(Some(state)) if state.taught.extractor == extractor => state,
            Ok(Some(_)) => {
                tracing::warn!(dir = %settings.state_dir.display(), "taught classes were learnt from an earlier network; starting from the shipped classes");
                fresh()
            }
            Ok(None) => fresh(),
            Err(e) => {
                tracing::warn!(error = %e, dir = %settings.state_dir.display(), "taught classes unreadable; using the shipped head");
                fresh()
            }
        };
        Ok(Self {
            backbone,
            extractor,
            shipped_head,
            shipped_bank,
            state: RwLock::new(state),
            settings,
        })
    }

    /// A visitor's kept classes, or `None` when they were learnt from another network's
    /// features (an update replaced the tail): those are not comparable, so the visitor starts
    /// again from the shared classes.
    pub fn overlay(&self, state: &TaughtState) -> VisionResult<Option<Overlay>> {
        let overlay = Overlay::from_state(state)?;
        if overlay.taught.extractor != self.extractor {
            tracing::info!("a visitor's classes were learnt from an earlier network; ignored");
            return Ok(None);
        }
        Ok(Some(overlay))
    }

    fn load_taught(dir: &Path) -> VisionResult<Option<State>> {
        let (taught, head) = (taught_path(dir), head_path(dir));
        if !taught.exists() || !head.exists() {
            return Ok(None);
        }
        Ok(Some(State {
            taught: Bank::from_bytes(&std::fs::read(taught)?)?,
            head: Head::from_bytes(&std::fs::read(head)?)?,
        }))
    }

    pub fn default_threshold(&self) -> f32 {
        self.settings.threshold
    }

    pub fn classes(&self) -> Vec<String> {
        self.read_state().head.classes.clone()
    }

    fn read_state(&self) -> std::sync::RwLockReadGuard<'_, State> {
        // A panic while holding the lock leaves the state as it was before the write began.
        self.state
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn class_info(&self) -> Vec<ClassInfo> {
        self.class_info_with(None)
    }

    /// The classes a visitor sees: the shared ones and their own (`overlay`).
    pub fn class_info_with(&self, overlay: Option<&Overlay>) -> Vec<ClassInfo> {
        let state = self.read_state();
        // The training run records its pictures per class; the bank holds several views of each.
        let shipped: BTreeMap<String, usize> = self
            .shipped_head
            .metadata
            .get("images")
            .and_then(|json| serde_json::from_str(json).ok())
            .unwrap_or_else(|| self.shipped_bank.counts());
        let mut taught = state.taught.counts();
        if let Some(overlay) = overlay {
            for (class, n) in overlay.taught.counts() {
                *taught.entry(class).or_default() += n;
            }
        }
        overlay
            .map_or(&state.head, |o| &o.head)
            .classes
            .iter()
            .map(|name| ClassInfo {
                name: name.clone(),
                shipped_examples: shipped.get(name).copied().unwrap_or(0),
                taught_images: taught.get(name).copied().unwrap_or(0) / VIEWS_PER_TAUGHT_IMAGE,
            })
            .collect()
    }

    /// Training figures stored with the shipped head (accuracy, examples, date).
    pub fn shipped_metadata(&self) -> &BTreeMap<String, String> {
        &self.shipped_head.metadata
    }

    /// Classifies an upload. `threshold` defaults to the configured one; it must lie in [0, 1].
    pub fn predict(&self, bytes: &[u8], threshold: Option<f32>) -> VisionResult<Prediction> {
        self.predict_with(bytes, threshold, None)
    }

    /// Classifies an upload with a visitor's own classes (`overlay`) on top of the shared ones.
    pub fn predict_with(
        &self,
        bytes: &[u8],
        threshold: Option<f32>,
        overlay: Option<&Overlay>,
    ) -> VisionResult<Prediction> {
        let threshold = threshold.unwrap_or(self.settings.threshold);
        if !(0.0..=1.0).contains(&threshold) || threshold.is_nan() {
            return Err(VisionError::Invalid(
                "confidence_threshold must be between 0 and 1.".into(),
            ));
        }
        let image = preprocess::decode(bytes)?;
        let started = Instant::now();
        let output = self
            .backbone
            .forward(&preprocess::batch(std::slice::from_ref(&image))?)?;
        let features = output.features.flatten_all()?.to_vec1::<f32>()?;
        let mut imagenet_probs = output.logits.flatten_all()?.to_vec1::<f32>()?;
        softmax(&mut imagenet_probs);
        let state = self.read_state();
        let head = overlay.map_or(&state.head, |o| &o.head);
        let probs = head.probabilities(&features);
        let classes = &head.classes;
        let top = argmax(&probs);
        let top_prob = probs[top];
        let top_class = classes[top].clone();
        let threshold_applied = top_prob < threshold && top_class != OTHER;
        let labels = imagenet::labels();
        let mut order: Vec<usize> = (0..imagenet_probs.len()).collect();
        order.sort_by(|&a, &b| imagenet_probs[b].total_cmp(&imagenet_probs[a]));
        Ok(Prediction {
            predicted_class: if threshold_applied {
                OTHER.into()
            } else {
                top_class.clone()
            },
            confidence: top_prob,
            top_class,
            top_prob,
            confidence_threshold: threshold,
            all_probs: classes.iter().cloned().zip(probs.iter().copied()).collect(),
            threshold_applied,
            imagenet_top: order
                .iter()
                .take(5)
                .map(|&i| ImagenetGuess {
                    label: labels.get(i).copied().unwrap_or("?").to_owned(),
                    probability: imagenet_probs[i],
                })
                .collect(),
            imagenet_bird: (0..1000)
                .filter(|&i| imagenet::is_bird(i))
                .map(|i| imagenet_probs[i])
                .sum(),
            imagenet_plane: (0..1000)
                .filter(|&i| imagenet::is_plane(i))
                .map(|i| imagenet_probs[i])
                .sum(),
            width: image.width(),
            height: image.height(),
            inference_ms: started.elapsed().as_secs_f64() * 1000.0,
            elapsed_ms: None,
        })
    }

    /// Checks a teaching request and returns the class's canonical name and the feature vectors
    /// of the examples' views. `classes` are the ones the teacher already sees.
    fn examples(
        &self,
        classes: &[String],
        class: &str,
        uploads: &[Vec<u8>],
    ) -> VisionResult<(String, Vec<Vec<f32>>)> {
        let class = canonical_class(class).ok_or_else(|| {
            VisionError::Invalid(
                "A class name needs 1 to 32 letters, digits, spaces or dashes.".into(),
            )
        })?;
        if class == OTHER {
            return Err(VisionError::Invalid(
                "\"other\" is what the classifier answers when it is unsure; teach a named class instead.".into(),
            ));
        }
        if uploads.is_empty() || uploads.len() > MAX_TEACH_IMAGES {
            return Err(VisionError::Invalid(format!(
                "Send between 1 and {MAX_TEACH_IMAGES} example images."
            )));
        }
        let mut images = Vec::with_capacity(uploads.len());
        for (i, bytes) in uploads.iter().enumerate() {
            images.push(
                preprocess::decode(bytes)
                    .map_err(|e| VisionError::BadImage(format!("Example {}: {e}", i + 1)))?,
            );
        }
        if !classes.contains(&class) && classes.len() >= MAX_CLASSES {
            return Err(VisionError::Invalid(format!(
                "There are already {MAX_CLASSES} classes; reset to the shipped classes first."
            )));
        }
        let mut rng = Rng::new(uploads.iter().map(|b| b.len() as u64).sum());
        let mut views = Vec::with_capacity(images.len() * VIEWS_PER_TAUGHT_IMAGE);
        for image in &images {
            views.extend(augment::views(image, VIEWS_PER_TAUGHT_IMAGE, &mut rng));
        }
        Ok((class, self.backbone.features(&views)?))
    }

    /// Adds example images to a shared class (new or existing), retrains the shared head on the
    /// shipped bank plus everything taught, and saves both. Every visitor sees the result.
    pub fn teach(&self, class: &str, uploads: &[Vec<u8>]) -> VisionResult<TeachReport> {
        let classes = self.classes();
        let started = Instant::now();
        let (class, features) = self.examples(&classes, class, uploads)?;

        // Teaching is rare and takes seconds: hold the write lock throughout so two teachers
        // cannot interleave, while predictions wait briefly.
        let mut state = self.state.write().unwrap_or_else(|p| p.into_inner());
        let mut taught = state.taught.clone();
        for f in &features {
            taught.push(&class, f);
        }
        let head = self.retrain(&taught)?;
        std::fs::create_dir_all(&self.settings.state_dir)?;
        taught.save(&taught_path(&self.settings.state_dir))?;
        head.save(&head_path(&self.settings.state_dir))?;
        *state = State { head, taught };
        drop(state);
        Ok(TeachReport {
            class,
            images_added: uploads.len(),
            classes: self.class_info(),
            train_ms: started.elapsed().as_secs_f64() * 1000.0,
        })
    }

    /// Teaches a class to one visitor only: their examples are added to `overlay` (none yet:
    /// a new one) and a head is trained on the shipped and shared examples plus theirs. Nothing
    /// shared changes; the caller keeps the returned overlay.
    pub fn teach_overlay(
        &self,
        overlay: Option<&Overlay>,
        class: &str,
        uploads: &[Vec<u8>],
    ) -> VisionResult<(Overlay, TeachReport)> {
        let classes = match overlay {
            Some(o) => o.head.classes.clone(),
            None => self.classes(),
        };
        let started = Instant::now();
        let (class, features) = self.examples(&classes, class, uploads)?;
        let mut own = overlay
            .map(|o| o.taught.clone())
            .unwrap_or_else(|| Bank::empty(&self.extractor));
        for f in &features {
            own.push(&class, f);
        }
        let mut all = self.read_state().taught.clone();
        all.extend(&own);
        let head = self.retrain(&all)?;
        let overlay = Overlay { head, taught: own };
        let report = TeachReport {
            class,
            images_added: uploads.len(),
            classes: self.class_info_with(Some(&overlay)),
            train_ms: started.elapsed().as_secs_f64() * 1000.0,
        };
        Ok((overlay, report))
    }

    fn retrain(&self, taught: &Bank) -> VisionResult<Head> {
        let mut all = self.shipped_bank.clone();
        all.extend(taught);
        let mut head = Head::train(&all, &TrainOptions::default())?;
        head.metadata
            .insert("trained_on".into(), serde_json::to_string(&all.counts())?);
        Ok(head)
    }

    /// What users taught, as the bytes of its two files (`None`: nothing taught), so that other
    /// instances can take the same state.
    pub fn taught_state(&self) -> VisionResult<Option<TaughtState>> {
        let _state = self.read_state();
        let (taught, head) = (
            taught_path(&self.settings.state_dir),
            head_path(&self.settings.state_dir),
        );
        if !taught.exists() || !head.exists() {
            return Ok(None);
        }
        Ok(Some(TaughtState {
            taught: std::fs::read(taught)?,
            head: std::fs::read(head)?,
        }))
    }

    /// Takes what another instance taught (`None`: nothing, the shipped head), keeping the files
    /// here too so a restart starts from it.
    pub fn restore(&self, taught: Option<&TaughtState>) -> VisionResult<()> {
        let Some(taught) = taught else {
            return self.reset();
        };
        let next = State {
            taught: Bank::from_bytes(&taught.taught)?,
            head: Head::from_bytes(&taught.head)?,
        };
        if next.taught.extractor != self.extractor {
            tracing::warn!("shared taught classes were learnt from an earlier network; ignored");
            return self.reset();
        }
        let mut state = self.state.write().unwrap_or_else(|p| p.into_inner());
        std::fs::create_dir_all(&self.settings.state_dir)?;
        std::fs::write(taught_path(&self.settings.state_dir), &taught.taught)?;
        std::fs::write(head_path(&self.settings.state_dir), &taught.head)?;
        *state = next;
        Ok(())
    }

    /// Forgets everything taught: back to the shipped head.
    pub fn reset(&self) -> VisionResult<()> {
        let mut state = self.state.write().unwrap_or_else(|p| p.into_inner());
        for path in [
            taught_path(&self.settings.state_dir),
            head_path(&self.settings.state_dir),
        ] {
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e.into()),
            }
        }
        *state = State {
            head: self.shipped_head.clone(),
            taught: Bank::empty(&self.extractor),
        };
        Ok(())
    }
}
