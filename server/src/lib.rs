//! The AI Portfolio server: configuration, wiring and the routes that are not Leptos pages.

pub mod analytics;
pub mod api_v1;
pub mod auth;
pub mod backends;
pub mod classifier;
pub mod config;
pub mod dashboard;
mod export;
pub mod gpt;
mod health;
pub mod images;
pub mod knowledge;
pub mod live;
pub mod llm_registry;
pub mod mail;
pub mod metrics;
pub mod pirate;
pub mod rate_limit;
mod sse;
pub mod support;
pub mod telemetry;

use app::state::AppState;
use app::{App, shell};
use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use axum::routing::get;
use axum::serve::ListenerExt;
use config::Config;
use leptos::prelude::LeptosOptions;
use leptos_axum::{LeptosRoutes, file_and_error_handler_with_context, generate_route_list};
use std::sync::Arc;
use std::time::Duration;
use store::{ConnectOptions, Store};
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// The name of the front-end bundle under `/pkg` (`ai-portfolio.js`, `_bg.wasm`, `.css`).
pub const OUTPUT_NAME: &str = "ai-portfolio";

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
    let url = config.database_url.expose();
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

/// Everything the routes share; handlers extract the parts they need (`FromRef`).
#[derive(Clone, axum::extract::FromRef)]
pub struct ServerState {
    pub app: AppState,
    pub llm: Arc<llm_registry::LlmRegistry>,
    pub chat_limit: rate_limit::ChatLimit,
    pub support: Arc<support::SupportService>,
    pub images: Arc<imagegen::ImageService>,
    pub classifier: Arc<classifier::ClassifierService>,
    pub gpt: Arc<gpt::GptBackend>,
    pub metrics: metrics::Metrics,
    pub leptos_options: LeptosOptions,
    pub config: Arc<Config>,
    pub key_limits: api_v1::KeyLimits,
    pub indexing: knowledge::IndexingLock,
}

impl axum::extract::FromRef<ServerState> for Store {
    fn from_ref(state: &ServerState) -> Store {
        state.app.store.clone()
    }
}

/// The SMTP mailer when `SMTP_URL` is set (the configuration already checked it).
fn mailer(config: &Config) -> Option<Arc<dyn ::support::tools::Mailer>> {
    let url = config.smtp_url.as_ref()?;
    match mail::SmtpMailer::new(url.expose(), &config.smtp_from) {
        Ok(m) => Some(Arc::new(m)),
        Err(e) => {
            tracing::error!(error = %e, "SMTP is configured but unusable; codes go to the demo inbox");
            None
        }
    }
}

pub fn server_state(config: &Config, store: Store) -> ServerState {
    let app = app_state(config, store.clone());
    let llm = Arc::new(llm_registry::LlmRegistry::new(config));
    let metrics = metrics::Metrics::default();
    let hub = live::Hub::default();
    ServerState {
        config: Arc::new(config.clone()),
        key_limits: api_v1::KeyLimits::default(),
        indexing: knowledge::IndexingLock::default(),
        leptos_options: app.leptos_options.clone(),
        app,
        images: Arc::new(images::service(config, store.clone())),
        classifier: Arc::new(classifier::ClassifierService::new(config)),
        gpt: Arc::new(gpt::GptBackend::new(config, metrics.clone())),
        metrics,
        support: Arc::new(support::SupportService::new(
            store,
            &llm,
            hub,
            mailer(config),
        )),
        llm,
        chat_limit: rate_limit::ChatLimit {
            limiter: Arc::new(rate_limit::RateLimiter::per_minute(
                config.chat_rate_per_minute,
            )),
            client_ip_header: config.client_ip_header.clone(),
        },
    }
}

pub fn app_state(config: &Config, store: Store) -> AppState {
    let backends = backends::demo_backends(config, store.backend());
    AppState {
        leptos_options: leptos_options(config),
        store,
        backends: Arc::new(backends),
    }
}

