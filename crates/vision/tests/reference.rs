//! The candle network against the upstream PyTorch implementation on the same weights:
//! scripts/classifier_reference.py wrote the logits of this synthetic input to the fixture.
// A test stops at a failed step: unwrap and expect are what it means here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use candle_core::Tensor;
use vision::EfficientNetLite0;

fn synthetic_input() -> Tensor {
    vision::efficientnet::reference_input().expect("input tensor")
}

#[derive(serde::Deserialize)]
struct Reference {
    logits: Vec<f32>,
    features: Vec<f32>,
}

#[test]
fn logits_match_pytorch_within_1e4() {
    let reference: Reference =
        serde_json::from_str(include_str!("fixtures/reference_logits.json")).expect("fixture");
    let net = EfficientNetLite0::load(&common::weights()).expect("run scripts/fetch-models.sh");
    let out = net.forward(&synthetic_input()).expect("forward");
    let logits = out
        .logits
        .flatten_all()
        .and_then(|t| t.to_vec1::<f32>())
        .expect("logits");
    let features = out
        .features
        .flatten_all()
        .and_then(|t| t.to_vec1::<f32>())
        .expect("features");
    assert_eq!(logits.len(), 1000);
    assert_eq!(features.len(), 1280);
    let max_diff = |a: &[f32], b: &[f32]| {
        a.iter()
            .zip(b)
            .map(|(x, y)| (x - y).abs())
            .fold(0f32, f32::max)
    };
    let logit_diff = max_diff(&logits, &reference.logits);
    let feature_diff = max_diff(&features, &reference.features);
    println!("max |logit - pytorch| = {logit_diff:e}, max |feature - pytorch| = {feature_diff:e}");
    assert!(logit_diff <= 1e-4, "logits differ by {logit_diff}");
    assert!(feature_diff <= 1e-4, "features differ by {feature_diff}");
    // The same top class, of course.
    let top = |v: &[f32]| (0..v.len()).max_by(|&a, &b| v[a].total_cmp(&v[b]));
    assert_eq!(top(&logits), top(&reference.logits));
}

#[test]
fn a_batch_gives_the_same_answers_as_single_images() {
    let net = EfficientNetLite0::load(&common::weights()).expect("weights");
    let one = synthetic_input();
    let flipped = one.flip(&[3]).expect("flip");
    let batch = Tensor::cat(&[&one, &flipped], 0).expect("cat");
    let single = net
        .forward(&flipped)
        .expect("single")
        .logits
        .to_vec2::<f32>()
        .expect("logits");
    // One thread runs the batch through each layer at once; two split it by image.
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        let both = pool
            .install(|| net.forward(&batch))
            .expect("batch")
            .logits
            .to_vec2::<f32>()
            .expect("logits");
        let diff = both[1]
            .iter()
            .zip(&single[0])
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        assert!(
            diff < 1e-4,
            "{threads} threads: batch and single differ by {diff}"
        );
    }
}
