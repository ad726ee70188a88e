//! Voice: the speech recogniser (Whisper base, loaded on first use, one recording at a time off
//! the async threads, a short queue with its state told) and the synthesiser (an installed
//! offline engine as a process; answers cached by voice and text).

use ::voice::VoiceError;
use ::voice::synth::{Engine, Voice};
use ::voice::whisper::{Language, Recognizer};
use domain::voice::{TranscriptSegment, Transcription};
use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::sync::{OnceCell, Semaphore};

/// The recogniser's name as pages and metrics show it.
pub const RECOGNIZER_MODEL: &str = "whisper-base";
/// Recordings that may wait behind the one being recognised; more are turned away.
const MAX_WAITING: usize = 4;
/// Spoken answers kept, and the bytes they may take.
const CACHE_ENTRIES: usize = 64;
const CACHE_BYTES: usize = 32 * 1024 * 1024;

/// Why a voice request was not answered; `http::voice` turns each into a status.
#[derive(Debug)]
pub enum VoiceServiceError {
    /// The input or the model refused (bad audio, too long, no model files…).
    Voice(VoiceError),
    /// Nothing was heard in the recording.
    NoSpeech,
    /// Too many recordings are waiting.
    Busy(usize),
    /// No synthesis engine is installed.
    NoEngine,
    /// The job itself broke (logged).
    Internal,
}

impl From<VoiceError> for VoiceServiceError {
    fn from(e: VoiceError) -> Self {
        VoiceServiceError::Voice(e)
    }
}

/// Where voice stands (`/health/ready`).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct VoiceStatus {
    /// "loads on first use", "ready", "missing: …" or "failed: …".
    pub recognizer: String,
    pub recognizer_model: &'static str,
    /// Recordings being recognised or waiting.
    pub recognizer_busy: usize,
    /// The installed engine, or "not installed".
    pub synthesizer: String,
}

type Loaded = Result<Arc<Mutex<Recognizer>>, String>;

/// Spoken WAVs by (voice, text), oldest dropped first.
#[derive(Default)]
struct SpeechCache {
    entries: HashMap<(Voice, String), Arc<Vec<u8>>>,
    order: VecDeque<(Voice, String)>,
    bytes: usize,
}

impl SpeechCache {
    fn get(&self, key: &(Voice, String)) -> Option<Arc<Vec<u8>>> {
        self.entries.get(key).cloned()
    }

    fn put(&mut self, key: (Voice, String), wav: Arc<Vec<u8>>) {
        if self.entries.contains_key(&key) || wav.len() > CACHE_BYTES {
            return;
        }
        self.bytes += wav.len();
        self.order.push_back(key.clone());
        self.entries.insert(key, wav);
        while self.order.len() > CACHE_ENTRIES || self.bytes > CACHE_BYTES {
            let Some(old) = self.order.pop_front() else {
                break;
            };
            if let Some(w) = self.entries.remove(&old) {
                self.bytes -= w.len();
            }
        }
    }
}

/// A spoken answer.
pub struct Speech {
    pub wav: Arc<Vec<u8>>,
    pub engine: &'static str,
    pub cached: bool,
}

pub struct VoiceService {
    models_dir: PathBuf,
    recognizer: OnceCell<Loaded>,
    turn: Semaphore,
    /// Recordings being recognised or waiting for their turn.
    in_line: AtomicUsize,
    engine: Option<Engine>,
    cache: Mutex<SpeechCache>,
}

/// Counts a recording in line for as long as it is.
struct InLine<'a>(&'a AtomicUsize);

impl Drop for InLine<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl VoiceService {
    pub fn new(models_dir: PathBuf) -> Self {
        Self::with_engine(models_dir, Engine::detect())
    }

    pub fn with_engine(models_dir: PathBuf, engine: Option<Engine>) -> Self {
        VoiceService {
            models_dir,
            recognizer: OnceCell::new(),
            turn: Semaphore::new(1),
            in_line: AtomicUsize::new(0),
            engine,
            cache: Mutex::new(SpeechCache::default()),
        }
    }

    pub fn status(&self) -> VoiceStatus {
        let recognizer = match self.recognizer.get() {
            Some(Ok(_)) => "ready".to_string(),
            Some(Err(e)) => format!("failed: {e}"),
            None => match ::voice::whisper::model_files(&self.models_dir)
                .iter()
                .find(|f| !f.is_file())
            {
                Some(missing) => format!("missing: {}", missing.display()),
                None => "loads on first use".to_string(),
            },
        };
        VoiceStatus {
            recognizer,
            recognizer_model: RECOGNIZER_MODEL,
            recognizer_busy: self.in_line.load(Ordering::SeqCst),
            synthesizer: self
                .engine
                .as_ref()
                .map_or("not installed".into(), |e| e.name().into()),
        }
    }

