//! Whisper base on candle: greedy decoding with timestamps (OpenAI's timestamp rules), segments,
//! no-speech detection and language detection, over as many 30-second windows as the audio needs.

mod model;
mod tokens;

use crate::VoiceError;
use crate::audio::SAMPLE_RATE;
use crate::mel::{self, WINDOW_FRAMES};
use candle_core::{D, DType, Device, IndexOp, Tensor};
use candle_nn::VarBuilder;
use model::{Decoder, Encoder};
use serde::Serialize;
use std::path::{Path, PathBuf};
use tokenizers::Tokenizer;
pub use tokens::Special;

/// Seconds per mel frame.
const SECONDS_PER_FRAME: f32 = mel::HOP as f32 / SAMPLE_RATE as f32;
/// Seconds per timestamp token.
const TIMESTAMP_STEP: f32 = 0.02;
/// Mel frames per timestamp token (the encoder halves the frame rate).
const FRAMES_PER_TIMESTAMP: usize = 2;
/// At most this many tokens are sampled per window (half the decoder's context, as OpenAI does).
const MAX_TOKENS: usize = 224;
/// The first timestamp may be at most 1 s into a window.
const MAX_INITIAL_TIMESTAMP: u32 = 50;
/// A window whose loudest 30 ms is quieter than this (about -46 dBFS) holds no speech: Whisper
/// is known to "hear" words such as "you" in silence, so it is not asked.
const SILENCE_RMS: f32 = 0.005;
/// A window is silence when no-speech is this likely and the text is this unlikely.
const NO_SPEECH_THRESHOLD: f32 = 0.6;
const LOGPROB_THRESHOLD: f32 = -1.0;

/// The model files, inside the models directory.
pub const MODEL_SUBDIR: &str = "whisper-base";

/// Which language to transcribe in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Language {
    /// This language code ("en").
    Fixed(String),
    /// The language the model detects in the first 30 s.
    Detect,
}

/// One stretch of speech with its times in the recording.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Segment {
    pub start: f32,
    pub end: f32,
    pub text: String,
}

/// What the recogniser heard.
#[derive(Debug, Clone, Serialize)]
pub struct Transcript {
    pub text: String,
    /// The language transcribed in.
    pub language: String,
    /// The language detected in the first 30 s, and how sure the model is of it.
    pub detected_language: String,
    pub language_probability: f32,
    pub segments: Vec<Segment>,
    /// Length of the audio in seconds.
    pub audio_seconds: f32,
}

/// The loaded model, its tokenizer and special tokens.
pub struct Recognizer {
    encoder: Encoder,
    decoder: Decoder,
    tokenizer: Tokenizer,
    special: Special,
    device: Device,
    /// 0 where a token may be sampled, -inf where it never is.
    suppress: Vec<f32>,
}

/// The files the recogniser needs, for error messages and readiness checks.
pub fn model_files(models_dir: &Path) -> [PathBuf; 3] {
    let dir = models_dir.join(MODEL_SUBDIR);
    [
        dir.join("model.safetensors"),
        dir.join("tokenizer.json"),
        dir.join("config.json"),
    ]
}

impl Recognizer {
    /// Loads Whisper from `<models_dir>/whisper-base/`.
    pub fn load(models_dir: &Path) -> Result<Recognizer, VoiceError> {
        let [weights, tokenizer_path, config] = model_files(models_dir);
        for file in [&weights, &tokenizer_path, &config] {
            if !file.is_file() {
                return Err(VoiceError::ModelMissing(format!(
                    "The speech recogniser's {} is missing; run scripts/setup.sh to fetch and convert Whisper base.",
                    file.display()
                )));
            }
        }
        let device = Device::Cpu;
        // SAFETY: the file is memory-mapped read-only; setup writes it once, checked by sha256.
        let vb = unsafe { VarBuilder::from_mmaped_safetensors(&[&weights], DType::F32, &device)? };
        let encoder = Encoder::load(vb.pp("model.encoder"), mel::N_MELS)?;
        let decoder = Decoder::load(vb.pp("model.decoder"))?;
        let vocab = model::VOCAB;
        let tokenizer = Tokenizer::from_file(&tokenizer_path).map_err(|e| {
            VoiceError::ModelMissing(format!("Cannot read {}: {e}.", tokenizer_path.display()))
        })?;
        let special = Special::read(&tokenizer, &config)?;
        let mut suppress = vec![0f32; vocab];
        let never = special.suppress.iter().copied().chain([
            special.transcribe,
            special.translate,
            special.sot,
            special.sot_prev,
            special.sot_lm,
            special.no_speech,
            special.no_timestamps,
        ]);
        for id in never.chain(special.languages.iter().map(|(id, _)| *id)) {
            if let Some(v) = suppress.get_mut(id as usize) {
                *v = f32::NEG_INFINITY;
            }
        }
        Ok(Recognizer {
            encoder,
            decoder,
            tokenizer,
            special,
            device,
            suppress,
        })
    }

