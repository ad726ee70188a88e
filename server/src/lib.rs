//! The AI Portfolio server, in layers (docs/ARCHITECTURE.md): `config` reads the environment
//! once; `services` hold the business operations and their state, with no HTTP; `http` has one
//! module per area with its own router, and turns results and errors into responses; `state`
//! is what the routes share; `startup` builds it all and serves.

pub mod config;
pub mod http;
pub mod services;
pub mod startup;
pub mod state;
pub mod telemetry;

pub use startup::{StartupError, app_state, leptos_options, open_store, run, server_state};
pub use state::ServerState;

/// The name of the front-end bundle under `/pkg` (`ai-portfolio.js`, `_bg.wasm`, `.css`).
pub const OUTPUT_NAME: &str = "ai-portfolio";
