//! The classifier as shipped, on the held-out CIFAR-10 test photos, as a visitor's uploads reach
//! it (file bytes through `Classifier::predict`): its accuracy must not fall under the floor
//! (just under what `scripts/train-classifier.sh` reached), and taught classes from an earlier
//! network are not mixed with this one's.
// A test stops at a failed step: unwrap and expect are what it means here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use vision::{Classifier, ClassifierSettings, Confusion};

/// What the shipped classifier must keep on `cifar10-subset/test` (296 photos), top class.
const ACCURACY_FLOOR: f64 = 0.90;

/// The shipped classifier, keeping what is taught in `dir`.
fn shipped(dir: &tempfile::TempDir) -> Classifier {
    Classifier::load(ClassifierSettings {
        weights: common::weights(),
        state_dir: dir.path().to_path_buf(),
        threshold: 0.6,
    })
    .expect("run scripts/fetch-models.sh")
}

#[test]
fn the_shipped_classifier_keeps_its_accuracy_on_the_held_out_photos() {
    let Some(cifar) =
        common::cifar("the_shipped_classifier_keeps_its_accuracy_on_the_held_out_photos")
    else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let classifier = shipped(&dir);
    let classes = classifier.classes();
    let mut confusion = Confusion::new(classes.clone());
    let mut photos = 0;
    for class_dir in std::fs::read_dir(cifar.join("test")).expect("test folder") {
        let class_dir = class_dir.expect("entry").path();
        let truth = vision::canonical_class(&class_dir.file_name().unwrap().to_string_lossy())
            .expect("class name");
        let t = classes
            .iter()
            .position(|c| *c == truth)
            .expect("a shipped class");
        for photo in std::fs::read_dir(&class_dir).expect("class folder") {
            let bytes = std::fs::read(photo.expect("entry").path()).expect("photo");
            let p = classifier.predict(&bytes, Some(0.0)).expect("prediction");
            let guess = classes
                .iter()
                .position(|c| *c == p.top_class)
                .expect("known");
            confusion.add(t, guess);
            photos += 1;
        }
    }
    println!(
        "{photos} photos, accuracy {:.1}%\n{}",
        100.0 * confusion.accuracy(),
        confusion.render()
    );
    assert_eq!(photos, 296);
    assert!(
        confusion.accuracy() >= ACCURACY_FLOOR,
        "accuracy {:.3} fell under the floor {ACCURACY_FLOOR}",
        confusion.accuracy()
    );
}

#[test]
fn classes_taught_on_an_earlier_network_are_not_mixed_in() {
    let dir = tempfile::tempdir().expect("temp dir");
    let classifier = shipped(&dir);
    // A visitor's classes kept before the tail was fine-tuned: features of ImageNet's tail.
    let mut bank = vision::Bank {
        extractor: "original".into(),
        ..vision::Bank::default()
    };
    for i in 0..4 {
        let mut x = vec![0.0f32; vision::efficientnet::FEATURES];
        x[i] = 1.0;
        bank.push(if i % 2 == 0 { "cat" } else { "dog" }, &x);
    }
    let head = vision::Head::train(&bank, &vision::TrainOptions::default()).expect("head");
    let state = vision::classifier::TaughtState {
        taught: bank.to_bytes().expect("bank"),
        head: head.to_bytes().expect("head"),
    };
    assert!(classifier.overlay(&state).expect("readable").is_none());
    // The same for the shared classes another instance kept.
    classifier.restore(Some(&state)).expect("restore");
    assert!(!classifier.classes().contains(&"cat".to_string()));
}