    /// Transcribes 16 kHz mono samples.
    pub fn transcribe(
        &mut self,
        samples: &[f32],
        language: &Language,
    ) -> Result<Transcript, VoiceError> {
        let mel = mel::log_mel(samples, &self.device)?;
        let content_frames = samples.len() / mel::HOP;
        let mut seek = 0;
        let mut segments = Vec::new();
        let mut detected = None;
        let mut language_token = None;
        while seek < content_frames {
            let window_frames = WINDOW_FRAMES.min(content_frames - seek);
            let window_samples =
                &samples[seek * mel::HOP..((seek + window_frames) * mel::HOP).min(samples.len())];
            if loudest_rms(window_samples) < SILENCE_RMS {
                seek += window_frames;
                continue;
            }
            let window = mel::window(&mel, seek)?;
            let features = self.encoder.forward(&window)?;
            if detected.is_none() {
                let (code, p) = self.detect_language(&features)?;
                language_token = match language {
                    Language::Detect => self.special.language(&code),
                    Language::Fixed(code) => self.special.language(code),
                };
                detected = Some((code, p));
            }
            let lang = language_token.ok_or_else(|| {
                VoiceError::Invalid("That language is not one Whisper knows.".into())
            })?;
            let offset = seek as f32 * SECONDS_PER_FRAME;
            let window_seconds = window_frames as f32 * SECONDS_PER_FRAME;
            let decoded = self.decode_window(&features, lang)?;
            if decoded.no_speech_prob > NO_SPEECH_THRESHOLD
                && decoded.avg_logprob < LOGPROB_THRESHOLD
            {
                seek += window_frames;
                continue;
            }
            let (found, advance) = self.segments(&decoded.tokens, offset, window_seconds);
            segments.extend(found);
            seek += advance.unwrap_or(window_frames).clamp(1, window_frames);
        }
        let (detected_language, language_probability) =
            detected.unwrap_or_else(|| ("en".into(), 0.0));
        let language = match language {
            Language::Fixed(code) => code.clone(),
            Language::Detect => detected_language.clone(),
        };
        let text = segments
            .iter()
            .map(|s| s.text.trim())
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        Ok(Transcript {
            text,
            language,
            detected_language,
            language_probability,
            segments,
            audio_seconds: samples.len() as f32 / SAMPLE_RATE as f32,
        })
    }

    /// The most likely language token after `<|startoftranscript|>`, and its probability.
    fn detect_language(&mut self, features: &Tensor) -> Result<(String, f32), VoiceError> {
        self.decoder.start(features, false)?;
        let logits = self.decoder.step(&[self.special.sot], true)?.i(0)?;
        let ids: Vec<u32> = self.special.languages.iter().map(|(id, _)| *id).collect();
        let language_logits =
            logits.index_select(&Tensor::new(ids.as_slice(), &self.device)?, 0)?;
        let probs: Vec<f32> = candle_nn::ops::softmax(&language_logits, D::Minus1)?.to_vec1()?;
        let (best, p) = probs
            .iter()
            .enumerate()
            .fold((0, 0.0), |b, (i, p)| if *p > b.1 { (i, *p) } else { b });
        Ok((self.special.languages[best].1.clone(), p))
    }

