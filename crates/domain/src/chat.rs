//! The pirate chat's wire format and limits, shared by the server and the browser.

use serde::{Deserialize, Serialize};

pub const DEFAULT_PIRATE_PROMPT: &str = "You are a friendly, helpful assistant who always talks like a pirate. \
Greet people with \"Ahoy\", call them \"me hearty\", say \"Arr\" now and then, and keep answers short, \
cheerful and correct.";

pub const PIRATE_GREETING: &str = "Ahoy, me hearty! I be yer pirate assistant. Ask me anythin' ye like, and I'll answer true as a compass. Arr!";

/// Said wherever the embedded model answers, so nobody expects more of it.
pub const EMBEDDED_MODEL_NOTE: &str =
    "A small 135M-parameter model running on this server's CPU: charming, not wise.";

pub const MAX_MESSAGE_CHARS: usize = 4_000;
pub const MAX_PROMPT_CHARS: usize = 4_000;
pub const MIN_TEMPERATURE: f32 = 0.0;
pub const MAX_TEMPERATURE: f32 = 1.5;
pub const DEFAULT_TEMPERATURE: f32 = 0.7;

/// What the browser sends to `POST /api/pirate/chat`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChatInput {
    pub message: String,
    #[serde(default)]
    pub system_prompt: Option<String>,
    #[serde(default)]
    pub temperature: Option<f32>,
    /// "embedded" or "cloud"; `None` lets the server choose (cloud when configured).
    #[serde(default)]
    pub provider: Option<String>,
}

impl ChatInput {
    /// Checks the input at the edge; the error is a sentence for the person who typed it.
    pub fn validate(&self) -> Result<(String, String, f32), String> {
        let message = self.message.trim();
        if message.is_empty() {
            return Err("Type a message first.".into());
        }
        if message.chars().count() > MAX_MESSAGE_CHARS {
            return Err(format!(
                "Messages can be at most {MAX_MESSAGE_CHARS} characters."
            ));
        }
        let prompt = self
            .system_prompt
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty());
        let prompt = prompt.unwrap_or(DEFAULT_PIRATE_PROMPT);
        if prompt.chars().count() > MAX_PROMPT_CHARS {
            return Err(format!(
                "The system prompt can be at most {MAX_PROMPT_CHARS} characters."
            ));
        }
        let temperature = self.temperature.unwrap_or(DEFAULT_TEMPERATURE);
        if !temperature.is_finite() || !(MIN_TEMPERATURE..=MAX_TEMPERATURE).contains(&temperature) {
            return Err(format!(
                "Temperature must be between {MIN_TEMPERATURE} and {MAX_TEMPERATURE}."
            ));
        }
        Ok((message.to_owned(), prompt.to_owned(), temperature))
    }
}

/// One server-sent event of a reply, as JSON in the event's `data`.
///
/// Read through `StreamFrameWire` (the same JSON): a derived internally tagged enum first copies
/// each frame into serde's generic buffer (`Content`) to find its tag, code the browser would
/// carry only for this.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", try_from = "StreamFrameWire")]
pub enum StreamFrame {
    /// Who answers, sent first.
    Meta {
        provider: String,
        model: String,
        note: Option<String>,
    },
    /// Waiting for the model, which serves one reply at a time.
    Queued,
    Token {
        text: String,
    },
    /// The reply is complete (or was stopped); `html` is its sanitized markdown.
    Done {
        html: String,
        finish: String,
        completion_tokens: u32,
        first_token_ms: u64,
        total_ms: u64,
        tokens_per_second: f64,
    },
    Error {
        message: String,
    },
}

/// `StreamFrame` as JSON has it: the tag and every variant's fields, the others' absent.
#[derive(Deserialize)]
struct StreamFrameWire {
    #[serde(rename = "type")]
    kind: String,
    provider: Option<String>,
    model: Option<String>,
    note: Option<String>,
    text: Option<String>,
    html: Option<String>,
    finish: Option<String>,
    completion_tokens: Option<u32>,
    first_token_ms: Option<u64>,
    total_ms: Option<u64>,
    tokens_per_second: Option<f64>,
    message: Option<String>,
}

impl TryFrom<StreamFrameWire> for StreamFrame {
    type Error = String;

    fn try_from(wire: StreamFrameWire) -> Result<Self, String> {
        let missing = |field: &str| format!("a {} frame needs `{field}`", wire.kind);
        match wire.kind.as_str() {
            "meta" => Ok(StreamFrame::Meta {
                provider: wire.provider.ok_or_else(|| missing("provider"))?,
                model: wire.model.ok_or_else(|| missing("model"))?,
                note: wire.note,
            }),
            "queued" => Ok(StreamFrame::Queued),
            "token" => Ok(StreamFrame::Token {
                text: wire.text.ok_or_else(|| missing("text"))?,
            }),
            "done" => Ok(StreamFrame::Done {
                html: wire.html.ok_or_else(|| missing("html"))?,
                finish: wire.finish.ok_or_else(|| missing("finish"))?,
                completion_tokens: wire
                    .completion_tokens
                    .ok_or_else(|| missing("completion_tokens"))?,
                first_token_ms: wire
                    .first_token_ms
                    .ok_or_else(|| missing("first_token_ms"))?,
                total_ms: wire.total_ms.ok_or_else(|| missing("total_ms"))?,
                tokens_per_second: wire
                    .tokens_per_second
                    .ok_or_else(|| missing("tokens_per_second"))?,
            }),
            "error" => Ok(StreamFrame::Error {
                message: wire.message.ok_or_else(|| missing("message"))?,
            }),
            other => Err(format!("unknown frame type `{other}`")),
        }
    }
}

