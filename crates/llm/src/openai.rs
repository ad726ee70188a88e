//! OpenAI and any OpenAI-compatible server (Groq, Ollama, vLLM, llama.cpp server) through
//! async-openai. The stream is read with our own tolerant types (`byot`): some servers omit a
//! tool-call delta's `index` or send `finish_reason: ""`, which the crate's strict types reject.
//! The client retries 429, 5xx and connection errors with backoff; timeouts bound the wait; a
//! circuit breaker stops calling a provider that keeps failing.

use crate::breaker::CircuitBreaker;
use crate::{
    ChatEvent, ChatProvider, ChatRequest, ChatStream, ChatSummary, FinishReason, LlmError, Role,
    ToolCall, millis,
};
use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use futures_util::StreamExt;
use serde::Deserialize;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

#[derive(Clone, Debug)]
pub struct OpenAiSettings {
    /// `None`: api.openai.com.
    pub base_url: Option<String>,
    pub api_key: Option<String>,
    pub model: String,
    /// Until the response headers arrive.
    pub connect_timeout: Duration,
    /// Longest silence between two chunks of a stream.
    pub idle_timeout: Duration,
}

impl OpenAiSettings {
    pub fn new(model: impl Into<String>) -> OpenAiSettings {
        OpenAiSettings {
            base_url: None,
            api_key: None,
            model: model.into(),
            connect_timeout: Duration::from_secs(20),
            idle_timeout: Duration::from_secs(30),
        }
    }
}

pub struct OpenAiProvider {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client<OpenAIConfig>,
    settings: OpenAiSettings,
    name: String,
    breaker: CircuitBreaker,
    /// How this server takes structured output, learnt from its answers and kept for the
    /// provider's life: 0 `json_schema` (OpenAI), 1 `json_object` with the schema beside it
    /// (llama.cpp's server, which answers 500 to `json_schema`), 2 the schema in the prompt only.
    structured: AtomicU8,
}

const STRUCTURED_LEVELS: u8 = 3;

/// The client configuration for these settings (base URL and key).
pub(crate) fn client_config(settings: &OpenAiSettings) -> OpenAIConfig {
    let mut config = OpenAIConfig::new();
    if let Some(base) = &settings.base_url {
        config = config.with_api_base(base.trim_end_matches('/'));
    }
    // Local servers need no key, but the client always sends one.
    config.with_api_key(
        settings
            .api_key
            .clone()
            .unwrap_or_else(|| "none".to_owned()),
    )
}

impl OpenAiProvider {
    pub fn new(settings: OpenAiSettings) -> OpenAiProvider {
        let config = client_config(&settings);
        let name = if settings.base_url.is_some() {
            "openai-compatible"
        } else {
            "openai"
        }
        .to_owned();
        OpenAiProvider {
            inner: Arc::new(Inner {
                client: Client::with_config(config),
                settings,
                name,
                breaker: CircuitBreaker::new(3, Duration::from_secs(30)),
                structured: AtomicU8::new(0),
            }),
        }
    }

    pub fn circuit_open(&self) -> bool {
        self.inner.breaker.is_open()
    }

    /// How structured output is asked for now: "json_schema", "json_object" or "prompt".
    pub fn structured_output(&self) -> &'static str {
        match self.inner.structured.load(Ordering::Relaxed) {
            0 => "json_schema",
            1 => "json_object",
            _ => "prompt",
        }
    }

    /// The breaker's state for /health/ready: "open", "half-open" or "closed".
    pub fn circuit_state(&self) -> &'static str {
        self.inner.breaker.state()
    }
}

impl ChatProvider for OpenAiProvider {
    fn provider(&self) -> &str {
        &self.inner.name
    }

    fn model(&self) -> &str {
        &self.inner.settings.model
    }

    fn stream_chat(&self, request: ChatRequest) -> Result<ChatStream, LlmError> {
        if !self.inner.breaker.allows() {
            return Err(LlmError::Unavailable(format!(
                "{} is failing repeatedly; paused for a moment (circuit open)",
                self.inner.name
            )));
        }
        let (tx, rx) = mpsc::channel(64);
        let inner = Arc::clone(&self.inner);
        tokio::spawn(async move { inner.run(request, tx).await });
        Ok(rx)
    }
}