    /// Greedy decoding of one window with OpenAI's timestamp rules.
    fn decode_window(&mut self, features: &Tensor, language: u32) -> Result<Decoded, VoiceError> {
        let prompt = [self.special.sot, language, self.special.transcribe];
        let mut tokens: Vec<u32> = prompt.to_vec();
        let mut sum_logprob = 0f32;
        let begin = self.special.timestamp_begin as usize;
        self.decoder.start(features, true)?;
        let first = self.decoder.step(&prompt, false)?;
        let probs: Vec<f32> = candle_nn::ops::softmax(&first.i(0)?, D::Minus1)?.to_vec1()?;
        let no_speech_prob = probs
            .get(self.special.no_speech as usize)
            .copied()
            .unwrap_or(0.0);
        let mut next_logits = first.i(prompt.len() - 1)?;
        for _ in 0..MAX_TOKENS {
            let logits: Vec<f32> = next_logits.to_vec1()?;
            let mut logits: Vec<f32> = logits
                .iter()
                .zip(&self.suppress)
                .map(|(l, s)| l + s)
                .collect();
            let sampled = &tokens[prompt.len()..];
            if sampled.is_empty() {
                for id in &self.special.suppress_at_begin {
                    if let Some(v) = logits.get_mut(*id as usize) {
                        *v = f32::NEG_INFINITY;
                    }
                }
            }
            apply_timestamp_rules(&mut logits, sampled, begin, self.special.eot as usize);
            let logprobs = log_softmax(&logits);
            let (next, lp) =
                logprobs
                    .iter()
                    .enumerate()
                    .fold(
                        (0, f32::NEG_INFINITY),
                        |b, (i, v)| if *v > b.1 { (i, *v) } else { b },
                    );
            if next == self.special.eot as usize || tokens.len() + 1 >= model::TEXT_CTX {
                break;
            }
            sum_logprob += lp;
            tokens.push(next as u32);
            next_logits = self.decoder.step(&[next as u32], true)?.i(0)?;
        }
        let sampled = tokens.split_off(prompt.len());
        let avg_logprob = sum_logprob / (sampled.len() + 1) as f32;
        Ok(Decoded {
            tokens: sampled,
            avg_logprob,
            no_speech_prob,
        })
    }

    /// Splits sampled tokens into timed segments; returns them and how many frames to advance
    /// (None: the whole window).
    fn segments(
        &self,
        tokens: &[u32],
        offset: f32,
        window_seconds: f32,
    ) -> (Vec<Segment>, Option<usize>) {
        let begin = self.special.timestamp_begin;
        let is_ts = |t: &u32| *t >= begin;
        let time = |t: u32| offset + (t - begin) as f32 * TIMESTAMP_STEP;
        let single_ending = tokens.len() >= 2
            && !is_ts(&tokens[tokens.len() - 2])
            && is_ts(&tokens[tokens.len() - 1]);
        let mut cuts: Vec<usize> = (1..tokens.len())
            .filter(|&i| is_ts(&tokens[i - 1]) && is_ts(&tokens[i]))
            .collect();
        let mut out = Vec::new();
        if !cuts.is_empty() {
            if single_ending {
                cuts.push(tokens.len());
            }
            let mut last = 0;
            for &cut in &cuts {
                let piece = &tokens[last..cut];
                if let (Some(&first), Some(&end)) = (piece.first(), piece.last())
                    && is_ts(&first)
                    && is_ts(&end)
                {
                    out.push(Segment {
                        start: time(first),
                        end: time(end),
                        text: self.text(piece),
                    });
                }
                last = cut;
            }
            if single_ending {
                return (out, None);
            }
            let last_ts = tokens[last - 1] - begin;
            return (out, Some(last_ts as usize * FRAMES_PER_TIMESTAMP));
        }
        let mut end = offset + window_seconds;
        if let Some(&last_ts) = tokens.iter().rev().find(|t| is_ts(t))
            && last_ts != begin
        {
            end = time(last_ts);
        }
        let start = tokens
            .first()
            .filter(|t| is_ts(t))
            .map(|&t| time(t))
            .unwrap_or(offset);
        let text = self.text(tokens);
        if !text.trim().is_empty() {
            out.push(Segment { start, end, text });
        }
        (out, None)
    }

