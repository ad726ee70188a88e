#[tokio::main]
async fn main() -> std::process::ExitCode {
    match server::run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // Logging may not be set up yet (a configuration error): print as well.
            eprintln!("ai-portfolio: {e}");
            tracing::error!(error = %e, "startup failed");
            std::process::ExitCode::FAILURE
        }
    }
}
