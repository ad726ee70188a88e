//! The model, sampling, saving and training, on small models built here.
// A test stops at a failed step: unwrap and expect are what it means here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::ops::ControlFlow;

use candle_core::{Device, Tensor};
use gpt::checkpoint::{load_dir, save_model};
use gpt::model::initial_tensors;
use gpt::train::{TrainConfig, Trainer};
use gpt::{GenerateParams, Gpt, GptConfig, Vocab, generate};

const TEXT: &str = "To be, or not to be, that is the question:\n\
Whether 'tis nobler in the mind to suffer\n\
The slings and arrows of outrageous fortune,\n\
Or to take arms against a sea of troubles\n\
And by opposing end them. To die: to sleep;\n";

fn tiny(vocab: &Vocab, block: usize) -> (Gpt, GptConfig, HashMap<String, Tensor>) {
    let config = GptConfig {
        vocab_size: vocab.len(),
        block_size: block,
        n_layer: 2,
        n_head: 2,
        n_embd: 16,
    };
    let tensors: HashMap<String, Tensor> = initial_tensors(&config, 5)
        .expect("init")
        .into_iter()
        .collect();
    (
        Gpt::from_tensors(config, &tensors).expect("model"),
        config,
        tensors,
    )
}

fn max_diff(a: &Tensor, b: &Tensor) -> f32 {
    (a - b)
        .and_then(|d| d.abs())
        .and_then(|d| d.flatten_all())
        .and_then(|d| d.max(0))
        .and_then(|d| d.to_scalar::<f32>())
        .expect("difference")
}

#[test]
fn the_kv_cache_gives_the_same_logits_as_a_full_pass() {
    let vocab = Vocab::from_text(TEXT);
    let (model, _, _) = tiny(&vocab, 32);
    let ids = vocab.encode("To be, or not to be").expect("known");
    let full = model
        .forward(
            &Tensor::from_slice(&ids, (1, ids.len()), &Device::Cpu).expect("ids"),
            None,
        )
        .expect("forward");
    let mut cache = model.new_cache();
    // A prompt of 7, then one at a time.
    let first = model
        .forward(
            &Tensor::from_slice(&ids[..7], (1, 7), &Device::Cpu).expect("ids"),
            Some(&mut cache),
        )
        .expect("prompt");
    assert!(max_diff(&first, &full.narrow(1, 0, 7).expect("narrow")) < 1e-5);
    for (i, &id) in ids.iter().enumerate().skip(7) {
        let step = model
            .forward(
                &Tensor::from_slice(&[id], (1, 1), &Device::Cpu).expect("id"),
                Some(&mut cache),
            )
            .expect("step");
        let expected = full.narrow(1, i, 1).expect("narrow");
        assert!(max_diff(&step, &expected) < 1e-5, "position {i}");
    }
    assert_eq!(cache.len(), ids.len());
}

