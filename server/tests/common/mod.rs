//! The in-process test app shared by the HTTP test files: a builder over a real database
//! (SQLite, or PostgreSQL when asked), optional knowledge base and classifier, and request helpers.
#![allow(dead_code)]

pub mod staff;

pub use axum::Router;
pub use axum::body::Body;
pub use axum::http::{Request, StatusCode, header};
pub use http_body_util::BodyExt;
pub use server::config::Config;
pub use std::collections::HashMap;
pub use std::sync::Arc;
pub use store::testing::TestDatabase;
pub use tower::ServiceExt;

pub struct TestApp {
    pub router: Router,
    pub config: Config,
    pub db: TestDatabase,
    pub support: Arc<server::services::support::SupportService>,
    pub knowledge: Arc<server::services::knowledge::KnowledgeService>,
    pub classifier: Arc<server::services::classifier::ClassifierService>,
    pub key_limits: server::services::limits::KeyLimits,
    _kb_dir: Option<tempfile::TempDir>,
    _classifier_dir: Option<tempfile::TempDir>,
}

#[derive(Default)]
pub struct TestAppBuilder {
    postgres: bool,
    knowledge: bool,
    classifier: bool,
    env: HashMap<String, String>,
    anchor: Option<chrono::DateTime<chrono::Utc>>,
}

impl TestAppBuilder {
    pub fn postgres(mut self) -> Self {
        self.postgres = true;
        self
    }

    /// Loads the support knowledge base (MiniLM + embedded Qdrant in a temporary folder).
    pub fn knowledge(mut self) -> Self {
        self.knowledge = true;
        self
    }

    /// Loads the image classifier (EfficientNet-Lite0 from MODELS_DIR, taught classes in a
    /// temporary folder).
    pub fn classifier(mut self) -> Self {
        self.classifier = true;
        self
    }

    /// The instant the store is seeded relative to (default: now).
    pub fn anchor(mut self, anchor: chrono::DateTime<chrono::Utc>) -> Self {
        self.anchor = Some(anchor);
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.insert(key.to_owned(), value.to_owned());
        self
    }

    /// `None` only for PostgreSQL when it is unreachable and not required.
    pub async fn build(self) -> Option<TestApp> {
        let kb_dir = self
            .knowledge
            .then(|| tempfile::tempdir().expect("temp dir"));
        let mut env = self.env.clone();
        if let Some(dir) = &kb_dir {
            env.insert("KB_DIR".into(), dir.path().display().to_string());
            env.entry("MODELS_DIR".into()).or_insert_with(models_dir);
        }
        let classifier_dir = self
            .classifier
            .then(|| tempfile::tempdir().expect("temp dir"));
        if let Some(dir) = &classifier_dir {
            env.insert("CLASSIFIER_DIR".into(), dir.path().display().to_string());
            env.entry("MODELS_DIR".into()).or_insert_with(models_dir);
        }
        env.entry("METRICS_TOKEN".into())
            .or_insert_with(|| METRICS_TOKEN.to_owned());
        let config = Config::from_lookup(|k| env.get(k).cloned()).expect("config");
        let anchor = self.anchor.unwrap_or_else(chrono::Utc::now);
        let db = if self.postgres {
            TestDatabase::postgres(anchor).await?
        } else {
            TestDatabase::sqlite(anchor).await
        };
        if let Some(admin) = &config.admin {
            server::services::staff::ensure_configured_admin(&db.store, admin)
                .await
                .expect("the configured admin is created");
        }
        let state = server::server_state(&config, db.store.clone());
        let support = state.support.clone();
        let knowledge = state.knowledge.clone();
        let classifier = state.classifier.clone();
        let key_limits = state.key_limits.clone();
        if self.knowledge {
            knowledge
                .load(
                    server::services::knowledge::knowledge_settings(&config),
                    &support,
                )
                .await;
        }
        if self.classifier {
            state.classifier.load().await;
        }
        Some(TestApp {
            router: server::http::router(state),
            config,
            db,
            support,
            knowledge,
            classifier,
            key_limits,
            _kb_dir: kb_dir,
            _classifier_dir: classifier_dir,
        })
    }
}

/// The visitor every test request is from unless it says otherwise (32 hex digits).
pub const TEST_VISITOR: &str = "0123456789abcdef0123456789abcdef";
pub const OTHER_VISITOR: &str = "fedcba9876543210fedcba9876543210";

