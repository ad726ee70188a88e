//! Tries a primary provider (a cloud model) and, when it fails before saying anything, answers
//! with a secondary one (the embedded model), telling the reader why.

use crate::{ChatEvent, ChatProvider, ChatRequest, ChatStream, LlmError, forward};
use std::sync::Arc;
use tokio::sync::mpsc;

pub struct FallbackProvider {
    primary: Arc<dyn ChatProvider>,
    secondary: Arc<dyn ChatProvider>,
}

impl FallbackProvider {
    pub fn new(
        primary: Arc<dyn ChatProvider>,
        secondary: Arc<dyn ChatProvider>,
    ) -> FallbackProvider {
        FallbackProvider { primary, secondary }
    }
}

impl ChatProvider for FallbackProvider {
    fn provider(&self) -> &str {
        self.primary.provider()
    }

    fn model(&self) -> &str {
        self.primary.model()
    }

    fn stream_chat(&self, request: ChatRequest) -> Result<ChatStream, LlmError> {
        let (tx, rx) = mpsc::channel(64);
        let primary = Arc::clone(&self.primary);
        let secondary = Arc::clone(&self.secondary);
        tokio::spawn(async move {
            let reason = match primary.stream_chat(request.clone()) {
                Err(e) => e.to_string(),
                Ok(mut stream) => {
                    // Pass through until the first text; an error before it triggers the fallback.
                    loop {
                        match stream.recv().await {
                            Some(Ok(ChatEvent::Queued)) => {
                                if tx.send(Ok(ChatEvent::Queued)).await.is_err() {
                                    return;
                                }
                            }
                            Some(Err(e)) => break e.to_string(),
                            None => break "the provider ended without answering".to_owned(),
                            Some(Ok(first)) => {
                                if tx.send(Ok(first)).await.is_ok() {
                                    forward(stream, &tx).await;
                                }
                                return;
                            }
                        }
                    }
                }
            };
            tracing::warn!(from = primary.provider(), to = secondary.provider(), %reason, "falling back");
            let switched = ChatEvent::Fallback {
                provider: secondary.provider().to_owned(),
                model: secondary.model().to_owned(),
                reason,
            };
            if tx.send(Ok(switched)).await.is_err() {
                return;
            }
            match secondary.stream_chat(request) {
                Ok(stream) => forward(stream, &tx).await,
                Err(e) => {
                    let _ = tx.send(Err(e)).await;
                }
            }
        });
        Ok(rx)
    }
}
