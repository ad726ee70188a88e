//! The OpenAI path against a FAKE OF THE OPENAI CLOUD API: a local HTTP server on 127.0.0.1 that
//! replays chat-completion server-sent events in OpenAI's wire format (the real API cannot be
//! reached from here). Each scenario is picked by the request's model name.
// A test stops at a failed step: unwrap and expect are what it means here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use llm::{
    ChatEvent, ChatMessage, ChatProvider, ChatRequest, FinishReason, LlmError, OpenAiProvider,
    OpenAiSettings, Role,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

fn chunk(delta: &str, finish: &str) -> String {
    format!(
        r#"{{"id":"chatcmpl-9xYz","object":"chat.completion.chunk","created":1718000000,"model":"gpt-4o-mini-2024-07-18","system_fingerprint":"fp_0ba0d124f1","choices":[{{"index":0,"delta":{delta},"logprobs":null,"finish_reason":{finish}}}]}}"#
    )
}

fn sse(chunks: &[String]) -> String {
    let mut body: String = chunks.iter().map(|c| format!("data: {c}\n\n")).collect();
    body.push_str("data: [DONE]\n\n");
    body
}

fn scenario(model: &str, attempt: usize) -> (u16, String) {
    let role = chunk(r#"{"role":"assistant","content":""}"#, "null");
    match model {
        "content" => (200, sse(&[
            role,
            chunk(r#"{"content":"Ahoy"}"#, "null"),
            chunk(r#"{"content":", matey"}"#, "null"),
            chunk(r#"{"content":"!"}"#, "null"),
            chunk("{}", r#""stop""#),
        ])),
        "length" => (200, sse(&[role, chunk(r#"{"content":"Once upon"}"#, "null"), chunk("{}", r#""length""#)])),
        "content-filter" => (200, sse(&[role, chunk("{}", r#""content_filter""#)])),
        "tools-indexed" => (200, sse(&[
            chunk(r#"{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_abc","type":"function","function":{"name":"get_order_status","arguments":""}}]}"#, "null"),
            chunk(r#"{"tool_calls":[{"index":0,"function":{"arguments":"{\"order_id\""}}]}"#, "null"),
            chunk(r#"{"tool_calls":[{"index":0,"function":{"arguments":":1011}"}}]}"#, "null"),
            chunk(r#"{"tool_calls":[{"index":1,"id":"call_def","type":"function","function":{"name":"check_inventory","arguments":"{\"product_id\":4}"}}]}"#, "null"),
            chunk("{}", r#""tool_calls""#),
        ])),
        // A compatible server that omits `index` and sends `finish_reason: ""` mid-stream.
        "tools-no-index" => (200, sse(&[
            chunk(r#"{"role":"assistant","tool_calls":[{"id":"call_1","type":"function","function":{"name":"search_products","arguments":"{\"q\":"}}]}"#, r#""""#),
            chunk(r#"{"tool_calls":[{"function":{"arguments":"\"monitor\"}"}}]}"#, r#""""#),
            chunk("{}", r#""tool_calls""#),
        ])),
        "unauthorized" => (401, r#"{"error":{"message":"Incorrect API key provided: sk-test. You can find your API key at https://platform.openai.com/account/api-keys.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#.into()),
        "rate-limited-once" if attempt == 0 => (429, r#"{"error":{"message":"Rate limit reached for gpt-4o-mini","type":"requests","param":null,"code":"rate_limit_exceeded"}}"#.into()),
        "rate-limited-once" => (200, sse(&[role, chunk(r#"{"content":"second try"}"#, "null"), chunk("{}", r#""stop""#)])),
        "server-error" => (500, r#"{"error":{"message":"The server had an error while processing your request.","type":"server_error","param":null,"code":null}}"#.into()),
        _ => (404, r#"{"error":{"message":"The model does not exist","type":"invalid_request_error","param":"model","code":"model_not_found"}}"#.into()),
    }
}

struct FakeOpenAi {
    base: String,
    requests: Arc<AtomicUsize>,
}

async fn read_request(socket: &mut TcpStream) -> Option<serde_json::Value> {
    let mut buffer = Vec::new();
    let mut chunk = [0_u8; 4096];
    loop {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buffer);
        if let Some(split) = text.find("\r\n\r\n") {
            let length = text[..split]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().to_owned())
                })
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(0);
            if buffer.len() >= split + 4 + length {
                return serde_json::from_slice(&buffer[split + 4..split + 4 + length]).ok();
            }
        }
    }
}

impl FakeOpenAi {
    async fn start() -> FakeOpenAi {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1");
        let base = format!("http://{}/v1", listener.local_addr().expect("addr"));
        let requests = Arc::new(AtomicUsize::new(0));
        let per_model: Arc<std::sync::Mutex<std::collections::HashMap<String, usize>>> =
            Arc::default();
        let counter = Arc::clone(&requests);
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let counter = Arc::clone(&counter);
                let per_model = Arc::clone(&per_model);
                tokio::spawn(async move {
                    let Some(body) = read_request(&mut socket).await else {
                        return;
                    };
                    counter.fetch_add(1, Ordering::SeqCst);
                    assert_eq!(body["stream"], true, "streaming requests only");
                    let model = body["model"].as_str().unwrap_or_default().to_owned();
                    let attempt = {
                        let Ok(mut seen) = per_model.lock() else {
                            return;
                        };
                        let n = seen.entry(model.clone()).or_insert(0);
                        *n += 1;
                        *n - 1
                    };
                    if model == "slow" {
                        let head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n";
                        let first = format!("data: {}\n\n", chunk(r#"{"content":"Arr"}"#, "null"));
                        let _ = socket.write_all(format!("{head}{first}").as_bytes()).await;
                        tokio::time::sleep(Duration::from_secs(5)).await;
                        return;
                    }
                    let (status, payload) = scenario(&model, attempt);
                    let kind = if status == 200 {
                        "text/event-stream"
                    } else {
                        "application/json"
                    };
                    let reason = match status {
                        200 => "OK",
                        401 => "Unauthorized",
                        429 => "Too Many Requests",
                        404 => "Not Found",
                        _ => "Internal Server Error",
                    };
                    let response = format!(
                        "HTTP/1.1 {status} {reason}\r\ncontent-type: {kind}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{payload}",
                        payload.len()
                    );
                    let _ = socket.write_all(response.as_bytes()).await;
                });
            }
        });
        FakeOpenAi { base, requests }
    }

    fn provider(&self, model: &str) -> OpenAiProvider {
        let mut settings = OpenAiSettings::new(model);
        settings.base_url = Some(self.base.clone());
        settings.api_key = Some("sk-test".into());
        settings.idle_timeout = Duration::from_millis(300);
        settings.connect_timeout = Duration::from_secs(5);
        OpenAiProvider::new(settings)
    }
}

fn ask() -> ChatRequest {
    ChatRequest::new(
        vec![
            ChatMessage::new(Role::System, "Be a pirate."),
            ChatMessage::new(Role::User, "Hi"),
        ],
        0.2,
        64,
    )
}

async fn collect(provider: &OpenAiProvider) -> Vec<Result<ChatEvent, LlmError>> {
    let mut stream = provider.stream_chat(ask()).expect("stream");
    let mut events = Vec::new();
    while let Some(event) = stream.recv().await {
        events.push(event);
    }
    events
}

fn text(events: &[Result<ChatEvent, LlmError>]) -> String {
    events
        .iter()
        .filter_map(|e| match e {
            Ok(ChatEvent::Text(t)) => Some(t.as_str()),
            _ => None,
        })
        .collect()
}

fn finish(events: &[Result<ChatEvent, LlmError>]) -> Option<FinishReason> {
    events.iter().find_map(|e| match e {
        Ok(ChatEvent::Done(s)) => Some(s.finish),
        _ => None,
    })
}

#[tokio::test]
async fn content_deltas_stream_in_order_and_finish() {
    let fake = FakeOpenAi::start().await;
    let whole = llm::collect(fake.provider("content").stream_chat(ask()).expect("stream"))
        .await
        .expect("reply");
    assert_eq!(whole.text, "Ahoy, matey!");
    assert_eq!(whole.summary.map(|s| s.finish), Some(FinishReason::Stop));
    let events = collect(&fake.provider("content")).await;
    assert_eq!(text(&events), "Ahoy, matey!");
    assert_eq!(
        events
            .iter()
            .filter(|e| matches!(e, Ok(ChatEvent::Text(_))))
            .count(),
        3
    );
    assert_eq!(finish(&events), Some(FinishReason::Stop));
    assert_eq!(
        finish(&collect(&fake.provider("length")).await),
        Some(FinishReason::Length)
    );
    assert_eq!(
        finish(&collect(&fake.provider("content-filter")).await),
        Some(FinishReason::ContentFilter)
    );
}

#[tokio::test]
async fn tool_call_deltas_with_and_without_index() {
    let fake = FakeOpenAi::start().await;
    for (model, expected) in [
        (
            "tools-indexed",
            vec![
                ("call_abc", "get_order_status", "{\"order_id\":1011}"),
                ("call_def", "check_inventory", "{\"product_id\":4}"),
            ],
        ),
        (
            "tools-no-index",
            vec![("call_1", "search_products", "{\"q\":\"monitor\"}")],
        ),
    ] {
        let events = collect(&fake.provider(model)).await;
        let calls = events
            .iter()
            .find_map(|e| match e {
                Ok(ChatEvent::ToolCalls(c)) => Some(c.clone()),
                _ => None,
            })
            .expect("tool calls");
        let got: Vec<(&str, &str, &str)> = calls
            .iter()
            .map(|c| (c.id.as_str(), c.name.as_str(), c.arguments.as_str()))
            .collect();
        assert_eq!(got, expected, "{model}");
        assert_eq!(finish(&events), Some(FinishReason::ToolCalls), "{model}");
    }
}

#[tokio::test]
async fn errors_become_sentences_and_only_transient_ones_are_retried() {
    let fake = FakeOpenAi::start().await;
    let events = collect(&fake.provider("unauthorized")).await;
    match events.as_slice() {
        [Err(LlmError::Failed(message))] => {
            assert!(message.contains("refused the API key (401)"), "{message}")
        }
        other => panic!("expected one error, got {other:?}"),
    }
    assert_eq!(
        fake.requests.load(Ordering::SeqCst),
        1,
        "a 401 is not retried"
    );

    let before = fake.requests.load(Ordering::SeqCst);
    let events = collect(&fake.provider("rate-limited-once")).await;
    assert_eq!(text(&events), "second try");
    assert_eq!(
        fake.requests.load(Ordering::SeqCst) - before,
        2,
        "one 429, one retry"
    );

    let before = fake.requests.load(Ordering::SeqCst);
    let provider = fake.provider("server-error");
    let events = collect(&provider).await;
    assert!(
        matches!(events.as_slice(), [Err(LlmError::Unavailable(m))] if m.contains("internal error (500)")),
        "{events:?}"
    );
    assert_eq!(
        fake.requests.load(Ordering::SeqCst) - before,
        4,
        "the client's first try and its three retries"
    );
    // Three failed calls in a row open the circuit: the next call fails fast, without a request.
    for _ in 0..2 {
        assert!(!provider.circuit_open());
        let _ = collect(&provider).await;
    }
    assert!(provider.circuit_open());
    let requests = fake.requests.load(Ordering::SeqCst);
    assert!(
        matches!(provider.stream_chat(ask()), Err(LlmError::Unavailable(m)) if m.contains("circuit open"))
    );
    assert_eq!(fake.requests.load(Ordering::SeqCst), requests);
}

#[tokio::test]
async fn a_stream_that_goes_silent_times_out() {
    let fake = FakeOpenAi::start().await;
    let started = std::time::Instant::now();
    let events = collect(&fake.provider("slow")).await;
    assert_eq!(text(&events), "Arr");
    assert!(
        matches!(events.last(), Some(Err(LlmError::Unavailable(m))) if m.contains("stopped sending")),
        "{events:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
}
