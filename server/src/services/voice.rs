//! Voice: the speech recogniser (Whisper base, loaded on first use, one recording at a time off
//! the async threads, a short queue with its state told) and the synthesiser (an installed
//! offline engine as a process; answers cached by voice and text). With OPENAI_API_KEY set,
//! OpenAI's speech APIs answer first; when they fail, the embedded ones do, and the answer says
//! which backend it came from.

use ::voice::VoiceError;
use ::voice::cloud::CloudVoice;
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
    /// OpenAI's models when a key is set.
    pub cloud: Option<String>,
}

type Loaded = Result<Arc<Mutex<Recognizer>>, String>;
/// A spoken WAV and the engine that spoke it.
type Spoken = (Arc<Vec<u8>>, &'static str);

/// Spoken WAVs by (voice, text), oldest dropped first.
#[derive(Default)]
struct SpeechCache {
    entries: HashMap<(Voice, String), Spoken>,
    order: VecDeque<(Voice, String)>,
    bytes: usize,
}

impl SpeechCache {
    fn get(&self, key: &(Voice, String)) -> Option<Spoken> {
        self.entries.get(key).cloned()
    }

    fn put(&mut self, key: (Voice, String), spoken: Spoken) {
        if self.entries.contains_key(&key) || spoken.0.len() > CACHE_BYTES {
            return;
        }
        self.bytes += spoken.0.len();
        self.order.push_back(key.clone());
        self.entries.insert(key, spoken);
        while self.order.len() > CACHE_ENTRIES || self.bytes > CACHE_BYTES {
            let Some(old) = self.order.pop_front() else {
                break;
            };
            if let Some((w, _)) = self.entries.remove(&old) {
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
    cloud: Option<CloudVoice>,
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
    pub fn new(config: &crate::config::Config) -> Self {
        let cloud = config.openai_api_key.as_ref().map(|key| {
            CloudVoice::new(
                secrecy::ExposeSecret::expose_secret(key).to_owned(),
                config
                    .openai_base_url
                    .as_ref()
                    .map(|u| u.as_str().to_owned()),
                config.openai_transcription_model.clone(),
                config.openai_speech_model.clone(),
            )
        });
        VoiceService {
            models_dir: config.models_dir.clone(),
            recognizer: OnceCell::new(),
            turn: Semaphore::new(1),
            in_line: AtomicUsize::new(0),
            engine: Engine::detect(),
            cloud,
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
            cloud: self
                .cloud
                .as_ref()
                .map(|c| format!("OpenAI {} / {}", c.transcription_model, c.speech_model)),
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
        // The bytes come back from the blocking pool: the cloud path sends them as uploaded.
        let (audio, bytes) =
            tokio::task::spawn_blocking(move || (::voice::audio::decode(&bytes), bytes))
                .await
                .map_err(|_| VoiceServiceError::Internal)?;
        let audio = audio?;
        if let Some(cloud) = &self.cloud {
            let started = Instant::now();
            let name = match audio.format {
                ::voice::audio::AudioFormat::Wav => "speech.wav",
                ::voice::audio::AudioFormat::OggOpus => "speech.ogg",
                ::voice::audio::AudioFormat::WebmOpus => "speech.webm",
            };
            let code = match &language {
                Language::Fixed(code) => Some(code.clone()),
                Language::Detect => None,
            };
            match cloud.transcribe(bytes, name, code).await {
                Ok(t) => {
                    let processing_ms = started.elapsed().as_secs_f64() * 1000.0;
                    let seconds = if t.audio_seconds > 0.0 {
                        t.audio_seconds
                    } else {
                        audio.seconds()
                    };
                    let model = cloud.transcription_model.clone();
                    return finish(
                        t,
                        "openai",
                        model,
                        audio.format.label(),
                        seconds,
                        0.0,
                        processing_ms,
                    );
                }
                Err(e) => {
                    tracing::warn!(error = %e, "OpenAI transcription failed; the embedded recogniser answers")
                }
            }
        }
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
        let seconds = transcript.audio_seconds;
        finish(
            transcript,
            "embedded",
            RECOGNIZER_MODEL.into(),
            audio.format.label(),
            seconds,
            queued_ms,
            processing_ms,
        )
    }

    /// Speaks text in a voice, from the cache when it was said before: OpenAI's voice when a key
    /// is set (the embedded engine when it fails), else the embedded engine.
    pub async fn speak(&self, text: &str, voice: Voice) -> Result<Speech, VoiceServiceError> {
        let text = ::voice::synth::clean_text(text)?;
        let key = (voice, text);
        let cached = self
            .cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key);
        if let Some((wav, engine)) = cached {
            return Ok(Speech {
                wav,
                engine,
                cached: true,
            });
        }
        let mut spoken = None;
        if let Some(cloud) = &self.cloud {
            match cloud.speak(&key.1, voice).await {
                Ok(wav) => spoken = Some((Arc::new(wav), "openai")),
                Err(e) => {
                    tracing::warn!(error = %e, "OpenAI speech failed; the embedded engine speaks")
                }
            }
        }
        let (wav, engine) = match spoken {
            Some(s) => s,
            None => {
                let engine = self.engine.as_ref().ok_or(VoiceServiceError::NoEngine)?;
                let wav = ::voice::synth::speak(engine, &key.1, voice).await?;
                (Arc::new(wav), engine.name())
            }
        };
        self.cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .put(key, (wav.clone(), engine));
        Ok(Speech {
            wav,
            engine,
            cached: false,
        })
    }
}

/// The answer of either backend.
fn finish(
    t: ::voice::whisper::Transcript,
    backend: &str,
    model: String,
    format: &str,
    audio_seconds: f32,
    queued_ms: f64,
    processing_ms: f64,
) -> Result<Transcription, VoiceServiceError> {
    if t.text.trim().is_empty() {
        return Err(VoiceServiceError::NoSpeech);
    }
    Ok(Transcription {
        text: t.text,
        language: t.language,
        detected_language: t.detected_language,
        language_probability: t.language_probability,
        segments: t
            .segments
            .into_iter()
            .map(|s| TranscriptSegment {
                start: s.start,
                end: s.end,
                text: s.text,
            })
            .collect(),
        backend: backend.into(),
        model,
        format: format.into(),
        audio_seconds,
        queued_ms,
        processing_ms,
        real_time_factor: (processing_ms / 1000.0) as f32 / audio_seconds.max(0.01),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_speech_cache_drops_the_oldest_beyond_its_bounds() {
        let mut cache = SpeechCache::default();
        for i in 0..CACHE_ENTRIES + 3 {
            cache.put(
                (Voice::Support, i.to_string()),
                (Arc::new(vec![0; 10]), "flite"),
            );
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
            (Arc::new(vec![0; CACHE_BYTES - 5]), "flite"),
        );
        assert!(cache.bytes <= CACHE_BYTES);
    }
}
