//! All configuration, read once from the environment (and an optional `.env` file) into one
//! typed struct. An invalid value stops startup with a message naming the variable; secrets are
//! wrapped so that they never reach a log line.

use secrecy::ExposeSecret;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use url::Url;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/portfolio.db?mode=rwc";

/// A value that must not be logged (secrecy's `SecretString`: `Debug` prints it redacted, and
/// reading it takes an explicit `expose_secret()`).
pub type Secret = secrecy::SecretString;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Clone, Debug)]
pub struct Config {
    /// Holds a password on hosted PostgreSQL, hence a secret; log `database_url_redacted()`.
    pub database_url: Secret,
    pub openai_api_key: Option<Secret>,
    pub openai_base_url: Option<Url>,
    pub openai_chat_model: String,
    pub openai_support_model: String,
    pub openai_embedding_model: String,
    pub openai_image_model: String,
    /// OpenAI's speech models, used for voice when OPENAI_API_KEY is set.
    pub openai_transcription_model: String,
    pub openai_speech_model: String,
    pub qdrant_url: Option<Url>,
    pub qdrant_api_key: Option<Secret>,
    /// Redis for the request limits every instance shares (optional: PostgreSQL does it
    /// otherwise). A secret: it may carry a password.
    pub redis_url: Option<Secret>,
    /// The SMTP server one-time codes go out through (`smtp://user:pass@host:port`,
    /// `smtps://…`); unset: they stay in the demo inbox.
    pub smtp_url: Option<Secret>,
    /// The sender of that mail.
    pub smtp_from: String,
    pub stability_key: Option<Secret>,
    /// Stability's API root (tests aim it at a local fake).
    pub stability_base_url: Option<Url>,
    pub stability_model: String,
    /// An OpenAI-compatible image server (a local stable-diffusion server).
    pub openai_image_base_url: Option<Url>,
    /// Where generated images are kept, and how many the gallery holds.
    pub images_dir: PathBuf,
    /// An S3-compatible bucket for the images (S3_BUCKET, or Tigris's BUCKET_NAME): every
    /// instance reads it; unset, they stay on disk (SQLite) or in the database (PostgreSQL).
    pub image_bucket: Option<imagegen::S3Settings>,
    pub image_gallery_max: i64,
    pub gpt_api_url: Option<Url>,
    pub models_dir: PathBuf,
    /// Where classes taught on the classifier page are kept.
    pub classifier_dir: PathBuf,
    /// The classifier's default confidence threshold: under it the answer is "other".
    pub classifier_threshold: f32,
    /// Where the embedded Qdrant keeps the knowledge base.
    pub kb_dir: PathBuf,
    /// CPU threads for one embedded-model generation (one beat two on the 2-core machine).
    pub llm_threads: usize,
    /// Chat replies a client may ask for per minute.
    pub chat_rate_per_minute: u32,
    /// Header a trusted proxy sets to the client's address (e.g. fly-client-ip); unset: the peer.
    pub client_ip_header: Option<http::HeaderName>,
    pub site_root: PathBuf,
    /// The first administrator (ADMIN_EMAIL and ADMIN_PASSWORD together; no built-in default):
    /// created at start, or brought back to admin with this password.
    pub admin: Option<AdminAccount>,
    /// Requests a minute a new API key may make unless its creator says otherwise.
    pub api_key_rate_per_minute: u32,
    pub log_level: String,
    pub log_format: LogFormat,
    pub bind: SocketAddr,
    /// A private port that serves `/metrics` alone (Fly's scraper); then the public port does
    /// not serve it.
    pub metrics_port: Option<u16>,
    /// Days an anonymous visitor's demo data (generated images, taught classes) is kept.
    pub visitor_data_days: u32,
    /// Days a resolved conversation is kept after its last change (`None`: kept).
    pub retention_days: Option<u32>,
    /// Where alerts to the team are POSTed (WEBHOOK_URLS, comma-separated http(s) URLs).
    pub webhook_urls: Vec<String>,
    /// The HMAC-SHA256 key webhook bodies are signed with (WEBHOOK_SECRET, 16+ characters; needed
    /// with WEBHOOK_URLS).
    pub webhook_secret: Option<Secret>,
    /// "Try the desk": visitors may open a sandboxed desk that sees only their own
    /// conversations (DEMO_DESK, on unless `false`).
    pub demo_desk: bool,
    /// STORE_TRANSCRIPTS (on unless `false`): with it off, a support conversation's words are
    /// removed once it is resolved or left for a day; classifications and figures stay.
    pub store_transcripts: bool,
    /// Without a private port, the public port serves `/metrics` only to a request bearing this
    /// token (at least 16 characters). Neither set: `/metrics` is not served at all.
    pub metrics_token: Option<Secret>,
    /// The Fly.io machine this runs on (FLY_MACHINE_ID, set by the platform), if any.
    pub fly_machine: Option<String>,
    /// How long a claimed job is this instance's without a heartbeat: after it, another
    /// instance takes the job over.
    pub job_lease: std::time::Duration,
}