    async fn recognizer(&self) -> Result<Arc<Mutex<Recognizer>>, VoiceServiceError> {
        let dir = self.models_dir.clone();
        let loaded = self
            .recognizer
            .get_or_init(|| async move {
                let started = Instant::now();
                let result = tokio::task::spawn_blocking(move || Recognizer::load(&dir))
                    .await
                    .map_err(|e| format!("the loader stopped: {e}"))
                    .and_then(|r| r.map_err(|e| e.to_string()));
                match &result {
                    Ok(_) => tracing::info!(
                        ms = started.elapsed().as_millis() as u64,
                        model = RECOGNIZER_MODEL,
                        "speech recogniser loaded"
                    ),
                    Err(e) => tracing::error!(error = %e, "speech recogniser unavailable"),
                }
                result.map(|r| Arc::new(Mutex::new(r)))
            })
            .await;
        loaded
            .clone()
            .map_err(|e| VoiceServiceError::Voice(VoiceError::ModelMissing(e)))
    }

    /// Recognises an uploaded recording (any accepted container). `language`: a code, or
    /// None for English; "auto" transcribes in the language detected.
    pub async fn transcribe(
        &self,
        bytes: Vec<u8>,
        language: Option<String>,
    ) -> Result<Transcription, VoiceServiceError> {
        let arrived = Instant::now();
        let ahead = self.in_line.fetch_add(1, Ordering::SeqCst);
        let _in_line = InLine(&self.in_line);
        if ahead > MAX_WAITING {
            return Err(VoiceServiceError::Busy(ahead));
        }
        let language = match language.as_deref().map(str::trim) {
            None | Some("") => Language::Fixed("en".into()),
            Some("auto") => Language::Detect,
            Some(code) => Language::Fixed(code.to_ascii_lowercase()),
        };
        let audio = tokio::task::spawn_blocking(move || ::voice::audio::decode(&bytes))
            .await
            .map_err(|_| VoiceServiceError::Internal)??;
        let recognizer = self.recognizer().await?;
        let _turn = self
            .turn
            .acquire()
            .await
            .map_err(|_| VoiceServiceError::Internal)?;
        let queued_ms = arrived.elapsed().as_secs_f64() * 1000.0;
        let started = Instant::now();
        let samples = audio.samples;
        let transcript = tokio::task::spawn_blocking(move || {
            let mut recognizer = recognizer.lock().unwrap_or_else(|p| p.into_inner());
            recognizer.transcribe(&samples, &language)
        })
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "speech recognition stopped");
            VoiceServiceError::Internal
        })??;
        let processing_ms = started.elapsed().as_secs_f64() * 1000.0;
        if transcript.text.trim().is_empty() {
            return Err(VoiceServiceError::NoSpeech);
        }
        let audio_seconds = transcript.audio_seconds;
        Ok(Transcription {
            text: transcript.text,
            language: transcript.language,
            detected_language: transcript.detected_language,
            language_probability: transcript.language_probability,
            segments: transcript
                .segments
                .into_iter()
                .map(|s| TranscriptSegment {
                    start: s.start,
                    end: s.end,
                    text: s.text,
                })
                .collect(),
            backend: "embedded".into(),
            model: RECOGNIZER_MODEL.into(),
            format: audio.format.label().into(),
            audio_seconds,
            queued_ms,
            processing_ms,
            real_time_factor: (processing_ms / 1000.0) as f32 / audio_seconds.max(0.01),
        })
    }

    /// Speaks text in a voice, from the cache when it was said before.
    pub async fn speak(&self, text: &str, voice: Voice) -> Result<Speech, VoiceServiceError> {
        let text = ::voice::synth::clean_text(text)?;
        let engine = self.engine.as_ref().ok_or(VoiceServiceError::NoEngine)?;
        let key = (voice, text);
        if let Some(wav) = self
            .cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
        {
            return Ok(Speech {
                wav,
                engine: engine.name(),
                cached: true,
            });
        }
        let wav = Arc::new(::voice::synth::speak(engine, &key.1, voice).await?);
        self.cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .put(key, wav.clone());
        Ok(Speech {
            wav,
            engine: engine.name(),
            cached: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_speech_cache_drops_the_oldest_beyond_its_bounds() {
        let mut cache = SpeechCache::default();
        for i in 0..CACHE_ENTRIES + 3 {
            cache.put((Voice::Support, i.to_string()), Arc::new(vec![0; 10]));
        }
        assert_eq!(cache.entries.len(), CACHE_ENTRIES);
        assert!(cache.get(&(Voice::Support, "0".into())).is_none());
        assert!(
            cache
                .get(&(Voice::Support, (CACHE_ENTRIES + 2).to_string()))
                .is_some()
        );
        assert_eq!(cache.bytes, CACHE_ENTRIES * 10);
        cache.put(
            (Voice::Pirate, "big".into()),
            Arc::new(vec![0; CACHE_BYTES - 5]),
        );
        assert!(cache.bytes <= CACHE_BYTES);
    }
}
