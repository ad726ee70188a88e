//! Labelled image folders: one sub-folder per class (`train/bird/*.jpg`, `train/airplane/*.png`),
//! images recognised by content, split into training and validation sets by a seeded shuffle.

use crate::augment::Rng;
use crate::{VisionError, VisionResult, canonical_class, preprocess};
use image::RgbImage;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct Example {
    pub class: String,
    pub path: PathBuf,
    pub image: RgbImage,
}

/// Every readable image under `root/<class>/`, in a stable order. Files that are not images are
/// skipped with a warning; a folder with no classes is an error.
pub fn load_folder(root: &Path) -> VisionResult<Vec<Example>> {
    let mut class_dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .map_err(|e| VisionError::Invalid(format!("cannot read {}: {e}", root.display())))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    class_dirs.sort();
    let mut examples = Vec::new();
    for dir in class_dirs {
        let Some(class) = dir
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(canonical_class)
        else {
            tracing::warn!(folder = %dir.display(), "skipping a folder whose name is not a class name");
            continue;
        };
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        for path in files {
            match std::fs::read(&path)
                .map_err(VisionError::from)
                .and_then(|bytes| preprocess::decode(&bytes))
            {
                Ok(image) => examples.push(Example {
                    class: class.clone(),
                    path,
                    image,
                }),
                Err(e) => tracing::warn!(file = %path.display(), error = %e, "skipping a file"),
            }
        }
    }
    if examples.is_empty() {
        return Err(VisionError::Invalid(format!(
            "{} has no class folders with images in them",
            root.display()
        )));
    }
    Ok(examples)
}

pub fn class_counts(examples: &[Example]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for e in examples {
        *counts.entry(e.class.clone()).or_insert(0) += 1;
    }
    counts
}

/// A stratified split: `fraction` of each class goes to validation (at least one example where a
/// class has two or more).
pub fn split(examples: Vec<Example>, fraction: f64, seed: u64) -> (Vec<Example>, Vec<Example>) {
    let mut by_class: BTreeMap<String, Vec<Example>> = BTreeMap::new();
    for e in examples {
        by_class.entry(e.class.clone()).or_default().push(e);
    }
    let mut rng = Rng::new(seed);
    let (mut train, mut validation) = (Vec::new(), Vec::new());
    for (_, mut items) in by_class {
        rng.shuffle(&mut items);
        let n = items.len();
        let mut held = (n as f64 * fraction).round() as usize;
        if fraction > 0.0 && n >= 2 {
            held = held.clamp(1, n - 1);
        }
        validation.extend(items.drain(..held.min(n)));
        train.extend(items);
    }
    (train, validation)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_class_folders_skips_junk_and_splits_per_class() -> VisionResult<()> {
        let dir = tempfile::tempdir()?;
        for (class, n) in [("Airplane", 10), ("bird", 4)] {
            std::fs::create_dir_all(dir.path().join(class))?;
            for i in 0..n {
                RgbImage::from_pixel(8, 8, image::Rgb([i as u8 * 20, 0, 0]))
                    .save(dir.path().join(class).join(format!("{i}.png")))
                    .map_err(|e| VisionError::Invalid(e.to_string()))?;
            }
        }
        std::fs::write(dir.path().join("bird/notes.txt"), "not an image")?;
        let examples = load_folder(dir.path())?;
        assert_eq!(
            class_counts(&examples),
            BTreeMap::from([("bird".into(), 4), ("plane".into(), 10)])
        );
        let (train, val) = split(examples, 0.2, 3);
        assert_eq!(
            class_counts(&val),
            BTreeMap::from([("bird".into(), 1), ("plane".into(), 2)])
        );
        assert_eq!(train.len(), 11);
        assert!(load_folder(&dir.path().join("bird")).is_err());
        Ok(())
    }
}