/// The metrics token every test app is given unless a test sets its own.
pub const METRICS_TOKEN: &str = "test-metrics-token-0123456789";

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

/// The longest any one test request may take (streamed replies included).
const REQUEST_LIMIT: std::time::Duration = std::time::Duration::from_secs(180);

impl TestApp {
    pub fn builder() -> TestAppBuilder {
        TestAppBuilder::default()
    }

    /// Sends `request` as one browser would: with the test visitor's cookie (`TEST_VISITOR`)
    /// unless the request names a visitor of its own, so a generated image or a taught class is
    /// the same visitor's on the next request, as in a browser.
    pub async fn request(&self, mut request: Request<Body>) -> Reply {
        let cookies = request
            .headers()
            .get(header::COOKIE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        if !cookies.contains("visitor=") {
            let with_visitor = if cookies.is_empty() {
                format!("visitor={TEST_VISITOR}")
            } else {
                format!("{cookies}; visitor={TEST_VISITOR}")
            };
            if let Ok(v) = with_visitor.parse() {
                request.headers_mut().insert(header::COOKIE, v);
            }
        }
        // A request that never answers fails its test, naming it, instead of holding the run
        // (one full run saw a server-side render wait forever under load).
        let what = format!("{} {}", request.method(), request.uri());
        let exchange = async {
            let response = self
                .router
                .clone()
                .oneshot(request)
                .await
                .expect("infallible router");
            let status = response.status();
            let headers = response.headers().clone();
            let bytes = response
                .into_body()
                .collect()
                .await
                .expect("body")
                .to_bytes();
            (status, headers, bytes)
        };
        let (status, headers, bytes) = tokio::time::timeout(REQUEST_LIMIT, exchange)
            .await
            .unwrap_or_else(|_| panic!("{what} did not answer within {REQUEST_LIMIT:?}"));
        // Leptos separates adjacent text nodes with empty comments; tests read the text.
        let body = String::from_utf8_lossy(&bytes)
            .replace("<!>", "")
            .replace("<!---->", "");
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, uri: &str) -> Reply {
        self.request(Request::get(uri).body(Body::empty()).expect("request"))
            .await
    }

    /// `/metrics`, with the token the test app was given.
    pub async fn metrics(&self) -> Reply {
        self.request(
            Request::get("/metrics")
                .header(header::AUTHORIZATION, format!("Bearer {METRICS_TOKEN}"))
                .body(Body::empty())
                .expect("request"),
        )
        .await
    }

    pub async fn post_json(&self, uri: &str, json: &str) -> Reply {
        self.request(
            Request::post(uri)
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::ACCEPT, "application/json")
                .body(Body::from(json.to_owned()))
                .expect("request"),
        )
        .await
    }

    /// Another instance of the server on the same PostgreSQL schema: its own pools, hub,
    /// listener and limits, as a second machine would have (`None` on SQLite).
    pub async fn another_instance(&self) -> Option<TestApp> {
        self.another_instance_with(self.config.clone()).await
    }

    /// Another instance with its own configuration (its own folders, as another machine).
    pub async fn another_instance_with(&self, config: Config) -> Option<TestApp> {
        let db = self.db.another_instance().await?;
        let state = server::server_state(&config, db.store.clone());
        Some(TestApp {
            router: server::http::router(state.clone()),
            config,
            support: state.support.clone(),
            knowledge: state.knowledge.clone(),
            classifier: state.classifier.clone(),
            key_limits: state.key_limits.clone(),
            db,
            _kb_dir: None,
            _classifier_dir: None,
        })
    }

    pub async fn cleanup(self) {
        // Background tasks (the knowledge replica, the job runner) hold the knowledge base: they
        // stop on shutdown and let it flush while its folder still exists.
        self.support.hub().close();
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        self.db.cleanup().await;
    }
}

pub fn title_of(html: &str) -> &str {
    html.split_once("<title>")
        .and_then(|(_, rest)| rest.split_once("</title>"))
        .map_or("", |(t, _)| t)
}

pub fn models_dir() -> String {
    std::env::var("MODELS_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../models").to_owned())
}

/// A POST of a multipart/form-data body from (field, file name or none, bytes) parts.
pub fn multipart_request(uri: &str, parts: &[(&str, Option<&str>, &[u8])]) -> Request<Body> {
    let boundary = "----portfolio-test-boundary";
    let mut body = Vec::new();
    for (field, filename, bytes) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match filename {
            Some(f) => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{field}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{field}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    Request::post(uri)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .expect("request")
}