#[test]
fn the_same_seed_gives_the_same_text_and_another_seed_another() {
    let vocab = Vocab::from_text(TEXT);
    // A block shorter than prompt + output, so the re-windowing path runs too.
    let (model, _, _) = tiny(&vocab, 24);
    let params = GenerateParams {
        seed: 42,
        temperature: 1.0,
        max_tokens: 80,
        top_k: None,
    };
    let run = |p: &GenerateParams| {
        generate(&model, &vocab, "To be", p, |_| ControlFlow::Continue(())).expect("generate")
    };
    let a = run(&params);
    let b = run(&params);
    assert_eq!(a.text, b.text);
    assert_eq!(a.tokens, 80);
    assert_eq!(a.text.chars().count(), 80);
    let c = run(&GenerateParams {
        seed: 43,
        ..params.clone()
    });
    assert_ne!(a.text, c.text);
    // Streaming sees exactly the returned characters, and Break stops early.
    let mut streamed = String::new();
    let d = generate(&model, &vocab, "To be", &params, |ch| {
        streamed.push(ch);
        if streamed.chars().count() == 10 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
    .expect("generate");
    assert_eq!(d.text, streamed);
    assert_eq!(d.text, a.text.chars().take(10).collect::<String>());
}

#[test]
fn invalid_parameters_are_refused() {
    let vocab = Vocab::from_text(TEXT);
    let (model, _, _) = tiny(&vocab, 16);
    let ok = GenerateParams::default();
    for bad in [
        GenerateParams {
            temperature: 0.0,
            ..ok.clone()
        },
        GenerateParams {
            temperature: 2.5,
            ..ok.clone()
        },
        GenerateParams {
            max_tokens: 0,
            ..ok.clone()
        },
        GenerateParams {
            max_tokens: 501,
            ..ok.clone()
        },
    ] {
        assert!(
            generate(&model, &vocab, "", &bad, |_| ControlFlow::Continue(())).is_err(),
            "{bad:?}"
        );
    }
    let err = generate(&model, &vocab, "zebra £", &ok, |_| {
        ControlFlow::Continue(())
    })
    .expect_err("unknown characters");
    assert!(err.to_string().contains("'z'"), "{err}");
}

#[test]
fn a_saved_model_loads_back_identically() {
    let vocab = Vocab::from_text(TEXT);
    let (model, config, tensors) = tiny(&vocab, 32);
    let dir = tempfile::tempdir().expect("temp dir");
    save_model(dir.path(), &config, &vocab, &tensors).expect("save");
    let (loaded, loaded_vocab) = load_dir(dir.path()).expect("load");
    assert_eq!(loaded_vocab, vocab);
    assert_eq!(loaded.config(), model.config());
    let ids = Tensor::from_slice(
        &vocab.encode("question").expect("ids"),
        (1, 8),
        &Device::Cpu,
    )
    .expect("t");
    let a = model.forward(&ids, None).expect("a");
    let b = loaded.forward(&ids, None).expect("b");
    assert_eq!(max_diff(&a, &b), 0.0);
    // A broken file is an error, not a panic.
    std::fs::write(dir.path().join("config.json"), b"{\"vocab_size\": 3}").expect("write");
    assert!(load_dir(dir.path()).is_err());
}

fn small_run(iters: usize) -> TrainConfig {
    TrainConfig {
        block_size: 16,
        n_layer: 1,
        n_head: 2,
        n_embd: 32,
        batch_size: 8,
        max_iters: iters,
        learning_rate: 1e-2,
        min_learning_rate: 1e-3,
        warmup_iters: 5,
        eval_interval: 20,
        eval_batches: 4,
        ..TrainConfig::default()
    }
}

#[test]
fn training_lowers_the_loss_and_resumes_exactly() {
    let text = TEXT.repeat(20);
    let dir = tempfile::tempdir().expect("temp dir");
    let mut trainer =
        Trainer::new("tiny", &text, "test", small_run(60), dir.path(), false).expect("trainer");
    let before = trainer.evaluate(true).expect("eval");
    trainer.run(|_| {}, || false).expect("train");
    let log = trainer.log().clone();
    let after = log.best_val_loss.expect("evaluated");
    assert!(
        after < before * 0.6,
        "validation loss {before:.3} -> {after:.3}"
    );
    assert_eq!(log.iters_done, 60);
    assert_eq!(log.evals.len(), 3);
    assert!(dir.path().join("model.safetensors").is_file());
    assert!(dir.path().join("train-log.json").is_file());

    // The same run, stopped at 40 and resumed, ends with the same weights.
    let split = tempfile::tempdir().expect("temp dir");
    let mut first =
        Trainer::new("tiny", &text, "test", small_run(60), split.path(), false).expect("trainer");
    let steps = std::cell::Cell::new(0);
    first
        .run(
            |p| {
                if let gpt::train::Progress::Step { .. } = p {
                    steps.set(steps.get() + 1)
                }
            },
            || steps.get() >= 40,
        )
        .expect("first half");
    assert_eq!(first.iter(), 40);
    let mut resumed =
        Trainer::new("tiny", &text, "test", small_run(60), split.path(), true).expect("resume");
    assert_eq!(resumed.iter(), 40);
    resumed.run(|_| {}, || false).expect("second half");
    let ids = Tensor::from_slice(&[1u32, 2, 3, 4], (1, 4), &Device::Cpu).expect("ids");
    let a = trainer.model().forward(&ids, None).expect("a");
    let b = resumed.model().forward(&ids, None).expect("b");
    assert!(
        max_diff(&a, &b) < 1e-6,
        "resumed run differs by {}",
        max_diff(&a, &b)
    );
}
