//! The GPT-2-style byte-level BPE tokenizer stored in the GGUF's metadata.

use candle_core::quantized::gguf_file::{Content, Value};

use tokenizers::decoders::byte_level::ByteLevel as ByteLevelDecoder;
use tokenizers::models::bpe::{BPE, Vocab};
use tokenizers::pre_tokenizers::PreTokenizerWrapper;
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::pre_tokenizers::digits::Digits;
use tokenizers::pre_tokenizers::sequence::Sequence;
use tokenizers::{AddedToken, Tokenizer};

fn strings<'a>(content: &'a Content, key: &str) -> Result<Vec<&'a str>, String> {
    let values = content
        .metadata
        .get(key)
        .ok_or_else(|| format!("the GGUF has no {key}"))?
        .to_vec()
        .map_err(|e| format!("{key}: {e}"))?;
    values
        .iter()
        .map(|v| {
            v.to_string()
                .map(String::as_str)
                .map_err(|e| format!("{key}: {e}"))
        })
        .collect()
}

/// `tokenizer.ggml.pre`, when the GGUF has it.
fn pre_tokenizer_type(content: &Content) -> Option<String> {
    match content.metadata.get("tokenizer.ggml.pre") {
        Some(Value::String(pre)) => Some(pre.clone()),
        _ => None,
    }
}

pub fn from_gguf(content: &Content) -> Result<Tokenizer, String> {
    match content.metadata.get("tokenizer.ggml.model") {
        Some(Value::String(model)) if model == "gpt2" => {}
        other => {
            return Err(format!(
                "unsupported tokenizer model {other:?}, expected gpt2 (byte-level BPE)"
            ));
        }
    }
    let tokens = strings(content, "tokenizer.ggml.tokens")?;
    let merges = strings(content, "tokenizer.ggml.merges")?;
    let vocab: Vocab = tokens
        .iter()
        .enumerate()
        .map(|(id, token)| {
            u32::try_from(id)
                .map(|id| ((*token).to_owned(), id))
                .map_err(|e| e.to_string())
        })
        .collect::<Result<_, _>>()?;
    let merges: Vec<(String, String)> = merges
        .iter()
        .map(|m| {
            m.split_once(' ')
                .map(|(a, b)| (a.to_owned(), b.to_owned()))
                .ok_or_else(|| format!("bad merge {m:?}"))
        })
        .collect::<Result<_, _>>()?;
    let bpe = BPE::builder()
        .vocab_and_merges(vocab, merges)
        .build()
        .map_err(|e| e.to_string())?;
    let mut tokenizer = Tokenizer::new(bpe);
    let byte_level = PreTokenizerWrapper::ByteLevel(ByteLevel::new(false, true, true));
    // The GGUF names how text is split before BPE (`tokenizer.ggml.pre`); SmolLM's ("smollm")
    // splits every digit on its own first, as llama.cpp does. For SmolLM2's own vocabulary this
    // changes nothing (no token of its 49,152 mixes a digit with anything else, so BPE cannot
    // merge digits either way: tests/tokenizer.rs matches llama.cpp's ids with or without it),
    // but a GGUF whose vocabulary has such merges would be split unlike its training without it.
    match pre_tokenizer_type(content).as_deref() {
        Some("smollm") => {
            tokenizer.with_pre_tokenizer(Some(Sequence::new(vec![
                PreTokenizerWrapper::Digits(Digits::new(true)),
                byte_level,
            ])));
        }
        _ => {
            tokenizer.with_pre_tokenizer(Some(byte_level));
        }
    }
    tokenizer.with_decoder(Some(ByteLevelDecoder::default()));
    // Control tokens (<|im_start|>, <|im_end|>, <|endoftext|>...) must never be split.
    let special: Vec<AddedToken> = tokens
        .iter()
        .filter(|t| t.starts_with("<|") && t.ends_with("|>"))
        .map(|t| AddedToken::from((*t).to_owned(), true))
        .collect();
    tokenizer
        .add_special_tokens(special)
        .map_err(|e| e.to_string())?;
    Ok(tokenizer)
}
