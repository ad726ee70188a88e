//! Logging through `tracing`: readable lines in a terminal, JSON lines in production.

use crate::config::{Config, LogFormat};
use tracing_subscriber::EnvFilter;

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
        .with_target(false);
    let result = match config.log_format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Pretty => builder.compact().try_init(),
    };
    // Already initialised (tests building several apps): keep the first subscriber.
    let _ = result;
}
