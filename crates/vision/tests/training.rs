//! A short real training run on the CIFAR-10 subset, and what teaching does to a classifier that
//! is loaded again from its folder (a server restart).
// A test stops at a failed step: unwrap and expect are what it means here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use vision::dataset::{self, Example};
use vision::training::{self, TrainConfig};
use vision::{Classifier, ClassifierSettings, EfficientNetLite0, TrainOptions};

/// The first `n` pictures of each class.
fn first_per_class(examples: Vec<Example>, n: usize) -> Vec<Example> {
    let mut kept: Vec<Example> = Vec::new();
    for e in examples {
        if kept.iter().filter(|k| k.class == e.class).count() < n {
            kept.push(e);
        }
    }
    kept
}

#[test]
fn a_short_run_on_cifar_learns_bird_plane_and_other() {
    let Some(cifar) = common::cifar("a_short_run_on_cifar_learns_bird_plane_and_other") else {
        return;
    };
    let net = EfficientNetLite0::load(&common::weights()).expect("run scripts/fetch-models.sh");
    let train = first_per_class(
        dataset::load_folder(&cifar.join("train")).expect("train"),
        40,
    );
    let test = first_per_class(dataset::load_folder(&cifar.join("test")).expect("test"), 25);
    let config = TrainConfig {
        validation: 0.2,
        views: 2,
        drawn_superman: 16,
        seed: 7,
        options: TrainOptions {
            steps: 150,
            ..Default::default()
        },
        fine_tune: vision::tail::FineTuneOptions {
            epochs: 1,
            batch: 32,
            ..Default::default()
        },
        bank_per_class: 20,
    };
    let dir = tempfile::tempdir().unwrap();
    let cache = training::TrunkCache {
        path: dir.path().join("trunks.safetensors"),
    };
    let (mut trunk_calls, mut epochs) = (0, 0);
    let trained = training::train(&net, train.clone(), &config, Some(&cache), |p| match p {
        training::Progress::Trunks { done, total } => {
            trunk_calls += 1;
            assert!(done <= total);
        }
        training::Progress::Epoch(_) => epochs += 1,
    })
    .expect("training");
    assert!(trunk_calls > 1, "progress is reported");
    assert_eq!(epochs, 1);
    assert_eq!(trained.head.classes.len(), 4);
    assert_eq!(trained.report.images["superman"], 16);
    assert_eq!(
        trained.report.feature_vectors,
        trained.report.train_images * 2
    );
    assert!(
        trained.bank.counts().values().all(|&n| n <= 20),
        "the shipped bank is capped"
    );
    assert!(trained.tail.id().starts_with("fine-tuned"));
    assert_eq!(trained.bank.extractor, trained.tail.id());
    assert!(trained.head.temperature > 0.0);
    // A second run with the same pictures reads the trunks from the cache.
    assert!(cache.path.exists());
    let mut computed = false;
    training::train(&net, train, &config, Some(&cache), |p| {
        computed |= matches!(p, training::Progress::Trunks { .. })
    })
    .expect("second run");
    assert!(!computed, "the cache answered");

    let net = trained.tail.adapt(net).expect("tail");
    let report = training::evaluate(&net, &trained.head, &test, 0.6, true).expect("evaluation");
    println!(
        "{}\naccuracy {:.3}\n{}",
        report.confusion.render(),
        report.accuracy,
        report.reliability.render()
    );
    // Chance is 1/3; 120 photos (40 per class) already give far more.
    assert!(report.accuracy >= 0.65, "accuracy {}", report.accuracy);
    assert_eq!(report.unknown_class_images, 0);
    assert_eq!(report.images, 75);
}

#[test]
fn taught_classes_survive_a_reload_and_reset_forgets_them() {
    let Some(cifar) = common::cifar("taught_classes_survive_a_reload_and_reset_forgets_them")
    else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let settings = ClassifierSettings {
        weights: common::weights(),
        state_dir: dir.path().to_path_buf(),
        threshold: 0.6,
    };
    let frogs: Vec<Vec<u8>> = (0..4)
        .map(|i| std::fs::read(cifar.join(format!("test/other/frog-000{i}.jpg"))).expect("frog"))
        .collect();
    let classifier = Classifier::load(settings.clone()).expect("load");
    let shipped = classifier.classes();
    let report = classifier.teach("Frog", &frogs).expect("teach");
    assert_eq!(report.class, "frog");
    println!(
        "taught 4 pictures: features and retraining in {:.0} ms",
        report.train_ms
    );
    assert!(classifier.classes().contains(&"frog".to_string()));
    assert!(classifier.teach("other", &frogs).is_err());
    assert!(
        classifier
            .teach("frog", &[b"not an image".to_vec()])
            .is_err()
    );

    let again = Classifier::load(settings.clone()).expect("reload");
    assert!(again.classes().contains(&"frog".to_string()));
    let info = again.class_info();
    let frog = info.iter().find(|c| c.name == "frog").expect("frog info");
    assert_eq!(frog.taught_images, 4);
    assert_eq!(
        again
            .predict(&frogs[0], Some(0.0))
            .expect("predict")
            .top_class,
        "frog"
    );

    again.reset().expect("reset");
    assert_eq!(again.classes(), shipped);
    assert_eq!(
        Classifier::load(settings).expect("reload").classes(),
        shipped
    );
}