/// A message of the conversation as the page shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChatLine {
    pub role: String,
    pub text: String,
    /// Sanitized HTML for assistant messages.
    pub html: Option<String>,
    /// e.g. "SmolLM2-135M-Instruct (embedded) · 42 tok/s" or "stopped".
    pub detail: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(message: &str, prompt: Option<&str>, temperature: Option<f32>) -> ChatInput {
        ChatInput {
            message: message.into(),
            system_prompt: prompt.map(Into::into),
            temperature,
            provider: None,
        }
    }

    #[test]
    fn a_stream_frame_reads_back_what_it_wrote() {
        for frame in [
            StreamFrame::Meta {
                provider: "embedded".into(),
                model: "SmolLM2".into(),
                note: None,
            },
            StreamFrame::Meta {
                provider: "openai".into(),
                model: "gpt-4o-mini".into(),
                note: Some("cloud".into()),
            },
            StreamFrame::Queued,
            StreamFrame::Token { text: "Arr".into() },
            StreamFrame::Done {
                html: "<p>Arr</p>".into(),
                finish: "stop".into(),
                completion_tokens: 12,
                first_token_ms: 80,
                total_ms: 900,
                tokens_per_second: 13.5,
            },
            StreamFrame::Error {
                message: "The model is busy.".into(),
            },
        ] {
            let json = serde_json::to_string(&frame).expect("serialises");
            let back: StreamFrame = serde_json::from_str(&json).expect("reads back");
            assert_eq!(back, frame, "{json}");
        }
        assert_eq!(
            serde_json::to_value(StreamFrame::Queued).expect("serialises"),
            serde_json::json!({"type": "queued"})
        );
        let missing = serde_json::from_str::<StreamFrame>(r#"{"type":"token"}"#);
        assert!(missing.is_err_and(|e| e.to_string().contains("needs `text`")));
        assert!(serde_json::from_str::<StreamFrame>(r#"{"type":"surprise"}"#).is_err());
    }

    #[test]
    fn validation_accepts_defaults_and_trims() {
        let (m, p, t) = input("  hello ", None, None).validate().expect("valid");
        assert_eq!(
            (m.as_str(), p.as_str(), t),
            ("hello", DEFAULT_PIRATE_PROMPT, DEFAULT_TEMPERATURE)
        );
        assert_eq!(
            input("x", Some("   "), Some(0.0)).validate().map(|v| v.1),
            Ok(DEFAULT_PIRATE_PROMPT.to_owned())
        );
    }

    #[test]
    fn validation_explains_what_is_wrong() {
        assert_eq!(
            input("   ", None, None).validate().err().as_deref(),
            Some("Type a message first.")
        );
        assert!(
            input(&"a".repeat(MAX_MESSAGE_CHARS + 1), None, None)
                .validate()
                .is_err()
        );
        assert!(
            input("x", Some(&"p".repeat(MAX_PROMPT_CHARS + 1)), None)
                .validate()
                .is_err()
        );
        for bad in [-0.1, 1.6, f32::NAN, f32::INFINITY] {
            assert!(input("x", None, Some(bad)).validate().is_err(), "{bad}");
        }
    }
}

/// The cookie that ties a browser to its pirate conversation.
pub const PIRATE_SESSION_COOKIE: &str = "pirate_session";

/// What is stored with a pirate reply (its message metadata): who answered and how fast.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReplyMetadata {
    pub provider: String,
    pub model: String,
    /// stop, length, cancelled or error.
    pub finish: String,
    pub completion_tokens: Option<u32>,
    pub tokens_per_second: Option<f64>,
}

/// A well-formed session id (a UUID), as the chats' session cookies carry.
pub fn is_session_id(value: &str) -> bool {
    value.len() == 36
        && value.chars().enumerate().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

#[cfg(test)]
mod session_tests {
    use super::*;

    #[test]
    fn only_a_well_formed_uuid_is_a_session_id() {
        assert!(is_session_id("0f8fad5b-d9cb-469f-a165-70867728950e"));
        assert!(!is_session_id("../../etc/passwd"));
        assert!(!is_session_id(""));
        assert!(!is_session_id("0f8fad5b-d9cb-469f-a165-70867728950e0"));
        assert!(!is_session_id("0f8fad5b_d9cb_469f_a165_70867728950e"));
    }
}