    fn text(&self, tokens: &[u32]) -> String {
        let words: Vec<u32> = tokens
            .iter()
            .copied()
            .filter(|t| *t < self.special.eot)
            .collect();
        self.tokenizer
            .decode(&words, true)
            .map(|t| t.trim().to_string())
            .unwrap_or_default()
    }
}

struct Decoded {
    tokens: Vec<u32>,
    avg_logprob: f32,
    no_speech_prob: f32,
}

/// The RMS of the loudest 30 ms frame.
fn loudest_rms(samples: &[f32]) -> f32 {
    samples
        .chunks(480)
        .map(|frame| (frame.iter().map(|s| s * s).sum::<f32>() / frame.len().max(1) as f32).sqrt())
        .fold(0.0, f32::max)
}

fn log_softmax(logits: &[f32]) -> Vec<f32> {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let sum: f32 = logits.iter().map(|l| (l - max).exp()).sum();
    let log_sum = max + sum.ln();
    logits.iter().map(|l| l - log_sum).collect()
}

/// OpenAI's `ApplyTimestampRules`: timestamps come in pairs and never go back, the first token is
/// a timestamp within the first second, and a timestamp wins when all timestamps together are
/// likelier than any single text token.
fn apply_timestamp_rules(logits: &mut [f32], sampled: &[u32], begin: usize, eot: usize) {
    let is_ts = |t: u32| t as usize >= begin;
    let last_ts = sampled.last().is_some_and(|t| is_ts(*t));
    let penultimate_ts = sampled.len() < 2 || is_ts(sampled[sampled.len() - 2]);
    if last_ts {
        if penultimate_ts {
            logits[begin..].fill(f32::NEG_INFINITY);
        } else {
            logits[..eot].fill(f32::NEG_INFINITY);
        }
    }
    if let Some(&last) = sampled.iter().rev().find(|t| is_ts(**t)) {
        let floor = if last_ts && !penultimate_ts {
            last
        } else {
            last + 1
        } as usize;
        let end = floor.min(logits.len());
        logits[begin..end].fill(f32::NEG_INFINITY);
    }
    if sampled.is_empty() {
        logits[..begin].fill(f32::NEG_INFINITY);
        let last_allowed = begin + MAX_INITIAL_TIMESTAMP as usize;
        if last_allowed + 1 < logits.len() {
            logits[last_allowed + 1..].fill(f32::NEG_INFINITY);
        }
    }
    let logprobs = log_softmax(logits);
    let ts = &logprobs[begin..];
    let max_ts = ts.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let ts_logprob = max_ts + ts.iter().map(|l| (l - max_ts).exp()).sum::<f32>().ln();
    let max_text = logprobs[..begin]
        .iter()
        .copied()
        .fold(f32::NEG_INFINITY, f32::max);
    if ts_logprob > max_text {
        logits[..begin].fill(f32::NEG_INFINITY);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_pair_up_and_never_go_back() {
        let (begin, eot, vocab) = (10usize, 5usize, 30usize);
        // First step: only timestamps within the first second (all 20 here).
        let mut l = vec![0.0; vocab];
        apply_timestamp_rules(&mut l, &[], begin, eot);
        assert!(l[..begin].iter().all(|v| v.is_infinite()) && l[begin].is_finite());
        // After text following a timestamp, a timestamp may close it, but not an earlier one.
        let mut l = vec![0.0; vocab];
        apply_timestamp_rules(&mut l, &[14, 1], begin, eot);
        assert!(l[begin..15].iter().all(|v| v.is_infinite()) && l[15].is_finite());
        // After a single timestamp that closes text, only a timestamp (or end) may follow.
        let mut l = vec![0.0; vocab];
        apply_timestamp_rules(&mut l, &[12, 1, 15], begin, eot);
        assert!(
            l[..eot].iter().all(|v| v.is_infinite()) && l[15].is_finite() && l[14].is_infinite()
        );
        // Two timestamps in a row: text must follow.
        let mut l = vec![0.0; vocab];
        apply_timestamp_rules(&mut l, &[12, 1, 15, 15], begin, eot);
        assert!(l[begin..].iter().all(|v| v.is_infinite()));
    }
}
