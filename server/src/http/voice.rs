//! Voice endpoints: `POST /api/voice/transcribe` (a multipart recording, at most 60 s and 10 MB,
//! to text with timed segments) and `POST /api/voice/speak` (text to a WAV). Both are rate
//! limited like the chats.

use crate::http::error::ApiError;
use crate::http::upload::Upload;
use crate::services::metrics::Metrics;
use crate::services::voice::{RECOGNIZER_MODEL, VoiceService, VoiceServiceError};
use crate::state::ServerState;
use ::voice::VoiceError;
use ::voice::synth::Voice;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Multipart, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use domain::api::ErrorCode;
use domain::api::routes::voice_api;
use domain::voice::{MAX_RECORDING_BYTES, SpeakInput};
use std::sync::Arc;

/// Body limit of the transcribe route: one recording plus the multipart framing.
const TRANSCRIBE_BODY_LIMIT: usize = MAX_RECORDING_BYTES + 64 * 1024;

impl From<VoiceServiceError> for ApiError {
    fn from(e: VoiceServiceError) -> ApiError {
        use StatusCode as S;
        match e {
            VoiceServiceError::NoSpeech => ApiError::new(
                S::UNPROCESSABLE_ENTITY,
                ErrorCode::BadAudio,
                "No speech was heard in the recording; speak closer to the microphone and try again.",
            ),
            VoiceServiceError::Busy(n) => ApiError::new(
                S::SERVICE_UNAVAILABLE,
                ErrorCode::Unavailable,
                format!(
                    "The speech recogniser is busy with {n} recordings; try again in a moment."
                ),
            ),
            VoiceServiceError::NoEngine => ApiError::new(
                S::SERVICE_UNAVAILABLE,
                ErrorCode::Unavailable,
                "No speech engine is installed on this server (flite or espeak-ng); scripts/setup.sh installs one.",
            ),
            VoiceServiceError::Internal => ApiError::new(
                S::INTERNAL_SERVER_ERROR,
                ErrorCode::Internal,
                "Voice processing failed; please try again.",
            ),
            VoiceServiceError::Voice(e) => voice_error(e),
        }
    }
}

fn voice_error(e: VoiceError) -> ApiError {
    use StatusCode as S;
    let text = e.to_string();
    match e {
        VoiceError::Empty | VoiceError::BadAudio(_) => {
            ApiError::new(S::UNPROCESSABLE_ENTITY, ErrorCode::BadAudio, text)
        }
        VoiceError::TooLong(_) => ApiError::new(S::PAYLOAD_TOO_LARGE, ErrorCode::TooLarge, text),
        VoiceError::UnsupportedType(_) => {
            ApiError::new(S::UNSUPPORTED_MEDIA_TYPE, ErrorCode::UnsupportedType, text)
        }
        VoiceError::Invalid(_) => ApiError::new(S::UNPROCESSABLE_ENTITY, ErrorCode::Invalid, text),
        VoiceError::ModelMissing(_) | VoiceError::Engine(_) => {
            tracing::error!(error = %text, "voice unavailable");
            ApiError::new(S::SERVICE_UNAVAILABLE, ErrorCode::Unavailable, text)
        }
        VoiceError::Model(_) => {
            tracing::error!(error = %text, "speech recognition failed");
            ApiError::new(
                S::INTERNAL_SERVER_ERROR,
                ErrorCode::Internal,
                "Speech recognition failed; please try again.",
            )
        }
    }
}

/// How this route's uploads are read and refused.
const UPLOAD: Upload = Upload {
    what: "the recording",
    too_large: "The recording is too large; at most 10 MB (60 seconds) are accepted.",
};

