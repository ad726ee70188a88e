use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("database configuration: {0}")]
    Config(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("seed data is inconsistent: {0}")]
    Seed(String),
    /// A business rule said no (stock, status, return window, ownership); the message is for
    /// the customer.
    #[error("{0}")]
    Refused(String),
}

impl StoreError {
    /// True when the database could not be reached at all (worth retrying at startup).
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            StoreError::Database(
                sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::Tls(_)
            )
        )
    }
}
