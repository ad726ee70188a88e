//! The Custom GPT as its own service, for separate deployment (the original ran on Cloud Run):
//! the shipped models plus any under GPT_MODELS_DIR, served on PORT (default 8080) at the root.
//! Point the app's GPT_API_URL at it.

use std::process::ExitCode;
use std::sync::Arc;

use gpt::ModelSet;
use gpt::service::{GptService, router};

#[tokio::main]
async fn main() -> ExitCode {
    let mut models = match ModelSet::shipped() {
        Ok(m) => m,
        Err(e) => {
            eprintln!("gpt-service: cannot load the shipped models: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(dir) = std::env::var_os("GPT_MODELS_DIR") {
        match models.add_dir(std::path::Path::new(&dir)) {
            Ok(added) => eprintln!(
                "gpt-service: added {added:?} from {}",
                dir.to_string_lossy()
            ),
            Err(e) => {
                eprintln!(
                    "gpt-service: cannot load models from {}: {e}",
                    dir.to_string_lossy()
                );
                return ExitCode::FAILURE;
            }
        }
    }
    if models.is_empty() {
        eprintln!(
            "gpt-service: no models (train one with gpt-train into crates/gpt/shipped/<name>)"
        );
        return ExitCode::FAILURE;
    }
    let port: u16 = match std::env::var("PORT").ok().map(|p| p.parse()) {
        None => 8080,
        Some(Ok(p)) => p,
        Some(Err(_)) => {
            eprintln!("gpt-service: PORT must be a port number");
            return ExitCode::from(2);
        }
    };
    let host = std::env::var("HOST").unwrap_or_else(|_| "0.0.0.0".into());
    let names = models.names();
    let service = Arc::new(GptService::new(models, 2).with_backend("candle (CPU), gpt-service"));
    let listener = match tokio::net::TcpListener::bind((host.as_str(), port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("gpt-service: cannot listen on {host}:{port}: {e}");
            return ExitCode::FAILURE;
        }
    };
    eprintln!("gpt-service: serving {names:?} on http://{host}:{port}");
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    if let Err(e) = axum::serve(listener, router(service))
        .with_graceful_shutdown(shutdown)
        .await
    {
        eprintln!("gpt-service: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