#[derive(Clone, Debug)]
pub struct AdminAccount {
    pub email: String,
    pub name: String,
    pub password: Secret,
}

/// The shortest password accepted for staff accounts (the configured admin's too).
pub const MIN_PASSWORD_CHARS: usize = 10;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid {variable}: {message}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

fn invalid(variable: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        variable,
        message: message.into(),
    }
}

/// An on/off variable (true/false, 1/0, yes/no, on/off; unset means `default`).
fn switch(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: bool,
) -> Result<bool, ConfigError> {
    match get(name).map(|v| v.to_ascii_lowercase()).as_deref() {
        None => Ok(default),
        Some("true" | "1" | "yes" | "on") => Ok(true),
        Some("false" | "0" | "no" | "off") => Ok(false),
        Some(_) => Err(invalid(name, "must be true or false")),
    }
}

impl Config {
    /// Reads `.env` when present (real environment variables win), then the environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        match dotenvy::dotenv() {
            Ok(_) => {}
            Err(e) if e.not_found() => {}
            Err(e) => return Err(invalid(".env", format!("cannot read the file: {e}"))),
        }
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Builds the configuration from any variable source (tests pass a map).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        // Empty values count as unset, as in most .env tooling.
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };

        let database_url = get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        if !store::is_sqlite_url(&database_url) && !store::is_postgres_url(&database_url) {
            return Err(invalid(
                "DATABASE_URL",
                "must start with sqlite: (a file) or postgres:// / postgresql:// (a server)",
            ));
        }
        if store::is_postgres_url(&database_url) {
            Url::parse(&database_url)
                .map_err(|e| invalid("DATABASE_URL", format!("not a valid URL: {e}")))?;
        }

        let url = |name: &'static str| -> Result<Option<Url>, ConfigError> {
            match get(name) {
                None => Ok(None),
                Some(raw) => {
                    let parsed = Url::parse(&raw)
                        .map_err(|e| invalid(name, format!("not a valid URL ({e})")))?;
                    if !matches!(parsed.scheme(), "http" | "https") {
                        return Err(invalid(name, "must be an http:// or https:// URL"));
                    }
                    Ok(Some(parsed))
                }
            }
        };
        let secret = |name: &str| get(name).map(Secret::from);
        let model = |name: &'static str, default: &str| -> Result<String, ConfigError> {
            let value = get(name).unwrap_or_else(|| default.to_owned());
            if value.len() > 200 || value.chars().any(char::is_whitespace) {
                return Err(invalid(
                    name,
                    "a model name has no spaces and at most 200 characters",
                ));
            }
            Ok(value)
        };

        let webhook_urls: Vec<String> = get("WEBHOOK_URLS")
            .map(|raw| {
                raw.split(',')
                    .map(str::trim)
                    .filter(|u| !u.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        for url in &webhook_urls {
            let usable = reqwest::Url::parse(url)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
            if !usable {
                return Err(invalid(
                    "WEBHOOK_URLS",
                    format!("{url:?} is not an http(s) URL"),
                ));
            }
        }
        let webhook_secret = secret("WEBHOOK_SECRET");
        match (&webhook_secret, webhook_urls.is_empty()) {
            (None, false) => {
                return Err(invalid(
                    "WEBHOOK_SECRET",
                    "is needed with WEBHOOK_URLS, so receivers can check the signature",
                ));
            }
            (Some(s), _) if s.expose_secret().chars().count() < 16 => {
                return Err(invalid("WEBHOOK_SECRET", "must be at least 16 characters"));
            }
            _ => {}
        }
        let smtp_url = secret("SMTP_URL");
        let smtp_from = get("SMTP_FROM")
            .unwrap_or_else(|| "AI Portfolio Store <no-reply@localhost>".to_owned());
        if let Some(url) = &smtp_url {
            if !(url.expose_secret().starts_with("smtp://")
                || url.expose_secret().starts_with("smtps://"))
            {
                return Err(invalid(
                    "SMTP_URL",
                    "must be an smtp:// or smtps:// URL (smtp://user:password@host:587?tls=required)",
                ));
            }
            smtp_sender(&smtp_from).map_err(|e| invalid("SMTP_FROM", e))?;
            smtp_transport(url.expose_secret()).map_err(|e| invalid("SMTP_URL", e))?;
        }

        let log_level = get("LOG_LEVEL").unwrap_or_else(|| "info".to_owned());
        tracing_subscriber::EnvFilter::try_new(&log_level).map_err(|e| {
            invalid(
                "LOG_LEVEL",
                format!(
                    "expected a level (error, warn, info, debug, trace) or filter directives: {e}"
                ),
            )
        })?;
        let log_format = match get("LOG_FORMAT").as_deref() {
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(_) => return Err(invalid("LOG_FORMAT", "must be pretty or json")),
        };

        let llm_threads: usize = match get("LLM_THREADS") {
            None => 1,
            Some(raw) => raw
                .parse()
                .ok()
                .filter(|n| (1..=64).contains(n))
                .ok_or_else(|| invalid("LLM_THREADS", "must be a whole number from 1 to 64"))?,
        };
        let chat_rate_per_minute: u32 = match get("CHAT_RATE_PER_MINUTE") {
            None => 12,
            Some(raw) => raw
                .parse()
                .ok()
                .filter(|n| (1..=100_000).contains(n))
                .ok_or_else(|| {
                    invalid(
                        "CHAT_RATE_PER_MINUTE",
                        "must be a whole number from 1 to 100000",
                    )
                })?,
        };
        let client_ip_header = match get("CLIENT_IP_HEADER") {
            None => None,
            Some(raw) => Some(
                http::HeaderName::from_bytes(raw.to_ascii_lowercase().as_bytes()).map_err(
                    |_| {
                        invalid(
                            "CLIENT_IP_HEADER",
                            "must be an HTTP header name such as fly-client-ip",
                        )
                    },
                )?,
            ),
        };
        let job_lease = match get("JOB_LEASE_SECONDS") {
            None => std::time::Duration::from_secs(60),
            Some(raw) => raw
                .parse::<u64>()
                .ok()
                .filter(|n| (1..=3_600).contains(n))
                .map(std::time::Duration::from_secs)
                .ok_or_else(|| {
                    invalid("JOB_LEASE_SECONDS", "must be a whole number from 1 to 3600")
                })?,
        };
        let metrics_port =
            match get("METRICS_PORT") {
                None => None,
                Some(raw) => Some(raw.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| {
                    invalid("METRICS_PORT", "must be a port number from 1 to 65535")
                })?),
            };
        let host: IpAddr = get("HOST")
            .unwrap_or_else(|| "127.0.0.1".to_owned())
            .parse()
            .map_err(|_| invalid("HOST", "must be an IP address such as 127.0.0.1 or 0.0.0.0"))?;
        let port: u16 = get("PORT")
            .unwrap_or_else(|| "3000".to_owned())
            .parse()
            .map_err(|_| invalid("PORT", "must be a port number from 0 to 65535"))?;

        Ok(Config {
            database_url: Secret::from(database_url),
            openai_api_key: secret("OPENAI_API_KEY"),
            openai_base_url: url("OPENAI_BASE_URL")?,
            openai_chat_model: model("OPENAI_CHAT_MODEL", "gpt-4o-mini")?,
            openai_support_model: model("OPENAI_SUPPORT_MODEL", "gpt-4o-mini")?,
            openai_embedding_model: model("OPENAI_EMBEDDING_MODEL", "text-embedding-3-small")?,
            openai_image_model: model("OPENAI_IMAGE_MODEL", "gpt-image-1")?,
            openai_transcription_model: model("OPENAI_TRANSCRIPTION_MODEL", "whisper-1")?,
            openai_speech_model: model("OPENAI_SPEECH_MODEL", "gpt-4o-mini-tts")?,
            qdrant_url: url("QDRANT_URL")?,
            qdrant_api_key: secret("QDRANT_API_KEY"),
            redis_url: secret("REDIS_URL"),
            smtp_url,
            smtp_from,
            stability_key: secret("STABILITY_KEY"),
            stability_base_url: url("STABILITY_BASE_URL")?,
            stability_model: model("STABILITY_MODEL", "sd3-medium")?,
            openai_image_base_url: url("OPENAI_IMAGE_BASE_URL")?,
            images_dir: PathBuf::from(
                get("IMAGES_DIR").unwrap_or_else(|| "data/images".to_owned()),
            ),
            image_bucket: image_bucket(&get)?,
            image_gallery_max: match get("IMAGE_GALLERY_MAX") {
                None => 200,
                Some(raw) => raw
                    .parse()
                    .ok()
                    .filter(|n| (1..=100_000).contains(n))
                    .ok_or_else(|| {
                        invalid("IMAGE_GALLERY_MAX", "must be a number from 1 to 100000")
                    })?,
            },
            gpt_api_url: url("GPT_API_URL")?,
            models_dir: PathBuf::from(get("MODELS_DIR").unwrap_or_else(|| "models".to_owned())),
            classifier_dir: PathBuf::from(
                get("CLASSIFIER_DIR").unwrap_or_else(|| "data/classifier".to_owned()),
            ),
            classifier_threshold: match get("CLASSIFIER_THRESHOLD") {
                None => 0.6,
                Some(raw) => raw
                    .parse::<f32>()
                    .ok()
                    .filter(|t| (0.0..=1.0).contains(t))
                    .ok_or_else(|| {
                        invalid("CLASSIFIER_THRESHOLD", "must be a number from 0 to 1")
                    })?,
            },
            kb_dir: PathBuf::from(get("KB_DIR").unwrap_or_else(|| "data/qdrant".to_owned())),
            llm_threads,
            chat_rate_per_minute,
            client_ip_header,
            metrics_port,
            visitor_data_days: match get("VISITOR_DATA_DAYS") {
                None => 30,
                Some(raw) => raw
                    .parse::<u32>()
                    .ok()
                    .filter(|d| (1..=3650).contains(d))
                    .ok_or_else(|| {
                        invalid(
                            "VISITOR_DATA_DAYS",
                            "must be a whole number of days from 1 to 3650",
                        )
                    })?,
            },
            retention_days: match get("RETENTION_DAYS") {
                None => None,
                Some(raw) => Some(
                    raw.parse::<u32>()
                        .ok()
                        .filter(|d| (1..=36_500).contains(d))
                        .ok_or_else(|| {
                            invalid(
                                "RETENTION_DAYS",
                                "must be a whole number of days from 1 to 36500",
                            )
                        })?,
                ),
            },
            webhook_urls,
            webhook_secret,
            demo_desk: switch(&get, "DEMO_DESK", true)?,
            store_transcripts: switch(&get, "STORE_TRANSCRIPTS", true)?,
            metrics_token: match get("METRICS_TOKEN") {
                None => None,
                Some(t) if t.chars().count() >= 16 => Some(Secret::from(t)),
                Some(_) => return Err(invalid("METRICS_TOKEN", "must be at least 16 characters")),
            },
            fly_machine: get("FLY_MACHINE_ID").filter(|id| !id.trim().is_empty()),
            job_lease,
            site_root: PathBuf::from(get("SITE_ROOT").unwrap_or_else(|| "target/site".to_owned())),
            admin: match (get("ADMIN_EMAIL"), get("ADMIN_PASSWORD")) {
                (None, None) => None,
                (Some(email), Some(password)) => {
                    if !domain::is_email_address(&email) {
                        return Err(invalid("ADMIN_EMAIL", "must be an email address"));
                    }
                    if password.chars().count() < MIN_PASSWORD_CHARS {
                        return Err(invalid(
                            "ADMIN_PASSWORD",
                            format!("must be at least {MIN_PASSWORD_CHARS} characters"),
                        ));
                    }
                    Some(AdminAccount {
                        email,
                        name: get("ADMIN_NAME").unwrap_or_else(|| "Administrator".to_owned()),
                        password: Secret::from(password),
                    })
                }
                (Some(_), None) => {
                    return Err(invalid("ADMIN_PASSWORD", "is needed with ADMIN_EMAIL"));
                }
                (None, Some(_)) => {
                    return Err(invalid("ADMIN_EMAIL", "is needed with ADMIN_PASSWORD"));
                }
            },
            api_key_rate_per_minute: match get("API_KEY_RATE_PER_MINUTE") {
                None => 60,
                Some(raw) => raw
                    .parse()
                    .ok()
                    .filter(|n| (1..=100_000).contains(n))
                    .ok_or_else(|| {
                        invalid(
                            "API_KEY_RATE_PER_MINUTE",
                            "must be a number from 1 to 100000",
                        )
                    })?,
            },
            log_level,
            log_format,
            bind: SocketAddr::new(host, port),
        })
    }

    /// The database URL with any password replaced, for logs and the health report.
    pub fn database_url_redacted(&self) -> String {
        let raw = self.database_url.expose_secret();
        match Url::parse(raw) {
            Ok(mut url) if url.password().is_some() => {
                let _ = url.set_password(Some("***"));
                url.to_string()
            }
            _ => raw.to_owned(),
        }
    }
}

