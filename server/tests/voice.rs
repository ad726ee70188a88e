//! Voice over HTTP: a browser's WebM recording transcribed, text spoken as WAV (and cached),
//! bad uploads refused with sentences, and voice in /health/ready and /metrics. Needs the Whisper
//! files scripts/setup.sh fetches and flite; where either is missing the test says so and skips.
// A test stops at a failed step: unwrap and expect are what it means here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../crates/voice/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture")
}

/// A multipart form's parts: (field, file name, bytes).
type Parts<'a> = &'a [(&'a str, Option<&'a str>, &'a [u8])];

fn whisper_present() -> bool {
    let present = voice::whisper::model_files(std::path::Path::new(&models_dir()))
        .iter()
        .all(|f| f.is_file());
    if !present {
        eprintln!(
            "\n*** SKIPPED: the Whisper files are missing; scripts/setup.sh fetches them ***\n"
        );
    }
    present
}

#[tokio::test]
async fn a_browser_recording_is_transcribed_and_bad_uploads_get_sentences() {
    if !whisper_present() {
        return;
    }
    let app = TestApp::builder()
        .env("MODELS_DIR", &models_dir())
        .build()
        .await
        .expect("app");
    let ready = app.get("/health/ready").await;
    assert!(
        ready.body.contains(r#""recognizer":"loads on first use""#),
        "{}",
        ready.body
    );

    let webm = fixture("shipping-chicago.webm");
    let heard = transcribed(&app, &webm).await;
    assert_eq!(heard.text, "How long does shipping take to Chicago?");
    assert_eq!(
        (
            heard.format.as_str(),
            heard.backend.as_str(),
            heard.model.as_str()
        ),
        ("WebM/Opus", "embedded", "whisper-base")
    );
    assert_eq!(
        (heard.language.as_str(), heard.detected_language.as_str()),
        ("en", "en")
    );
    assert!(
        heard.real_time_factor > 0.0 && heard.audio_seconds > 2.0,
        "{heard:?}"
    );
    assert!(!heard.segments.is_empty());

    let refusals: [(Parts, StatusCode, &str); 5] = [
        (
            &[("file", Some("a.webm"), b"")],
            StatusCode::UNPROCESSABLE_ENTITY,
            "The recording is empty.",
        ),
        (
            &[("file", Some("a.png"), b"\x89PNG\r\n\x1a\n00000000")],
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the recording as WAV",
        ),
        (
            &[("file", Some("a.webm"), &webm[..webm.len() / 2])],
            StatusCode::UNPROCESSABLE_ENTITY,
            "cut short",
        ),
        (
            &[("language", None, b"en")],
            StatusCode::BAD_REQUEST,
            "multipart field named `file`",
        ),
        (
            &[
                ("file", Some("a.webm"), &webm),
                ("language", None, b"english!"),
            ],
            StatusCode::UNPROCESSABLE_ENTITY,
            "language code",
        ),
    ];
    for (parts, status, sentence) in refusals {
        let reply = app
            .request(multipart_request("/api/voice/transcribe", parts))
            .await;
        assert_eq!(reply.status, status, "{}", reply.body);
        assert!(reply.body.contains(sentence), "{}", reply.body);
    }
    let long = voice::audio::wav_bytes(&vec![0.0; 16_000 * 62], 16_000);
    let reply = app
        .request(multipart_request(
            "/api/voice/transcribe",
            &[("file", Some("long.wav"), &long)],
        ))
        .await;
    assert_eq!(
        reply.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        reply.body
    );
    assert!(reply.body.contains("at most 60 seconds"), "{}", reply.body);
    let quiet = voice::audio::wav_bytes(&vec![0.0; 16_000 * 2], 16_000);
    let reply = app
        .request(multipart_request(
            "/api/voice/transcribe",
            &[("file", Some("quiet.wav"), &quiet)],
        ))
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert!(reply.body.contains("No speech was heard"), "{}", reply.body);

    let ready = app.get("/health/ready").await;
    assert!(
        ready.body.contains(r#""recognizer":"ready""#),
        "{}",
        ready.body
    );
    let metrics = app.metrics().await;
    assert!(
        metrics
            .body
            .contains(r#"voice_transcriptions_total{backend="embedded",outcome="ok"} 1"#),
        "{}",
        metrics.body
    );
    assert!(
        metrics
            .body
            .contains(r#"voice_transcriptions_total{backend="unknown",outcome="no_speech"} 1"#)
    );
    app.cleanup().await;
}

#[tokio::test]
async fn text_is_spoken_as_wav_in_each_voice_and_cached() {
    let Some(engine) = voice::synth::Engine::detect() else {
        eprintln!("\n*** SKIPPED: no speech engine (install flite: scripts/setup.sh does) ***\n");
        return;
    };
    let app = TestApp::builder().build().await.expect("app");
    let body = r#"{"text":"Your order 1015 has shipped.","voice":"pirate"}"#;
    let first = app.post_json("/api/voice/speak", body).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(
        first
            .headers
            .get(header::CONTENT_TYPE)
            .map(|v| v.as_bytes()),
        Some(&b"audio/wav"[..])
    );
    assert_eq!(
        first.headers.get("x-voice-engine").map(|v| v.as_bytes()),
        Some(engine.name().as_bytes())
    );
    assert_eq!(
        first.headers.get("x-voice-cache").map(|v| v.as_bytes()),
        Some(&b"miss"[..])
    );
    let again = app.post_json("/api/voice/speak", body).await;
    assert_eq!(
        again.headers.get("x-voice-cache").map(|v| v.as_bytes()),
        Some(&b"hit"[..])
    );
    let support = app
        .post_json(
            "/api/voice/speak",
            r#"{"text":"Your order 1015 has shipped."}"#,
        )
        .await;
    assert_eq!(
        support.headers.get("x-voice-cache").map(|v| v.as_bytes()),
        Some(&b"miss"[..]),
        "another voice is another recording"
    );

    for (body, status, sentence) in [
        (
            r#"{"text":"   "}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "There is no text to speak.",
        ),
        (
            r#"{"text":"hi","voice":"robot"}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "voice must be `support` or `pirate`.",
        ),
        (
            r#"{"voice":"pirate"}"#,
            StatusCode::BAD_REQUEST,
            "Send JSON like",
        ),
    ] {
        let reply = app.post_json("/api/voice/speak", body).await;
        assert_eq!(reply.status, status, "{}", reply.body);
        assert!(reply.body.contains(sentence), "{}", reply.body);
    }
    let long = format!(r#"{{"text":"{}"}}"#, "word ".repeat(250));
    let reply = app.post_json("/api/voice/speak", &long).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply.body.contains("at most 1000 can be spoken"),
        "{}",
        reply.body
    );
    let metrics = app.metrics().await;
    assert!(
        metrics
            .body
            .contains(r#"voice_speech_total{voice="pirate",outcome="cached"} 1"#),
        "{}",
        metrics.body
    );
    app.cleanup().await;
}

/// A local FAKE of OpenAI's speech APIs (the real service cannot be reached from here), speaking
/// their wire protocol: multipart `/v1/audio/transcriptions` answered in verbose_json, JSON
/// `/v1/audio/speech` answered with WAV bytes. `fail` makes both answer 500.
async fn fake_openai(fail: bool) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use axum::extract::{Multipart, State};
    use axum::response::IntoResponse;
    use std::sync::{Arc, Mutex};
    type Seen = Arc<Mutex<Vec<String>>>;
    async fn transcriptions(
        State((seen, fail)): State<(Seen, bool)>,
        mut form: Multipart,
    ) -> axum::response::Response {
        let mut fields = Vec::new();
        while let Ok(Some(field)) = form.next_field().await {
            let name = field.name().unwrap_or_default().to_string();
            let file = field.file_name().map(str::to_string);
            let bytes = field.bytes().await.unwrap_or_default();
            fields.push(match file {
                Some(f) => format!("{name}={f}:{}", bytes.len()),
                None => format!("{name}={}", String::from_utf8_lossy(&bytes)),
            });
        }
        seen.lock()
            .unwrap()
            .push(format!("transcriptions {}", fields.join(" ")));
        if fail {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                r#"{"error":{"message":"boom","type":"server_error"}}"#,
            )
                .into_response();
        }
        axum::Json(serde_json::json!({
            "task": "transcribe", "language": "english", "duration": 2.9,
            "text": " Where is my order?",
            "segments": [{"id": 0, "seek": 0, "start": 0.0, "end": 2.9, "text": " Where is my order?", "tokens": [1], "temperature": 0.0, "avg_logprob": -0.2, "compression_ratio": 1.0, "no_speech_prob": 0.01}],
            "usage": {"type": "duration", "seconds": 3}
        }))
        .into_response()
    }
    async fn speech(
        State((seen, fail)): State<(Seen, bool)>,
        body: String,
    ) -> axum::response::Response {
        seen.lock().unwrap().push(format!("speech {body}"));
        if fail {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                r#"{"error":{"message":"boom","type":"server_error"}}"#,
            )
                .into_response();
        }
        (
            [(header::CONTENT_TYPE, "audio/wav")],
            voice::audio::wav_bytes(&[0.1; 2400], 24_000),
        )
            .into_response()
    }
    let seen: Seen = Arc::new(Mutex::new(Vec::new()));
    let app = axum::Router::new()
        .route(
            "/v1/audio/transcriptions",
            axum::routing::post(transcriptions),
        )
        .route("/v1/audio/speech", axum::routing::post(speech))
        .with_state((seen.clone(), fail));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{address}/v1"), seen)
}

/// A test app whose OpenAI is the fake at `url`.
async fn app_with_openai(url: &str) -> TestApp {
    TestApp::builder()
        .env("OPENAI_API_KEY", "sk-test-voice-0123456789abcdef")
        .env("OPENAI_BASE_URL", url)
        .env("MODELS_DIR", &models_dir())
        .build()
        .await
        .expect("app")
}

/// A WebM recording sent to the transcribe route, which must answer 200.
async fn transcribed(app: &TestApp, webm: &[u8]) -> domain::voice::Transcription {
    let form = [("file", Some("speech.webm"), webm)];
    let reply = app
        .request(multipart_request("/api/voice/transcribe", &form))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    serde_json::from_str(&reply.body).expect("json")
}

#[tokio::test]
async fn with_a_key_openai_answers_and_the_embedded_voice_takes_over_when_it_fails() {
    let webm = fixture("shipping-chicago.webm");
    let (url, seen) = fake_openai(false).await;
    let app = app_with_openai(&url).await;
    let heard = transcribed(&app, &webm).await;
    assert_eq!(
        (
            heard.backend.as_str(),
            heard.model.as_str(),
            heard.text.as_str()
        ),
        ("openai", "whisper-1", "Where is my order?")
    );
    assert_eq!(
        (heard.detected_language.as_str(), heard.segments.len()),
        ("en", 1)
    );
    let spoken = app
        .post_json("/api/voice/speak", r#"{"text":"Ahoy","voice":"pirate"}"#)
        .await;
    assert_eq!(spoken.status, StatusCode::OK, "{}", spoken.body);
    assert_eq!(
        spoken.headers.get("x-voice-engine").map(|v| v.as_bytes()),
        Some(&b"openai"[..])
    );
    let requests = seen.lock().unwrap().clone();
    assert!(
        requests[0].contains("model=whisper-1")
            && requests[0].contains("file=speech.webm:")
            && requests[0].contains("response_format=verbose_json"),
        "{requests:?}"
    );
    assert!(
        requests[1].contains(r#""voice":"onyx""#)
            && requests[1].contains(r#""response_format":"wav""#)
            && requests[1].contains("gpt-4o-mini-tts"),
        "{requests:?}"
    );
    app.cleanup().await;

    // The service fails: the embedded recogniser and synthesiser answer, and say so.
    if !whisper_present() || voice::synth::Engine::detect().is_none() {
        return;
    }
    let (url, _) = fake_openai(true).await;
    let app = app_with_openai(&url).await;
    let heard = transcribed(&app, &webm).await;
    assert_eq!(
        (heard.backend.as_str(), heard.text.as_str()),
        ("embedded", "How long does shipping take to Chicago?")
    );
    let spoken = app
        .post_json("/api/voice/speak", r#"{"text":"Ahoy","voice":"pirate"}"#)
        .await;
    assert_eq!(
        spoken.headers.get("x-voice-engine").map(|v| v.as_bytes()),
        Some(&b"flite"[..])
    );
    app.cleanup().await;
}
