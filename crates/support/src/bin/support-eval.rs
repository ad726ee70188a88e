//! Runs support-agent scenarios and prints pass rates per category.
//!
//!     support-eval [--llm-base-url URL --llm-model NAME [--llm-key-env VAR]] [--totals-only]
//!                  [--min-pass-rate PCT] [PATH ...]
//!
//! PATH: scenario files or folders (default: the public scenarios in eval/support). Without
//! --llm-* options the offline planner answers; with them, any OpenAI-compatible server, and a
//! turn the server did not answer itself (the planner stood in) fails its scenario.
//! --totals-only prints no scenario id or failure (for the holdout, which nobody tunes against).
//! Each scenario runs on a freshly seeded SQLite store; the knowledge base is embedded Qdrant in
//! a temporary folder. MODELS_DIR (default ./models) must hold minilm/.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use support::eval;
use support::llm_agent::LlmAgent;
use support::setup::{KnowledgeSettings, open_knowledge};
use support::{SupportAgent, Toolbox};

struct Options {
    paths: Vec<PathBuf>,
    llm_base_url: Option<String>,
    llm_model: Option<String>,
    llm_key_env: String,
    min_pass_rate: Option<f64>,
    totals_only: bool,
}

fn parse() -> Result<Options, String> {
    let mut options = Options {
        paths: Vec::new(),
        llm_base_url: None,
        llm_model: None,
        llm_key_env: "OPENAI_API_KEY".into(),
        min_pass_rate: None,
        totals_only: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--llm-base-url" => options.llm_base_url = Some(value("--llm-base-url")?),
            "--llm-model" => options.llm_model = Some(value("--llm-model")?),
            "--llm-key-env" => options.llm_key_env = value("--llm-key-env")?,
            "--min-pass-rate" => options.min_pass_rate = Some(value("--min-pass-rate")?.parse().map_err(|_| "--min-pass-rate takes a percentage".to_string())?),
            "--totals-only" => options.totals_only = true,
            "-h" | "--help" => return Err("usage: support-eval [--llm-base-url URL --llm-model NAME [--llm-key-env VAR]] [--totals-only] [--min-pass-rate PCT] [PATH ...]".into()),
            other if other.starts_with("--") => return Err(format!("unknown option {other}")),
            path => options.paths.push(PathBuf::from(path)),
        }
    }
    if options.paths.is_empty() {
        options.paths.push(eval::public_scenarios_dir());
    }
    Ok(options)
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = match parse() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let scenarios = match eval::load(&options.paths) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cannot read scenarios: {e}");
            return ExitCode::from(2);
        }
    };
    let edge = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("no temporary folder: {e}");
            return ExitCode::from(2);
        }
    };
    let settings = KnowledgeSettings {
        models_dir: std::env::var("MODELS_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|_| PathBuf::from("models")),
        edge_dir: edge.path().to_path_buf(),
        qdrant_url: None,
        qdrant_api_key: None,
        threads: 1,
        remote_embedder: None,
    };
    let knowledge = match open_knowledge(&settings).await {
        Ok(k) => k,
        Err(e) => {
            eprintln!("knowledge base: {e}");
            return ExitCode::from(2);
        }
    };
    let llm = match (&options.llm_base_url, &options.llm_model) {
        (Some(url), Some(model)) => {
            let mut s = llm::OpenAiSettings::new(model.clone());
            s.base_url = Some(url.clone());
            s.api_key = std::env::var(&options.llm_key_env).ok();
            Some(Arc::new(LlmAgent::new(Arc::new(llm::OpenAiProvider::new(
                s,
            )))))
        }
        (None, None) => None,
        _ => {
            eprintln!("--llm-base-url and --llm-model go together");
            return ExitCode::from(2);
        }
    };
    println!(
        "{} scenario(s); backend: {}",
        scenarios.len(),
        llm.as_ref()
            .map(|l| l.label())
            .unwrap_or_else(|| "offline planner".into())
    );
    let options_totals_only = options.totals_only;
    let mut results = Vec::new();
    for scenario in &scenarios {
        let db = store::testing::TestDatabase::sqlite(chrono::Utc::now()).await;
        let agent = SupportAgent::new(
            Toolbox::new(db.store.clone(), Some(knowledge.kb.clone())),
            Some(knowledge.semantic.clone()),
            llm.clone(),
        );
        let options = eval::RunOptions {
            require_llm: llm.is_some(),
        };
        let result = eval::run_with(&agent, scenario, options).await;
        if !options_totals_only {
            println!(
                "{} {}",
                if result.passed { "pass" } else { "FAIL" },
                scenario.id
            );
        }
        results.push(result);
    }
    println!("\n{}", eval::report_with(&results, !options.totals_only));
    let rate =
        results.iter().filter(|r| r.passed).count() as f64 * 100.0 / results.len().max(1) as f64;
    match options.min_pass_rate {
        Some(min) if rate < min => {
            eprintln!("pass rate {rate:.1}% is under the required {min}%");
            ExitCode::from(1)
        }
        _ => ExitCode::SUCCESS,
    }
}
