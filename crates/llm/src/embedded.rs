//! The in-process model as a [`ChatProvider`]. Generation runs on tokio's blocking pool, never on
//! the async runtime; one generation at a time (the machine has few cores and one model), others
//! wait in line and are told so. When the receiver is dropped (the browser pressed Stop or went
//! away) the next token's send fails and the loop stops, freeing the CPU.

use crate::{
    ChatEvent, ChatProvider, ChatRequest, ChatStream, ChatSummary, FinishReason, LlmError, Role,
    forward, millis,
};
use llm_embedded::{EmbeddedModel, Finish, GenerationParams, Message};
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::{Semaphore, mpsc};

pub struct EmbeddedProvider {
    model: Arc<EmbeddedModel>,
    turn: Arc<Semaphore>,
}

impl EmbeddedProvider {
    /// Loads the model (a second or two); call it from a blocking context.
    pub fn load(path: &Path, threads: usize) -> Result<EmbeddedProvider, LlmError> {
        let model =
            EmbeddedModel::load(path, threads).map_err(|e| LlmError::Unavailable(e.to_string()))?;
        tracing::info!(
            model = llm_embedded::MODEL_NAME,
            load_ms = millis(model.load_time),
            threads,
            "embedded model loaded"
        );
        Ok(EmbeddedProvider {
            model: Arc::new(model),
            turn: Arc::new(Semaphore::new(1)),
        })
    }
}

fn to_message(m: &crate::ChatMessage) -> Message {
    let role = match m.role {
        Role::System => llm_embedded::Role::System,
        Role::User => llm_embedded::Role::User,
        Role::Assistant => llm_embedded::Role::Assistant,
        // The embedded model has no tool role; a result reads as context from the user side.
        Role::Tool => llm_embedded::Role::User,
    };
    Message {
        role,
        content: m.content.clone(),
    }
}

impl ChatProvider for EmbeddedProvider {
    fn provider(&self) -> &str {
        "embedded"
    }

    fn model(&self) -> &str {
        llm_embedded::MODEL_NAME
    }

    fn stream_chat(&self, request: ChatRequest) -> Result<ChatStream, LlmError> {
        if !request.tools.is_empty() {
            return Err(LlmError::BadRequest(
                "the embedded model cannot call tools".into(),
            ));
        }
        if !(0.0..=2.0).contains(&request.temperature) {
            return Err(LlmError::BadRequest(
                "temperature must be between 0 and 2".into(),
            ));
        }
        let (tx, rx) = mpsc::channel(64);
        let model = Arc::clone(&self.model);
        let turn = Arc::clone(&self.turn);
        let messages: Vec<Message> = request.messages.iter().map(to_message).collect();
        let params = GenerationParams {
            temperature: f64::from(request.temperature),
            max_new_tokens: usize::try_from(request.max_tokens)
                .unwrap_or(usize::MAX)
                .clamp(1, 1024),
            seed: seed(),
            ..Default::default()
        };
        tokio::spawn(async move {
            let requested = Instant::now();
            let permit = match turn.clone().try_acquire_owned() {
                Ok(permit) => permit,
                Err(_) => {
                    if tx.send(Ok(ChatEvent::Queued)).await.is_err() {
                        return;
                    }
                    tokio::select! {
                        permit = turn.acquire_owned() => match permit {
                            Ok(permit) => permit,
                            Err(_) => return,
                        },
                        () = tx.closed() => return,
                    }
                }
            };
            let blocking_tx = tx.clone();
            let outcome = tokio::task::spawn_blocking(move || {
                let _permit = permit;
                let mut first_token: Option<Instant> = None;
                let stats = model.generate(&messages, params, |piece| {
                    first_token.get_or_insert_with(Instant::now);
                    match blocking_tx.blocking_send(Ok(ChatEvent::Text(piece.to_owned()))) {
                        Ok(()) => ControlFlow::Continue(()),
                        Err(_) => ControlFlow::Break(()),
                    }
                });
                (stats, first_token)
            })
            .await;
            let event = match outcome {
                Ok((Ok(stats), first_token)) => Ok(ChatEvent::Done(ChatSummary {
                    provider: "embedded".into(),
                    model: llm_embedded::MODEL_NAME.into(),
                    finish: match stats.finish {
                        Finish::Stop => FinishReason::Stop,
                        Finish::Length => FinishReason::Length,
                        Finish::Cancelled => FinishReason::Cancelled,
                    },
                    prompt_tokens: u32::try_from(stats.prompt_tokens).unwrap_or(u32::MAX),
                    completion_tokens: u32::try_from(stats.generated_tokens).unwrap_or(u32::MAX),
                    first_token_ms: first_token.map_or(0, |t| millis(t - requested)),
                    total_ms: millis(requested.elapsed()),
                })),
                Ok((Err(e), _)) => Err(match e {
                    llm_embedded::EmbeddedError::TooLong { .. } => {
                        LlmError::BadRequest(e.to_string())
                    }
                    other => LlmError::Failed(other.to_string()),
                }),
                Err(join) => Err(LlmError::Failed(format!("generation task ended: {join}"))),
            };
            // The receiver may be gone (Stop); nothing is waiting for the summary then.
            let _ = tx.send(event).await;
        });
        Ok(rx)
    }
}

