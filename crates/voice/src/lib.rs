//! Voice: speech recognition and speech synthesis, offline.
//!
//! - [`audio`] turns what a browser or a client uploads (WAV, Ogg/Opus, WebM/Opus) into 16 kHz
//!   mono samples, checking the content rather than trusting a declared type.
//! - [`mel`] computes Whisper's log-mel features.
//! - [`whisper`] runs Whisper base (converted from CTranslate2's weights at setup) with greedy
//!   decoding, timestamps and language detection.
//! - [`synth`] speaks text through a real offline engine (flite, or espeak-ng), as a process with
//!   a timeout.
//! - [`cloud`] is OpenAI's transcription and speech, used when a key is configured.
//! - [`wer`] measures word error rate, for the round-trip tests and the benchmark.

pub mod audio;
pub mod cloud;
pub mod mel;
pub mod synth;
pub mod wer;
pub mod whisper;

/// Why a voice request failed, in words a person can act on.
#[derive(Debug, thiserror::Error)]
pub enum VoiceError {
    /// The upload is empty.
    #[error("The recording is empty.")]
    Empty,
    /// The bytes are not one of the accepted formats.
    #[error("{0}")]
    UnsupportedType(String),
    /// The format was recognised but the content is damaged or cut short.
    #[error("{0}")]
    BadAudio(String),
    /// Longer than the recogniser accepts.
    #[error("The recording is {0:.0} seconds long; at most {max} seconds are accepted.", max = audio::MAX_SECONDS)]
    TooLong(f32),
    /// The model files are not there.
    #[error("{0}")]
    ModelMissing(String),
    /// Text to speak that cannot be spoken.
    #[error("{0}")]
    Invalid(String),
    /// The synthesis engine is not installed or failed.
    #[error("{0}")]
    Engine(String),
    /// The model failed while running.
    #[error("speech recognition failed: {0}")]
    Model(#[from] candle_core::Error),
}
