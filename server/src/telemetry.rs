//! Logging through `tracing`: readable lines in a terminal, JSON lines in production. Every line
//! passes through [`redact`] on its way out, so an email address, a phone number, an API key or a
//! password that reaches a log message (inside an upstream error, say) is masked.

use crate::config::{Config, LogFormat};
use regex::Regex;
use std::io::Write;
use std::sync::LazyLock;
use tracing_subscriber::EnvFilter;

static PATTERNS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        // user:password@ in connection strings and URLs.
        (r"(://[^:/@\s]+):[^@/\s]+@", "$1:[redacted]@"),
        (r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{8,}", "${1}[redacted]"),
        (r"\b(sk|pk|rk)-[A-Za-z0-9_-]{16,}", "$1-[redacted]"),
        (
            r"(?i)(api[_-]?key|password|secret|token)(\W{1,4})[A-Za-z0-9._~+/=-]{8,}",
            "$1$2[redacted]",
        ),
        (
            r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
            "[email]",
        ),
        // North American and international numbers as people write them; not dates or times.
        (
            r"(\+\d{1,3}[\s.-]?)?\(?\b\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b",
            "[phone]",
        ),
    ]
    .into_iter()
    .filter_map(|(pattern, replacement)| Regex::new(pattern).ok().map(|r| (r, replacement)))
    .collect()
});

/// Masks personal data and secrets in one log line.
pub fn redact(line: &str) -> String {
    let mut out = line.to_owned();
    for (pattern, replacement) in PATTERNS.iter() {
        if pattern.is_match(&out) {
            out = pattern.replace_all(&out, *replacement).into_owned();
        }
    }
    out
}

/// Standard output through [`redact`]. The formatter writes each event in one call.
struct RedactingStdout;

impl Write for RedactingStdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let line = redact(&String::from_utf8_lossy(buf));
        std::io::stdout().lock().write_all(line.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stdout().flush()
    }
}

pub fn init(config: &Config) {
    // The level was validated with the configuration; fall back rather than fail here.
    // The embedded Qdrant warns about internal flags it initialises itself on its server only
    // (harmless here); keep its errors, drop that noise, unless the level names it explicitly.
    let directives = if config.log_level.contains("qdrant_edge") {
        config.log_level.clone()
    } else {
        format!("{},qdrant_edge=error", config.log_level)
    };
    let filter = EnvFilter::try_new(&directives).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| RedactingStdout)
        .with_target(false);
    let result = match config.log_format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Pretty => builder.compact().try_init(),
    };
    // Already initialised (tests building several apps): keep the first subscriber.
    let _ = result;
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn masks_personal_data_and_secrets_but_not_ordinary_numbers() {
        let line = r#"{"timestamp":"2026-11-30T22:04:22.123Z","latency_ms":12.5,"error":"upstream said: no customer jane.doe+shop@example.co.uk, call (555) 123-4567 or +44 20 7946 0958","url":"postgres://app:s3cr3t-pw@db.example.com:5432/store","auth":"Bearer abcdefghijklmnop","key":"sk-proj-ABCDEFGHIJKLMNOPQRST","request_id":"0b8f1c2e-5d1a-4e8b-9c3f-2a7d6e5f4b3a","order":"ORD-10042"}"#;
        let out = redact(line);
        for secret in [
            "jane.doe",
            "example.co.uk",
            "123-4567",
            "s3cr3t-pw",
            "abcdefghijklmnop",
            "ABCDEFGHIJKLMNOPQRST",
        ] {
            assert!(!out.contains(secret), "{secret} left in {out}");
        }
        for kept in [
            "2026-11-30T22:04:22.123Z",
            "12.5",
            "0b8f1c2e-5d1a-4e8b-9c3f-2a7d6e5f4b3a",
            "ORD-10042",
            "db.example.com:5432",
        ] {
            assert!(out.contains(kept), "{kept} lost in {out}");
        }
        assert!(
            out.contains("[email]") && out.contains("[phone]") && out.contains("app:[redacted]@")
        );
    }
}