#[derive(Deserialize)]
struct Chunk {
    #[serde(default)]
    choices: Vec<Choice>,
    #[serde(default)]
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct Choice {
    #[serde(default)]
    delta: Option<Delta>,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize, Default)]
struct Delta {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    tool_calls: Option<Vec<ToolCallDelta>>,
}

#[derive(Deserialize)]
struct ToolCallDelta {
    #[serde(default)]
    index: Option<usize>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    function: Option<FunctionDelta>,
}

#[derive(Deserialize)]
struct FunctionDelta {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    arguments: Option<String>,
}

#[derive(Deserialize)]
struct Usage {
    #[serde(default)]
    prompt_tokens: Option<u32>,
    #[serde(default)]
    completion_tokens: Option<u32>,
}

/// Puts streamed tool-call fragments together. A fragment without `index` starts a new call when
/// it carries an id, and continues the last call otherwise.
#[derive(Default)]
struct ToolCalls(Vec<ToolCall>);

impl ToolCalls {
    fn apply(&mut self, delta: ToolCallDelta) {
        let index = match delta.index {
            Some(i) => i,
            None if delta.id.is_some() || self.0.is_empty() => self.0.len(),
            None => self.0.len() - 1,
        };
        while self.0.len() <= index {
            self.0.push(ToolCall::default());
        }
        let call = &mut self.0[index];
        if let Some(id) = delta.id {
            call.id = id;
        }
        if let Some(function) = delta.function {
            if let Some(name) = function.name {
                call.name.push_str(&name);
            }
            if let Some(arguments) = function.arguments {
                call.arguments.push_str(&arguments);
            }
        }
    }
}

fn finish_reason(raw: &str) -> Option<FinishReason> {
    match raw {
        "" => None,
        "stop" | "eos" => Some(FinishReason::Stop),
        "length" => Some(FinishReason::Length),
        "tool_calls" | "function_call" => Some(FinishReason::ToolCalls),
        "content_filter" => Some(FinishReason::ContentFilter),
        other => {
            tracing::debug!(reason = other, "unknown finish_reason, treated as stop");
            Some(FinishReason::Stop)
        }
    }
}

/// The sentence a person sees for a failed call (after the client's own retries).
fn classify(error: &OpenAIError, name: &str) -> LlmError {
    match error {
        OpenAIError::ApiError(api) => {
            let code = api.status_code.as_u16();
            match code {
                401 | 403 => LlmError::Failed(format!(
                    "{name} refused the API key ({code}): check OPENAI_API_KEY"
                )),
                404 => LlmError::Failed(format!(
                    "{name} does not know this model or endpoint ({code}): {}",
                    api.api_error.message
                )),
                429 => LlmError::Unavailable(format!(
                    "{name} is rate-limiting requests (429); try again shortly"
                )),
                500..=599 => {
                    LlmError::Unavailable(format!("{name} had an internal error ({code})"))
                }
                _ => LlmError::Failed(format!(
                    "{name} rejected the request ({code}): {}",
                    api.api_error.message
                )),
            }
        }
        OpenAIError::Reqwest(e) => LlmError::Unavailable(format!("cannot reach {name}: {e}")),
        OpenAIError::StreamError(e) => LlmError::Unavailable(format!("{name} stream failed: {e}")),
        OpenAIError::JSONDeserialize(e, _) => {
            LlmError::Failed(format!("{name} sent a reply we cannot read: {e}"))
        }
        other => LlmError::Failed(other.to_string()),
    }
}

