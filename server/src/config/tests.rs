//! The configuration read from variables: defaults, refusals with the variable named, secrets
//! kept out of logs.

use super::*;
use std::collections::HashMap;

fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Config::from_lookup(|name| map.get(name).cloned())
}

#[test]
fn defaults_need_no_variables() {
    let c = config(&[]).expect("defaults");
    assert_eq!(c.database_url.expose_secret(), DEFAULT_DATABASE_URL);
    assert_eq!(c.bind, "127.0.0.1:3000".parse().expect("addr"));
    assert!(c.openai_api_key.is_none() && c.stability_key.is_none() && c.qdrant_url.is_none());
    assert_eq!(c.openai_chat_model, "gpt-4o-mini");
    assert_eq!(c.log_format, LogFormat::Pretty);
}

#[test]
fn an_unusable_sender_names_smtp_from() {
    let err = config(&[
        ("SMTP_URL", "smtp://127.0.0.1:2525"),
        ("SMTP_FROM", "not an address"),
    ])
    .expect_err("bad sender");
    assert_eq!(err.variable, "SMTP_FROM");
    let ok = config(&[("SMTP_URL", "smtps://user:pw@mail.example.com")]).expect("smtps");
    assert!(ok.smtp_url.is_some());
}

#[test]
fn invalid_values_name_their_variable() {
    let cases: &[(&str, &str)] = &[
        ("DATABASE_URL", "mysql://localhost/db"),
        ("PORT", "70000"),
        ("PORT", "eighty"),
        ("HOST", "localhost:3000"),
        ("OPENAI_BASE_URL", "not a url"),
        ("QDRANT_URL", "ftp://example.com"),
        ("GPT_API_URL", "://"),
        ("LOG_LEVEL", "info,[[["),
        ("LOG_FORMAT", "xml"),
        ("OPENAI_CHAT_MODEL", "gpt 4"),
        ("LLM_THREADS", "0"),
        ("LLM_THREADS", "many"),
        ("CHAT_RATE_PER_MINUTE", "0"),
        ("CLIENT_IP_HEADER", "not a header"),
        ("SMTP_URL", "mailto:store@example.com"),
        ("STORE_TRANSCRIPTS", "sometimes"),
        ("DEMO_DESK", "maybe"),
    ];
    for (name, value) in cases {
        let err = config(&[(name, value)]).expect_err(name);
        assert_eq!(err.variable, *name, "{name}={value}");
        assert!(err.to_string().starts_with(&format!("invalid {name}: ")));
    }
}

#[test]
fn transcripts_are_kept_unless_switched_off() {
    assert!(config(&[]).expect("config").store_transcripts);
    let off = config(&[("STORE_TRANSCRIPTS", "false")]).expect("config");
    assert!(!off.store_transcripts);
    assert!(off.demo_desk, "one switch does not move another");
}

#[test]
fn empty_values_count_as_unset() {
    let c = config(&[("OPENAI_API_KEY", "  "), ("PORT", "")]).expect("config");
    assert!(c.openai_api_key.is_none());
    assert_eq!(c.bind.port(), 3000);
}

#[test]
fn secrets_never_print() {
    let c = config(&[
        ("OPENAI_API_KEY", "sk-live-abc123"),
        ("STABILITY_KEY", "sk-stab-xyz"),
        ("QDRANT_API_KEY", "qd-secret"),
        (
            "DATABASE_URL",
            "postgres://app:hunter2@db.example.com:5432/postgres",
        ),
    ])
    .expect("config");
    let debug = format!("{c:?}");
    for secret in ["sk-live-abc123", "sk-stab-xyz", "qd-secret", "hunter2"] {
        assert!(!debug.contains(secret), "{secret} leaked in {debug}");
    }
    assert_eq!(
        c.database_url_redacted(),
        "postgres://app:***@db.example.com:5432/postgres"
    );
    assert_eq!(
        c.openai_api_key.as_ref().map(ExposeSecret::expose_secret),
        Some("sk-live-abc123")
    );
}

#[test]
fn an_image_bucket_is_read_under_the_names_s3_tools_and_fly_use() {
    assert!(config(&[]).expect("defaults").image_bucket.is_none());
    // As `fly storage create` sets it for Tigris.
    let c = config(&[
        ("BUCKET_NAME", "portfolio-images"),
        ("AWS_ENDPOINT_URL_S3", "https://fly.storage.tigris.dev"),
        ("AWS_ACCESS_KEY_ID", "tid_abc"),
        ("AWS_SECRET_ACCESS_KEY", "tsec_very_secret"),
    ])
    .expect("bucket");
    let bucket = c.image_bucket.expect("a bucket");
    assert_eq!(bucket.bucket, "portfolio-images");
    assert_eq!(
        bucket.endpoint.as_deref(),
        Some("https://fly.storage.tigris.dev")
    );
    assert_eq!(
        (bucket.region.as_str(), bucket.prefix.as_str()),
        ("auto", "images")
    );
    assert!(!format!("{bucket:?}").contains("tsec_very_secret"));

    let refused = |vars: &[(&str, &str)]| config(vars).err().map(|e| e.variable);
    assert_eq!(refused(&[("S3_BUCKET", "Has Spaces")]), Some("S3_BUCKET"));
    assert_eq!(
        refused(&[("S3_BUCKET", "images"), ("S3_ENDPOINT", "ftp://x")]),
        Some("S3_ENDPOINT")
    );
    assert_eq!(
        refused(&[("S3_BUCKET", "images"), ("AWS_ACCESS_KEY_ID", "only-half")]),
        Some("AWS_SECRET_ACCESS_KEY")
    );
}
