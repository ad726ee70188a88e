//! Building the server from its configuration: the store, the services, and serving until
//! Ctrl-C or SIGTERM.

use crate::config::{self, Config};
use crate::http::{self, api_v1, rate_limit};
use crate::services::{
    backends, classifier, images, knowledge, live, llm_registry, mail, metrics, support,
};
use crate::state::ServerState;
use crate::{OUTPUT_NAME, telemetry};
use app::state::AppState;
use axum::serve::ListenerExt;
use leptos::prelude::LeptosOptions;
use secrecy::ExposeSecret;
use std::sync::Arc;
use std::time::Duration;
use store::{ConnectOptions, Store};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error("cannot open the store database: {0}")]
    Store(#[from] store::StoreError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("server error: {0}")]
    Serve(std::io::Error),
}

pub fn leptos_options(config: &Config) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name(OUTPUT_NAME)
        .site_root(config.site_root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .site_addr(config.bind)
        .build()
}

/// Opens the store, retrying while the database is unreachable (a PostgreSQL that is still
/// starting), with a log line per attempt.
pub async fn open_store(config: &Config) -> Result<Store, store::StoreError> {
    const ATTEMPTS: u32 = 8;
    let url = config.database_url.expose_secret();
    let mut delay = Duration::from_millis(500);
    for attempt in 1..=ATTEMPTS {
        match Store::open(url, &ConnectOptions::default()).await {
            Ok(store) => return Ok(store),
            Err(e) if e.is_unreachable() && attempt < ATTEMPTS => {
                tracing::warn!(
                    database = %config.database_url_redacted(),
                    attempt,
                    retry_in_ms = delay.as_millis() as u64,
                    error = %e,
                    "database not reachable yet; retrying"
                );
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(8));
            }
            Err(e) => return Err(e),
        }
    }
    Err(store::StoreError::Config("database unreachable".into()))
}

/// The SMTP mailer when `SMTP_URL` is set (the configuration already checked it).
fn mailer(config: &Config) -> Option<Arc<dyn ::support::tools::Mailer>> {
    let url = config.smtp_url.as_ref()?;
    match mail::SmtpMailer::new(url.expose_secret(), &config.smtp_from) {
        Ok(m) => Some(Arc::new(m)),
        Err(e) => {
            tracing::error!(error = %e, "SMTP is configured but unusable; codes go to the demo inbox");
            None
        }
    }
}

pub fn server_state(config: &Config, store: Store) -> ServerState {
    let images = Arc::new(images::service(config, store.clone()));
    let app = app_state(config, store.clone(), &images.providers());
    let llm = Arc::new(llm_registry::LlmRegistry::new(config));
    let metrics = metrics::Metrics::default();
    let hub = live::Hub::stored(store.clone());
    let redis = config.redis_url.as_ref().and_then(|url| {
        crate::services::limits::RedisLimits::new(url.expose_secret())
            .map_err(|e| tracing::error!(error = %e, "request limits fall back to the database"))
            .ok()
    });
    let shared_limits = crate::services::limits::SharedLimits::choose(redis, &store);
    let chat_limit = rate_limit::ChatLimit {
        limiter: Arc::new(rate_limit::RateLimiter::shared(
            config.chat_rate_per_minute,
            shared_limits.clone(),
            "client",
        )),
        client_ip_header: config.client_ip_header.clone(),
    };
    let alerts = crate::services::alerts::Alerts::new(
        store.clone(),
        config.webhook_urls.clone(),
        config.webhook_secret.clone(),
        mailer(config),
        Some(metrics.clone()),
    );
    ServerState {
        audit: crate::services::audit::Audit::new(store.clone()),
        config: Arc::new(config.clone()),
        key_limits: api_v1::KeyLimits::new(shared_limits),
        knowledge: Arc::new(knowledge::KnowledgeService::new(
            store.clone(),
            hub.clone(),
            crate::services::jobs::JobQueue::new(
                config.job_lease,
                config.fly_machine.as_deref().unwrap_or("instance"),
            ),
        )),
        leptos_options: app.leptos_options.clone(),
        app,
        images,
        classifier: Arc::new(classifier::ClassifierService::new(config, &store, &hub)),
        voice: Arc::new(crate::services::voice::VoiceService::new(config)),
        gpt: Arc::new(crate::services::gpt::GptBackend::new(
            config,
            metrics.clone(),
        )),
        metrics,
        support: Arc::new(
            support::SupportService::new(store, &llm, hub, mailer(config), alerts)
                .with_transcripts(config.store_transcripts),
        ),
        llm,
        chat_limit,
    }
}

pub fn app_state(
    config: &Config,
    store: Store,
    image_providers: &[domain::api::images::ProviderInfo],
) -> AppState {
    let backends = backends::demo_backends(config, store.backend(), image_providers);
    AppState {
        leptos_options: leptos_options(config),
        store,
        backends: Arc::new(backends),
    }
}

