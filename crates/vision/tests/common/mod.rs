//! Paths the tests share: the converted weights in MODELS_DIR (scripts/fetch-models.sh puts them
//! there) and the CIFAR-10 subset in ../shared/data (CI lays shared/ beside the clone).
#![allow(dead_code)]

use std::path::PathBuf;

pub fn weights() -> PathBuf {
    let dir = std::env::var("MODELS_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../models").into());
    PathBuf::from(dir).join(vision::efficientnet::WEIGHTS_FILE)
}

/// The CIFAR-10 subset, or `None` after a loud message when it is absent (a bare clone has no
/// `../shared`; CI has it): the test that needs it skips.
pub fn cifar(test: &str) -> Option<PathBuf> {
    let dir = std::env::var("CIFAR_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/data/cifar10-subset"
            ))
        });
    if dir.join("train").is_dir() {
        return Some(dir);
    }
    eprintln!(
        "\n!!! SKIPPED {test}: the CIFAR-10 subset is not at {} (it lives in ../shared/data, \
         which a bare clone does not have; set CIFAR_DIR to run it)\n",
        dir.display()
    );
    None
}
