//! The embedded tokenizer against llama.cpp on the same GGUF: the same token ids for order
//! numbers, prices, phone numbers, dates and the chat template's control tokens. The reference
//! ids in `data/llama_cpp_token_ids.jsonl` were printed by llama.cpp itself
//! (`python scripts/tokenizer_check.py models/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf`, with
//! llama-cpp-python 0.3.36); rerun it to add texts.
// A test stops at a failed step: unwrap and expect are what it means here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use llm_embedded::EmbeddedModel;
use std::path::PathBuf;

fn model_path() -> PathBuf {
    let dir = std::env::var("MODELS_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../models").into());
    PathBuf::from(dir).join(llm_embedded::MODEL_FILE)
}

#[derive(serde::Deserialize)]
struct Reference {
    text: String,
    ids: Vec<u32>,
}

#[test]
fn token_ids_match_llama_cpp_on_the_same_gguf() {
    let model = EmbeddedModel::load(&model_path(), 1).expect("model (run scripts/fetch-models.sh)");
    let references = include_str!("data/llama_cpp_token_ids.jsonl");
    let mut checked = 0;
    for line in references.lines().filter(|l| !l.trim().is_empty()) {
        let reference: Reference = serde_json::from_str(line).expect("a reference line");
        let ids = model.token_ids(&reference.text).expect("tokenise");
        assert_eq!(ids, reference.ids, "{:?}", reference.text);
        checked += 1;
    }
    assert!(checked >= 5, "only {checked} reference texts");
}