/// Reads the configuration, opens the store and serves until Ctrl-C or SIGTERM.
/// Chooses rustls's crypto provider for the process. Both ring and aws-lc-rs are linked (by
/// different dependencies), and with two, rustls has no default: the first TLS connection that
/// asks for it (PostgreSQL with `sslmode=require`, an HTTPS model API) would panic.
pub fn install_crypto_provider() {
    // Err means one is installed already (a second call, or a test process): nothing to do.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

pub async fn run() -> Result<(), StartupError> {
    install_crypto_provider();
    let config = Config::from_env()?;
    telemetry::init(&config);
    tracing::info!(
        database = %config.database_url_redacted(),
        bind = %config.bind,
        site_root = %config.site_root.display(),
        openai = config.openai_api_key.is_some(),
        openai_base_url = config.openai_base_url.as_ref().map(|u| u.as_str()).unwrap_or("-"),
        qdrant = config.qdrant_url.is_some(),
        stability = config.stability_key.is_some(),
        gpt_api = config.gpt_api_url.is_some(),
        "starting AI Portfolio"
    );
    if !config
        .site_root
        .join("pkg")
        .join(format!("{OUTPUT_NAME}.js"))
        .exists()
    {
        tracing::warn!(
            site_root = %config.site_root.display(),
            "front-end bundle not found: pages render but will not hydrate; build it with scripts/build.sh"
        );
    }
    let store = open_store(&config).await?;
    tracing::info!(
        backend = store.backend().label(),
        "store ready (migrated and seeded)"
    );
    if let Some(machine) = &config.fly_machine
        && store.backend() == store::Backend::Sqlite
    {
        // Each machine would have its own file: desks, limits and images would split.
        tracing::warn!(
            machine = %machine,
            "SQLite on Fly.io serves one machine only: keep `fly scale count 1`, or set DATABASE_URL to PostgreSQL to run several"
        );
    }
    if let Some(admin) = &config.admin
        && let Err(e) = crate::services::staff::ensure_configured_admin(&store, admin).await
    {
        tracing::error!(error = %e, "cannot create the configured administrator");
    }
    if config.admin.is_none() {
        tracing::info!(
            "no ADMIN_EMAIL / ADMIN_PASSWORD: the support desk has no administrator until one is configured"
        );
    }
    let state = server_state(&config, store.clone());
    let hub = state.support.hub().clone();
    let key_limits = state.key_limits.clone();
    crate::services::housekeeping::spawn(
        store.clone(),
        key_limits.clone(),
        state.images.clone(),
        crate::services::housekeeping::Retention {
            visitor_days: config.visitor_data_days,
            conversation_days: config.retention_days,
            transcripts_kept: config.store_transcripts,
        },
    );
    // Alerts to the team go out from every instance (each delivery from one).
    state.support.alerts().start(hub.closing());
    let knowledge = state.knowledge.clone();
    // The knowledge base loads (and indexes, at first start) while the server already serves.
    {
        let knowledge = state.knowledge.clone();
        let support = state.support.clone();
        let config = config.clone();
        tokio::spawn(async move {
            match knowledge::knowledge_settings_with_remote(&config).await {
                Ok(settings) => knowledge.load(settings, &support).await,
                Err(reason) => knowledge.refuse(reason),
            }
        });
    }
    {
        let classifier = state.classifier.clone();
        tokio::spawn(async move { classifier.load().await });
    }
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .map_err(|source| StartupError::Bind {
            addr: config.bind,
            source,
        })?
        // Streamed pages and token streams go out in small chunks; without TCP_NODELAY, Nagle's
        // algorithm meets delayed ACKs and adds ~40 ms to a response.
        .tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!(error = %e, "cannot set TCP_NODELAY");
            }
        });
    if let Some(port) = config.metrics_port {
        // Every address, IPv6 included: Fly's scraper comes over its private IPv6 network.
        let addr = std::net::SocketAddr::from((std::net::Ipv6Addr::UNSPECIFIED, port));
        let metrics = http::metrics_router(state.clone());
        match tokio::net::TcpListener::bind(addr).await {
            Ok(listener) => {
                tracing::info!("metrics on http://{addr}/metrics");
                tokio::spawn(async move {
                    if let Err(e) = axum::serve(listener, metrics).await {
                        tracing::error!(error = %e, "the metrics port stopped");
                    }
                });
            }
            Err(source) => return Err(StartupError::Bind { addr, source }),
        }
    }
    tracing::info!("listening on http://{}", config.bind);
    axum::serve(
        listener,
        http::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown_signal().await;
        // Live streams never end by themselves: close them so open requests can drain.
        hub.close();
    })
    .await
    .map_err(StartupError::Serve)?;
    // The job in hand gets the rest of the platform's kill timeout (fly.toml: 45 s); one that
    // does not finish is taken over once its lease lapses.
    knowledge.drain(Duration::from_secs(30)).await;
    crate::services::housekeeping::finish(&store, &key_limits).await;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing open requests");
}
