//! What the voice endpoints and the pages agree on.

use serde::{Deserialize, Serialize};

/// The longest recording accepted, in seconds, and the largest upload, in bytes.
pub const MAX_RECORDING_SECONDS: u32 = 60;
pub const MAX_RECORDING_BYTES: usize = 10 * 1024 * 1024;
/// The longest text spoken at once, in characters.
pub const MAX_SPEAK_CHARS: usize = 1_000;

/// One stretch of speech with its times in the recording, in seconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TranscriptSegment {
    pub start: f32,
    pub end: f32,
    pub text: String,
}

/// `POST /api/voice/transcribe`: what was heard.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Transcription {
    pub text: String,
    /// The language transcribed in (English unless the request asked otherwise).
    pub language: String,
    /// The language the model heard in the first 30 s, and how sure it is.
    pub detected_language: String,
    pub language_probability: f32,
    pub segments: Vec<TranscriptSegment>,
    /// "embedded" (Whisper in this server) or "openai".
    pub backend: String,
    pub model: String,
    /// The container the upload was: WAV, WebM/Opus or Ogg/Opus.
    pub format: String,
    pub audio_seconds: f32,
    /// Time waiting for the recogniser (it runs one recording at a time), then recognising.
    pub queued_ms: f64,
    pub processing_ms: f64,
    /// Processing time over audio time: under 1 is faster than real time.
    pub real_time_factor: f32,
}

/// `POST /api/voice/speak`: text to say, in a voice ("support" or "pirate").
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SpeakInput {
    pub text: String,
    #[serde(default)]
    pub voice: Option<String>,
}