/// `POST /api/voice/transcribe`: multipart `file` (WAV, WebM/Opus or Ogg/Opus, checked by
/// content) and optionally `language` (a code such as `en`, or `auto`).
async fn transcribe(
    State(service): State<Arc<VoiceService>>,
    State(metrics): State<Metrics>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let mut multipart = multipart.map_err(|e| UPLOAD.unreadable(&e))?;
    let (mut file, mut language) = (None, None);
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| UPLOAD.unreadable(&e))?
    {
        match field.name().unwrap_or_default() {
            "file" | "audio" => {
                let bytes = UPLOAD.read(field, MAX_RECORDING_BYTES, |_| UPLOAD.too_large());
                file = Some(bytes.await?);
            }
            "language" => {
                let code = field.text().await.map_err(|e| UPLOAD.unreadable(&e))?;
                let code = code.trim().to_string();
                let valid = code == "auto"
                    || (2..=3).contains(&code.len())
                        && code.chars().all(|c| c.is_ascii_alphabetic());
                if !code.is_empty() && !valid {
                    return Err(ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        ErrorCode::Invalid,
                        "language must be a language code such as `en`, or `auto`.",
                    )
                    .on_field("language"));
                }
                language = Some(code);
            }
            _ => {}
        }
    }
    let bytes = file.ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::MissingFile,
            "No recording received: send it in a multipart field named `file`.",
        )
    })?;
    let result = service.transcribe(bytes, language).await;
    let (backend, outcome) = match &result {
        Ok(t) => (t.backend.clone(), "ok"),
        Err(VoiceServiceError::NoSpeech) => ("unknown".into(), "no_speech"),
        Err(_) => ("unknown".into(), "error"),
    };
    metrics.count(
        "voice_transcriptions_total",
        vec![("backend", backend.clone()), ("outcome", outcome.into())],
        1.0,
    );
    let transcription = result.map_err(ApiError::from)?;
    if transcription.backend == "embedded" {
        metrics.observe(
            "model_inference_duration_seconds",
            vec![("model", RECOGNIZER_MODEL.into())],
            transcription.processing_ms / 1000.0,
        );
    }
    metrics.count(
        "voice_audio_seconds_total",
        vec![("backend", backend)],
        f64::from(transcription.audio_seconds),
    );
    Ok(Json(transcription).into_response())
}

/// `POST /api/voice/speak` `{text, voice}`: a WAV of the text in that voice (`support` or
/// `pirate`).
async fn speak(
    State(service): State<Arc<VoiceService>>,
    State(metrics): State<Metrics>,
    input: Result<Json<SpeakInput>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(input) = input.map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            format!(
                "Send JSON like {{\"text\": \"Hello\", \"voice\": \"support\"}} ({}).",
                e.body_text()
            ),
        )
    })?;
    let voice = Voice::parse(input.voice.as_deref().unwrap_or_default()).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::Invalid,
            "voice must be `support` or `pirate`.",
        )
        .on_field("voice")
    })?;
    let result = service.speak(&input.text, voice).await;
    let outcome = match &result {
        Ok(s) if s.cached => "cached",
        Ok(_) => "spoken",
        Err(_) => "error",
    };
    metrics.count(
        "voice_speech_total",
        vec![
            ("voice", format!("{voice:?}").to_lowercase()),
            ("outcome", outcome.into()),
        ],
        1.0,
    );
    let speech = result.map_err(|e| match e {
        VoiceServiceError::Voice(VoiceError::Invalid(m)) => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::Invalid, m).on_field("text")
        }
        other => ApiError::from(other),
    })?;
    let mut response = speech.wav.as_ref().clone().into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("audio/wav"));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
    headers.insert("x-voice-engine", HeaderValue::from_static(speech.engine));
    headers.insert(
        "x-voice-cache",
        HeaderValue::from_static(if speech.cached { "hit" } else { "miss" }),
    );
    Ok(response)
}

pub fn router(state: &ServerState) -> Router<ServerState> {
    let limited = || {
        axum::middleware::from_fn_with_state(
            state.chat_limit.clone(),
            crate::http::rate_limit::limit_chat,
        )
    };
    Router::new()
        .route(
            voice_api::TRANSCRIBE.template(),
            axum::routing::post(transcribe)
                .route_layer(limited())
                .layer(axum::extract::DefaultBodyLimit::max(TRANSCRIBE_BODY_LIMIT)),
        )
        .route(
            voice_api::SPEAK.template(),
            axum::routing::post(speak).route_layer(limited()).layer(
                axum::extract::DefaultBodyLimit::max(crate::http::JSON_BODY_LIMIT),
            ),
        )
}