/// A different sampling seed per request, so re-asking gives a fresh answer.
fn seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

/// The embedded model, loaded on first use (about a second) and then kept: a server that never
/// chats, or that chats through a cloud model, does not pay for it.
pub struct LazyEmbeddedProvider {
    path: std::path::PathBuf,
    threads: usize,
    cell: Arc<tokio::sync::OnceCell<Result<Arc<EmbeddedProvider>, LlmError>>>,
}

impl LazyEmbeddedProvider {
    pub fn new(path: std::path::PathBuf, threads: usize) -> LazyEmbeddedProvider {
        LazyEmbeddedProvider {
            path,
            threads,
            cell: Arc::new(tokio::sync::OnceCell::new()),
        }
    }

    pub async fn get(&self) -> Result<Arc<EmbeddedProvider>, LlmError> {
        load(&self.cell, self.path.clone(), self.threads).await
    }

    /// `None` before the first use, then whether loading worked.
    pub fn loaded(&self) -> Option<bool> {
        self.cell.get().map(Result::is_ok)
    }

    pub fn file_present(&self) -> bool {
        self.path.is_file()
    }
}

async fn load(
    cell: &tokio::sync::OnceCell<Result<Arc<EmbeddedProvider>, LlmError>>,
    path: std::path::PathBuf,
    threads: usize,
) -> Result<Arc<EmbeddedProvider>, LlmError> {
    cell.get_or_init(|| async move {
        match tokio::task::spawn_blocking(move || EmbeddedProvider::load(&path, threads)).await {
            Ok(Ok(provider)) => Ok(Arc::new(provider)),
            Ok(Err(e)) => {
                tracing::error!(error = %e, "embedded model unavailable");
                Err(e)
            }
            Err(e) => Err(LlmError::Failed(format!("model loading task ended: {e}"))),
        }
    })
    .await
    .clone()
}

impl ChatProvider for LazyEmbeddedProvider {
    fn provider(&self) -> &str {
        "embedded"
    }

    fn model(&self) -> &str {
        llm_embedded::MODEL_NAME
    }

    fn stream_chat(&self, request: ChatRequest) -> Result<ChatStream, LlmError> {
        if let Some(Ok(provider)) = self.cell.get() {
            return provider.stream_chat(request);
        }
        let (tx, rx) = mpsc::channel(64);
        let (cell, path, threads) = (Arc::clone(&self.cell), self.path.clone(), self.threads);
        tokio::spawn(async move {
            let provider = match load(&cell, path, threads).await {
                Ok(provider) => provider,
                Err(e) => {
                    let _ = tx.send(Err(e)).await;
                    return;
                }
            };
            match provider.stream_chat(request) {
                Ok(inner) => forward(inner, &tx).await,
                Err(e) => {
                    let _ = tx.send(Err(e)).await;
                }
            }
        });
        Ok(rx)
    }
}
