//! The LLM layer: every chat feature talks to a [`ChatProvider`] and receives a stream of
//! [`ChatEvent`]s, whichever model answers.

mod breaker;
mod embedded;
mod embeddings;
mod fallback;
mod openai;

pub use breaker::CircuitBreaker;
pub use embedded::{EmbeddedProvider, LazyEmbeddedProvider};
pub use embeddings::OpenAiEmbedder;
pub use fallback::FallbackProvider;
pub use llm_embedded::{MODEL_FILE as EMBEDDED_MODEL_FILE, MODEL_NAME as EMBEDDED_MODEL_NAME};
pub use openai::{OpenAiProvider, OpenAiSettings};

use serde::{Deserialize, Serialize};
use std::time::Duration;
use tokio::sync::mpsc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
    /// The result of a tool call, answering the assistant message that asked for it.
    Tool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub role: Role,
    pub content: String,
    /// Assistant messages: the calls the model made.
    #[serde(default)]
    pub tool_calls: Vec<ToolCall>,
    /// Tool messages: which call this result answers.
    #[serde(default)]
    pub tool_call_id: Option<String>,
}

impl ChatMessage {
    pub fn new(role: Role, content: impl Into<String>) -> ChatMessage {
        ChatMessage {
            role,
            content: content.into(),
            tool_calls: Vec::new(),
            tool_call_id: None,
        }
    }

    /// An assistant turn that called tools (with any text it wrote alongside).
    pub fn assistant_calls(content: impl Into<String>, calls: Vec<ToolCall>) -> ChatMessage {
        ChatMessage {
            tool_calls: calls,
            ..ChatMessage::new(Role::Assistant, content)
        }
    }

    /// A tool's result for the call `call_id`.
    pub fn tool_result(call_id: impl Into<String>, content: impl Into<String>) -> ChatMessage {
        ChatMessage {
            tool_call_id: Some(call_id.into()),
            ..ChatMessage::new(Role::Tool, content)
        }
    }
}

/// A function the model may call.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ToolSpec {
    pub name: String,
    pub description: String,
    /// JSON schema of the arguments.
    pub parameters: serde_json::Value,
}

/// A call the model asked for, complete.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    /// JSON text, as the model wrote it.
    pub arguments: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ChatRequest {
    pub messages: Vec<ChatMessage>,
    pub temperature: f32,
    pub max_tokens: u32,
    /// Functions offered to the model (providers that cannot call tools refuse the request).
    pub tools: Vec<ToolSpec>,
    /// `{"name": ..., "schema": ...}`: ask for JSON matching a schema, where supported.
    pub json_schema: Option<serde_json::Value>,
}

impl ChatRequest {
    pub fn new(messages: Vec<ChatMessage>, temperature: f32, max_tokens: u32) -> ChatRequest {
        ChatRequest {
            messages,
            temperature,
            max_tokens,
            tools: Vec::new(),
            json_schema: None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FinishReason {
    Stop,
    Length,
    ToolCalls,
    ContentFilter,
    Cancelled,
    Error,
}

/// What happened, once a stream ends.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChatSummary {
    pub provider: String,
    pub model: String,
    pub finish: FinishReason,
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
    /// From the request to the first piece of text.
    pub first_token_ms: u64,
    pub total_ms: u64,
}

impl FinishReason {
    /// The name on the wire and in stored metadata (`stop`, `length`, `tool_calls`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            FinishReason::Stop => "stop",
            FinishReason::Length => "length",
            FinishReason::ToolCalls => "tool_calls",
            FinishReason::ContentFilter => "content_filter",
            FinishReason::Cancelled => "cancelled",
            FinishReason::Error => "error",
        }
    }
}

impl ChatSummary {
    pub fn tokens_per_second(&self) -> f64 {
        let decode_ms = self.total_ms.saturating_sub(self.first_token_ms).max(1);
        f64::from(self.completion_tokens.saturating_sub(1)) * 1000.0 / decode_ms as f64
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum ChatEvent {
    /// The request is waiting for the model (it serves one generation at a time).
    Queued,
    Text(String),
    /// The tool calls the model asked for, once complete.
    ToolCalls(Vec<ToolCall>),
    /// The first provider failed before answering; another answers instead.
    Fallback {
        provider: String,
        model: String,
        reason: String,
    },
    Done(ChatSummary),
}

#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum LlmError {
    #[error("{0}")]
    Unavailable(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("the model failed: {0}")]
    Failed(String),
}

/// Text and a final summary, as they are produced; dropping it cancels the generation.
pub type ChatStream = mpsc::Receiver<Result<ChatEvent, LlmError>>;

/// A whole reply, for callers that do not stream (classification, tool planning).
#[derive(Clone, Debug, PartialEq)]
pub struct ChatResponse {
    pub text: String,
    pub tool_calls: Vec<ToolCall>,
    pub summary: Option<ChatSummary>,
}

/// Reads a stream to its end.
pub async fn collect(mut stream: ChatStream) -> Result<ChatResponse, LlmError> {
    let mut response = ChatResponse {
        text: String::new(),
        tool_calls: Vec::new(),
        summary: None,
    };
    while let Some(event) = stream.recv().await {
        match event? {
            ChatEvent::Text(text) => response.text.push_str(&text),
            ChatEvent::ToolCalls(calls) => response.tool_calls.extend(calls),
            ChatEvent::Done(summary) => response.summary = Some(summary),
            ChatEvent::Queued | ChatEvent::Fallback { .. } => {}
        }
    }
    Ok(response)
}

/// A chat model: the embedded one, or an OpenAI-compatible server.
pub trait ChatProvider: Send + Sync {
    /// Short name for the page and the logs, e.g. "embedded" or "openai".
    fn provider(&self) -> &str;
    fn model(&self) -> &str;
    /// Starts a generation; text arrives on the stream as it is generated.
    fn stream_chat(&self, request: ChatRequest) -> Result<ChatStream, LlmError>;
}

/// Passes every event of `from` on to `to` until either side ends.
pub(crate) async fn forward(mut from: ChatStream, to: &mpsc::Sender<Result<ChatEvent, LlmError>>) {
    while let Some(event) = from.recv().await {
        if to.send(event).await.is_err() {
            return;
        }
    }
}

pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::FinishReason;

    #[test]
    fn finish_reason_names_match_their_serialized_form() {
        for reason in [
            FinishReason::Stop,
            FinishReason::Length,
            FinishReason::ToolCalls,
            FinishReason::ContentFilter,
            FinishReason::Cancelled,
            FinishReason::Error,
        ] {
            assert_eq!(
                serde_json::to_value(reason).ok(),
                Some(serde_json::Value::from(reason.as_str()))
            );
        }
    }
}
