//! The real model, from MODELS_DIR (scripts/fetch-models.sh puts it there).
// A test stops at a failed step: unwrap and expect are what it means here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use llm_embedded::{EmbeddedModel, Finish, GenerationParams, Message, Role};
use std::ops::ControlFlow;
use std::path::PathBuf;

fn model_path() -> PathBuf {
    let dir = std::env::var("MODELS_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../models").into());
    PathBuf::from(dir).join(llm_embedded::MODEL_FILE)
}

fn question() -> Vec<Message> {
    vec![
        Message {
            role: Role::System,
            content: "You are a helpful assistant.".into(),
        },
        Message {
            role: Role::User,
            content: "What is the capital of France?".into(),
        },
    ]
}

#[test]
fn streams_tokens_and_stops_when_asked() {
    let model = EmbeddedModel::load(&model_path(), 1).expect("model (run scripts/fetch-models.sh)");
    let greedy = GenerationParams {
        temperature: 0.0,
        max_new_tokens: 40,
        ..Default::default()
    };

    let mut pieces: Vec<String> = Vec::new();
    let stats = model
        .generate(&question(), greedy, |piece| {
            pieces.push(piece.to_owned());
            ControlFlow::Continue(())
        })
        .expect("generate");
    let answer = pieces.concat();
    assert!(
        pieces.len() > 3,
        "expected many streamed pieces, got {pieces:?}"
    );
    assert!(answer.contains("Paris"), "{answer}");
    assert!(stats.prompt_tokens > 10 && stats.generated_tokens >= pieces.len());
    eprintln!(
        "load {:?}, prompt {:.0} tok/s, generation {:.0} tok/s: {answer:?}",
        model.load_time,
        stats.prompt_tokens_per_second(),
        stats.generation_tokens_per_second()
    );

    // Greedy decoding is deterministic.
    let mut again = String::new();
    model
        .generate(&question(), greedy, |piece| {
            again.push_str(piece);
            ControlFlow::Continue(())
        })
        .expect("generate again");
    assert_eq!(again, answer);

    // Break stops at once.
    let mut seen = 0;
    let stopped = model
        .generate(&question(), greedy, |_| {
            seen += 1;
            if seen == 2 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .expect("generate and stop");
    assert_eq!(stopped.finish, Finish::Cancelled);
    assert_eq!(seen, 2);
}
