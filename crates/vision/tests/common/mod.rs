//! Paths the tests share: the converted weights in MODELS_DIR (scripts/fetch-models.sh puts them
//! there) and the CIFAR-10 subset in ../shared/data (CI lays shared/ beside the clone).
#![allow(dead_code)]

use std::path::PathBuf;

pub fn weights() -> PathBuf {
    let dir = std::env::var("MODELS_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../models").into());
    PathBuf::from(dir).join(vision::efficientnet::WEIGHTS_FILE)
}

pub fn cifar() -> PathBuf {
    let dir = std::env::var("CIFAR_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/data/cifar10-subset"
            ))
        });
    assert!(
        dir.join("train").is_dir(),
        "the CIFAR-10 subset is not at {} (set CIFAR_DIR)",
        dir.display()
    );
    dir
}
