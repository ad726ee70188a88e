//! OpenAI's speech APIs through async-openai, used when a key is configured: transcription
//! (`/v1/audio/transcriptions`, verbose JSON for language and timed segments) and speech
//! (`/v1/audio/speech`, WAV). Any OpenAI-compatible server at another base URL works too.

use crate::VoiceError;
use crate::synth::Voice;
use crate::whisper::{Segment, Transcript};
use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::types::audio::{
    AudioInput, AudioResponseFormat, CreateSpeechRequest, CreateTranscriptionRequest, SpeechModel,
    SpeechResponseFormat, Voice as OpenAiVoice,
};

/// The cloud models and the client that reaches them.
#[derive(Clone)]
pub struct CloudVoice {
    client: Client<OpenAIConfig>,
    pub transcription_model: String,
    pub speech_model: String,
}

/// verbose_json as OpenAI and compatible servers write it (fields some servers leave out are
/// optional here, unlike async-openai's own type).
#[derive(serde::Deserialize)]
struct VerboseTranscript {
    text: String,
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    duration: Option<f32>,
    #[serde(default)]
    segments: Option<Vec<VerboseSegment>>,
}

#[derive(serde::Deserialize)]
struct VerboseSegment {
    start: f32,
    end: f32,
    text: String,
}

/// verbose_json names languages in English ("english"); the app shows codes.
fn language_code(name: &str) -> String {
    match name.to_ascii_lowercase().as_str() {
        "english" => "en",
        "german" => "de",
        "french" => "fr",
        "spanish" => "es",
        "italian" => "it",
        "portuguese" => "pt",
        "dutch" => "nl",
        "japanese" => "ja",
        "chinese" => "zh",
        other => return other.to_string(),
    }
    .to_string()
}

fn cloud_error(e: async_openai::error::OpenAIError) -> VoiceError {
    VoiceError::Engine(format!("OpenAI's speech service failed: {e}"))
}

impl CloudVoice {
    pub fn new(
        api_key: String,
        base_url: Option<String>,
        transcription_model: String,
        speech_model: String,
    ) -> CloudVoice {
        let mut config = OpenAIConfig::new().with_api_key(api_key);
        if let Some(base) = base_url {
            config = config.with_api_base(base.trim_end_matches('/'));
        }
        CloudVoice {
            client: Client::with_config(config),
            transcription_model,
            speech_model,
        }
    }

    /// Transcribes an upload (already checked by [`crate::audio::decode`]); `language` None asks
    /// the service to detect it.
    pub async fn transcribe(
        &self,
        bytes: Vec<u8>,
        filename: &str,
        language: Option<String>,
    ) -> Result<Transcript, VoiceError> {
        let request = CreateTranscriptionRequest {
            file: AudioInput::from_vec_u8(filename.to_string(), bytes),
            model: self.transcription_model.clone(),
            language: language.clone(),
            response_format: Some(AudioResponseFormat::VerboseJson),
            ..Default::default()
        };
        let answer: VerboseTranscript = self
            .client
            .audio()
            .transcription()
            .create_verbose_json_byot(request)
            .await
            .map_err(cloud_error)?;
        let detected = answer
            .language
            .as_deref()
            .map(language_code)
            .unwrap_or_else(|| "en".into());
        Ok(Transcript {
            text: answer.text.trim().to_string(),
            language: language.unwrap_or_else(|| detected.clone()),
            detected_language: detected,
            language_probability: 1.0,
            segments: answer
                .segments
                .unwrap_or_default()
                .into_iter()
                .map(|s| Segment {
                    start: s.start,
                    end: s.end,
                    text: s.text.trim().to_string(),
                })
                .collect(),
            audio_seconds: answer.duration.unwrap_or(0.0),
        })
    }

    /// Speaks text; WAV bytes.
    pub async fn speak(&self, text: &str, voice: Voice) -> Result<Vec<u8>, VoiceError> {
        let request = CreateSpeechRequest {
            input: text.to_string(),
            model: SpeechModel::Other(self.speech_model.clone()),
            voice: match voice {
                Voice::Support => OpenAiVoice::Alloy,
                Voice::Pirate => OpenAiVoice::Onyx,
            },
            instructions: (voice == Voice::Pirate)
                .then(|| "Speak like a cheerful old pirate captain.".to_string()),
            response_format: Some(SpeechResponseFormat::Wav),
            ..Default::default()
        };
        let speech = self
            .client
            .audio()
            .speech()
            .create(request)
            .await
            .map_err(cloud_error)?;
        let bytes = speech.bytes.to_vec();
        if !bytes.starts_with(b"RIFF") {
            return Err(VoiceError::Engine(
                "OpenAI's speech service did not answer with a WAV file.".into(),
            ));
        }
        Ok(bytes)
    }
}