impl Inner {
    fn body(&self, request: &ChatRequest) -> serde_json::Value {
        let messages: Vec<serde_json::Value> = request
            .messages
            .iter()
            .map(|m| {
                let role = match m.role {
                    Role::System => "system",
                    Role::User => "user",
                    Role::Assistant => "assistant",
                    Role::Tool => "tool",
                };
                let mut message = serde_json::json!({ "role": role, "content": m.content });
                if !m.tool_calls.is_empty() {
                    message["tool_calls"] = m
                        .tool_calls
                        .iter()
                        .map(|c| {
                            serde_json::json!({
                                "id": c.id,
                                "type": "function",
                                "function": {"name": c.name, "arguments": c.arguments},
                            })
                        })
                        .collect();
                }
                if let Some(id) = &m.tool_call_id {
                    message["tool_call_id"] = serde_json::Value::String(id.clone());
                }
                message
            })
            .collect();
        let mut body = serde_json::json!({
            "model": self.settings.model,
            "messages": messages,
            "temperature": request.temperature,
            "max_tokens": request.max_tokens,
            "stream": true,
        });
        if !request.tools.is_empty() {
            body["tools"] = request
                .tools
                .iter()
                .map(|t| {
                    serde_json::json!({ "type": "function", "function": {
                        "name": t.name, "description": t.description, "parameters": t.parameters } })
                })
                .collect();
        }
        if let Some(schema) = &request.json_schema {
            let inner_schema = schema
                .get("schema")
                .cloned()
                .unwrap_or_else(|| schema.clone());
            match self.structured.load(Ordering::Relaxed) {
                0 => {
                    body["response_format"] =
                        serde_json::json!({ "type": "json_schema", "json_schema": schema });
                }
                level => {
                    if level == 1 {
                        body["response_format"] =
                            serde_json::json!({ "type": "json_object", "schema": inner_schema });
                    }
                    // The schema in words too: json_object alone only promises some JSON.
                    let instruction = format!(
                        "Answer with one JSON object only, no other text, matching this JSON schema: {inner_schema}"
                    );
                    if let Some(list) = body["messages"].as_array_mut() {
                        list.insert(
                            0,
                            serde_json::json!({"role": "system", "content": instruction}),
                        );
                    }
                }
            }
        }
        body
    }

    /// A server refused structured output in this form: ask in the next, simpler form from now
    /// on. False when there is no simpler form left (the failure is then real).
    fn step_down_structured(&self, error: &OpenAIError) -> bool {
        let refused = match error {
            OpenAIError::ApiError(_) => true,
            other => {
                let text = other.to_string().to_lowercase();
                text.contains("response_format")
                    || text.contains("json_schema")
                    || text.contains("422")
                    || text.contains("400")
                    || text.contains("500")
            }
        };
        let level = self.structured.load(Ordering::Relaxed);
        if !refused || level + 1 >= STRUCTURED_LEVELS {
            return false;
        }
        self.structured.store(level + 1, Ordering::Relaxed);
        tracing::warn!(
            provider = %self.name,
            error = %error,
            "the server refused this form of structured output; using a simpler one from now on"
        );
        true
    }

    /// Counts a failure against the breaker and tells the reader.
    async fn fail(&self, tx: &mpsc::Sender<Result<ChatEvent, LlmError>>, error: LlmError) {
        self.breaker.record_failure();
        let _ = tx.send(Err(error)).await;
    }