/// The image bucket, named by `S3_BUCKET` or (as `fly storage create` sets it) `BUCKET_NAME`,
/// with the endpoint and keys under the names S3 tools share.
fn image_bucket(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<Option<imagegen::S3Settings>, ConfigError> {
    let Some(bucket) = get("S3_BUCKET").or_else(|| get("BUCKET_NAME")) else {
        return Ok(None);
    };
    let named = bucket.len() >= 3
        && bucket.len() <= 63
        && bucket
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.');
    if !named {
        return Err(invalid(
            "S3_BUCKET",
            "must be a bucket name: 3 to 63 lowercase letters, digits, dots or hyphens",
        ));
    }
    let endpoint = get("S3_ENDPOINT")
        .or_else(|| get("AWS_ENDPOINT_URL_S3"))
        .or_else(|| get("AWS_ENDPOINT_URL"));
    if let Some(raw) = &endpoint
        && !Url::parse(raw).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
    {
        return Err(invalid("S3_ENDPOINT", "must be an http(s) URL"));
    }
    let (access_key_id, secret_access_key) =
        match (get("AWS_ACCESS_KEY_ID"), get("AWS_SECRET_ACCESS_KEY")) {
            (Some(id), Some(secret)) => (Some(id), Some(secret)),
            (None, None) => (None, None),
            _ => {
                return Err(invalid(
                    "AWS_SECRET_ACCESS_KEY",
                    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together",
                ));
            }
        };
    Ok(Some(imagegen::S3Settings {
        bucket,
        endpoint,
        region: get("AWS_REGION").unwrap_or_else(|| "auto".to_owned()),
        access_key_id,
        secret_access_key,
        prefix: get("S3_PREFIX").unwrap_or_else(|| "images".to_owned()),
    }))
}

/// The sender of the store's mail, as `SMTP_FROM` gives it ("Name <address>").
pub fn smtp_sender(from: &str) -> Result<lettre::message::Mailbox, String> {
    from.parse()
        .map_err(|e| format!("SMTP_FROM is not a mail address ({e})"))
}

/// The SMTP connection `SMTP_URL` describes (`smtp://user:pass@host:port`, `smtps://`,
/// `?tls=required`), not yet connected.
pub fn smtp_transport(
    url: &str,
) -> Result<lettre::transport::smtp::AsyncSmtpTransportBuilder, String> {
    lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(url)
        .map_err(|e| format!("SMTP_URL is not usable ({e})"))
}

#[cfg(test)]
mod tests;
