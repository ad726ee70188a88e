//! The service layer: business operations and the state they keep, with no HTTP (no `axum`
//! import here; `scripts/test.sh` checks). Each returns its own results or a [`ServiceError`].

pub mod alerts;
pub mod analytics;
pub mod analytics_csv;
pub mod assist;
pub mod audit;
pub mod backends;
pub mod classifier;
mod error;
pub mod feedback;
pub mod gpt;
pub mod housekeeping;
pub mod images;
pub mod jobs;
pub mod knowledge;
pub mod limits;
pub mod live;
pub mod llm_registry;
pub mod mail;
pub mod metrics;
pub mod search;
pub mod staff;
pub mod support;
pub mod voice;

pub use error::ServiceError;
