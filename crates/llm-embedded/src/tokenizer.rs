//! The GPT-2-style byte-level BPE tokenizer stored in the GGUF's metadata.

use candle_core::quantized::gguf_file::{Content, Value};

use tokenizers::decoders::byte_level::ByteLevel as ByteLevelDecoder;
use tokenizers::models::bpe::{BPE, Vocab};
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
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
    tokenizer.with_pre_tokenizer(Some(ByteLevel::new(false, true, true)));
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