/// Every route: health, CSV export, static files, Leptos pages and server functions.
pub fn router(state: ServerState) -> Router {
    let routes = generate_route_list(App);
    let pkg_dir = std::path::Path::new(&*state.leptos_options.site_root)
        .join(&*state.leptos_options.site_pkg_dir);
    let static_files = Router::new()
        .nest_service("/pkg", ServeDir::new(pkg_dir).precompressed_gzip())
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=300"),
        ));
    let x_request_id = HeaderName::from_static("x-request-id");

    Router::new()
        .route("/health", get(health::alive))
        .route("/health/ready", get(health::ready))
        .route("/metrics", get(metrics::render))
        .route("/data/export.csv", get(export::export_csv))
        .route(
            "/api/pirate/chat",
            axum::routing::post(pirate::chat)
                .route_layer(axum::middleware::from_fn_with_state(state.chat_limit.clone(), rate_limit::limit_chat))
                .layer(axum::extract::DefaultBodyLimit::max(64 * 1024)),
        )
        .route(
            "/api/support/chat",
            axum::routing::post(support::chat)
                .route_layer(axum::middleware::from_fn_with_state(state.chat_limit.clone(), rate_limit::limit_chat))
                .layer(axum::extract::DefaultBodyLimit::max(64 * 1024)),
        )
        .route(
            "/api/images/generate",
            axum::routing::post(images::generate)
                .route_layer(axum::middleware::from_fn_with_state(state.chat_limit.clone(), rate_limit::limit_chat))
                .layer(axum::extract::DefaultBodyLimit::max(64 * 1024)),
        )
        .route("/api/images", get(images::gallery))
        .route("/api/images/providers", get(images::providers))
        .route("/api/images/{id}/file", get(images::file))
        .route("/api/images/{id}", axum::routing::delete(images::delete))
        .route(
            "/api/classifier/predict",
            axum::routing::post(classifier::predict)
                .route_layer(axum::middleware::from_fn_with_state(state.chat_limit.clone(), rate_limit::limit_chat))
                .layer(axum::extract::DefaultBodyLimit::max(classifier::PREDICT_BODY_LIMIT)),
        )
        .route(
            "/api/classifier/teach",
            axum::routing::post(classifier::teach)
                .route_layer(axum::middleware::from_fn_with_state(state.chat_limit.clone(), rate_limit::limit_chat))
                .layer(axum::extract::DefaultBodyLimit::max(classifier::TEACH_BODY_LIMIT)),
        )
        .route("/api/classifier/reset", axum::routing::post(classifier::reset))
        .route("/api/classifier/info", get(classifier::info))
        .route("/api/classifier/samples/{name}", get(classifier::sample))
        .nest("/api/gpt", state.gpt.router(state.chat_limit.clone()))
        .route("/api/support/conversation", get(support::conversation))
        .route("/api/support/new", axum::routing::post(support::new_conversation))
        .route("/api/support/human", axum::routing::post(support::human))
        .route("/api/support/events", get(support::events))
        .route("/api/support/inbox", get(support::inbox))
        .route("/api/staff/login", axum::routing::post(auth::login).route_layer(axum::middleware::from_fn_with_state(state.chat_limit.clone(), rate_limit::limit_chat)))
        .route("/api/staff/logout", axum::routing::post(auth::logout))
        .route("/api/staff/me", get(auth::me))
        .route("/api/staff/users", get(auth::list_staff).post(auth::create_staff))
        .route("/api/staff/users/{id}/active", axum::routing::post(auth::set_active))
        .route("/api/staff/conversations", get(dashboard::conversations))
        .route("/api/staff/conversations/{id}", get(dashboard::conversation))
        .route("/api/staff/conversations/{id}/claim", axum::routing::post(dashboard::claim))
        .route("/api/staff/conversations/{id}/release", axum::routing::post(dashboard::release))
        .route("/api/staff/conversations/{id}/resolve", axum::routing::post(dashboard::resolve))
        .route("/api/staff/conversations/{id}/reply", axum::routing::post(dashboard::reply))
        .route("/api/staff/tickets", get(dashboard::tickets))
        .route("/api/staff/tickets/{id}/status", axum::routing::post(dashboard::ticket_status))
        .route("/api/staff/analytics", get(dashboard::analytics))
        .route("/api/staff/events", get(dashboard::events))
        .route("/api/staff/api-keys", get(dashboard::api_keys).post(dashboard::create_api_key))
        .route("/api/staff/api-keys/{id}/revoke", axum::routing::post(dashboard::revoke_api_key))
        .route(
            "/api/staff/kb/documents",
            get(knowledge::list).post(knowledge::upload)
                .route_layer(axum::middleware::from_fn_with_state(state.chat_limit.clone(), rate_limit::limit_chat))
                .layer(axum::extract::DefaultBodyLimit::max(knowledge::UPLOAD_BODY_LIMIT)),
        )
        .route("/api/staff/kb/documents/{id}", axum::routing::delete(knowledge::delete))
        .route("/api/staff/kb/documents/{id}/chunks", get(knowledge::chunks))
        .route("/api/staff/kb/reindex", axum::routing::post(knowledge::reindex))
        .nest("/api/v1", api_v1::router())
        .merge(api_v1::docs())
        .merge(static_files)
        .leptos_routes_with_context(
            &state,
            routes,
            {
                let app = state.app.clone();
                move || leptos::prelude::provide_context(app.clone())
            },
            {
                let options = state.leptos_options.clone();
                move || shell(options.clone())
            },
        )
        .fallback(file_and_error_handler_with_context::<ServerState, _>(
            {
                let app = state.app.clone();
                move || leptos::prelude::provide_context(app.clone())
            },
            shell,
        ))
        .layer(axum::middleware::from_fn_with_state(state.metrics.clone(), metrics::track))
        .layer(CompressionLayer::new())
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(axum::middleware::from_fn(strict_transport_security))
        .layer(PropagateRequestIdLayer::new(x_request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
            let request_id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id)
        }))
        .layer(SetRequestIdLayer::new(x_request_id, MakeRequestUuid))
        .with_state(state)
}

/// HSTS when the request reached the proxy over TLS (Fly.io's proxy says so in
/// X-Forwarded-Proto); over plain HTTP the header would be meaningless.
async fn strict_transport_security(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let over_tls = request
        .headers()
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"));
    let mut response = next.run(request).await;
    if over_tls {
        response.headers_mut().insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    response
}

/// Reads the configuration, opens the store and serves until Ctrl-C or SIGTERM.
pub async fn run() -> Result<(), StartupError> {
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
    if let Some(admin) = &config.admin
        && let Err(e) = auth::ensure_configured_admin(&store, admin).await
    {
        tracing::error!(error = %e, "cannot create the configured administrator");
    }
    if config.admin.is_none() {
        tracing::info!(
            "no ADMIN_EMAIL / ADMIN_PASSWORD: the support dashboard has no administrator until one is configured"
        );
    }
    let state = server_state(&config, store.clone());
    let hub = state.support.hub().clone();
    // The knowledge base loads (and indexes, at first start) while the server already serves.
    {
        let service = state.support.clone();
        let config = config.clone();
        tokio::spawn(async move {
            let settings = support::knowledge_settings_with_remote(&config).await;
            service.load(settings).await
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
    tracing::info!("listening on http://{}", config.bind);
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown_signal().await;
        // Live streams never end by themselves: close them so open requests can drain.
        hub.close();
    })
    .await
    .map_err(StartupError::Serve)?;
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