    async fn run(
        self: Arc<Inner>,
        request: ChatRequest,
        tx: mpsc::Sender<Result<ChatEvent, LlmError>>,
    ) {
        let started = Instant::now();
        // async-openai's own executor already retries 429, 5xx and connection errors with
        // exponential backoff (100 ms doubling, Retry-After honoured, quota errors not retried);
        // the breaker counts what is left after those retries.
        let mut stream = loop {
            let body = self.body(&request);
            let chat = self.client.chat();
            let call = chat.create_stream_byot::<serde_json::Value, Chunk>(body);
            match tokio::time::timeout(self.settings.connect_timeout, call).await {
                Ok(Ok(stream)) => break stream,
                // A refusal of the structured-output form is not the server failing: ask again
                // in a simpler form.
                Ok(Err(e)) if request.json_schema.is_some() && self.step_down_structured(&e) => {
                    continue;
                }
                Ok(Err(e)) => return self.fail(&tx, classify(&e, &self.name)).await,
                Err(_) => {
                    let waited = self.settings.connect_timeout.as_secs();
                    let message = format!("{} did not answer within {waited} s", self.name);
                    return self.fail(&tx, LlmError::Unavailable(message)).await;
                }
            }
        };

        let mut first_token: Option<Instant> = None;
        let mut pieces = 0_u32;
        let mut usage: (Option<u32>, Option<u32>) = (None, None);
        let mut finish = None;
        let mut tools = ToolCalls::default();
        loop {
            let next = tokio::time::timeout(self.settings.idle_timeout, stream.next()).await;
            let chunk = match next {
                Ok(Some(Ok(chunk))) => chunk,
                Ok(None) => break,
                Ok(Some(Err(e))) => return self.fail(&tx, classify(&e, &self.name)).await,
                Err(_) => {
                    let waited = self.settings.idle_timeout.as_secs();
                    let message = format!("{} stopped sending for {waited} s", self.name);
                    return self.fail(&tx, LlmError::Unavailable(message)).await;
                }
            };
            if let Some(u) = chunk.usage {
                usage = (u.prompt_tokens.or(usage.0), u.completion_tokens.or(usage.1));
            }
            for choice in chunk.choices {
                if let Some(reason) = choice.finish_reason.as_deref().and_then(finish_reason) {
                    finish = Some(reason);
                }
                let Some(delta) = choice.delta else { continue };
                for call in delta.tool_calls.unwrap_or_default() {
                    tools.apply(call);
                }
                if let Some(text) = delta.content.filter(|t| !t.is_empty()) {
                    first_token.get_or_insert_with(Instant::now);
                    pieces += 1;
                    if tx.send(Ok(ChatEvent::Text(text))).await.is_err() {
                        // The reader is gone (Stop): dropping the stream closes the connection.
                        return;
                    }
                }
            }
        }
        self.breaker.record_success();
        if !tools.0.is_empty() && tx.send(Ok(ChatEvent::ToolCalls(tools.0))).await.is_err() {
            return;
        }
        let summary = ChatSummary {
            provider: self.name.clone(),
            model: self.settings.model.clone(),
            finish: finish.unwrap_or(FinishReason::Stop),
            prompt_tokens: usage.0.unwrap_or(0),
            completion_tokens: usage.1.unwrap_or(pieces),
            first_token_ms: first_token.map_or(0, |t| millis(t - started)),
            total_ms: millis(started.elapsed()),
        };
        let _ = tx.send(Ok(ChatEvent::Done(summary))).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delta(json: &str) -> ToolCallDelta {
        serde_json::from_str(json).expect("delta")
    }

    #[test]
    fn tool_call_fragments_join_with_or_without_index() {
        let mut calls = ToolCalls::default();
        calls.apply(delta(
            r#"{"index":0,"id":"a","function":{"name":"get_order","arguments":""}}"#,
        ));
        calls.apply(delta(r#"{"index":0,"function":{"arguments":"{\"id\":"}}"#));
        calls.apply(delta(r#"{"index":0,"function":{"arguments":"7}"}}"#));
        // No index at all (some compatible servers): an id starts a call, no id continues it.
        calls.apply(delta(
            r#"{"id":"b","function":{"name":"track","arguments":"{}"}}"#,
        ));
        calls.apply(delta(r#"{"function":{"arguments":" "}}"#));
        assert_eq!(calls.0.len(), 2);
        assert_eq!(
            (
                calls.0[0].id.as_str(),
                calls.0[0].name.as_str(),
                calls.0[0].arguments.as_str()
            ),
            ("a", "get_order", "{\"id\":7}")
        );
        assert_eq!(
            (calls.0[1].name.as_str(), calls.0[1].arguments.as_str()),
            ("track", "{} ")
        );
    }

    #[test]
    fn finish_reasons_tolerate_empty_strings() {
        assert_eq!(finish_reason(""), None);
        assert_eq!(finish_reason("stop"), Some(FinishReason::Stop));
        assert_eq!(finish_reason("length"), Some(FinishReason::Length));
        assert_eq!(finish_reason("tool_calls"), Some(FinishReason::ToolCalls));
        assert_eq!(
            finish_reason("content_filter"),
            Some(FinishReason::ContentFilter)
        );
        let chunk: Chunk =
            serde_json::from_str(r#"{"choices":[{"delta":{"content":"x"},"finish_reason":""}]}"#)
                .expect("chunk");
        assert_eq!(chunk.choices.len(), 1);
    }
}
