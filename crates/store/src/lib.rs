//! The store database: one API over SQLite (the zero-setup default) and PostgreSQL (production).
//!
//! Both backends run the same SQL text: queries use `$N` placeholders, which SQLite accepts too,
//! and only portable SQL. Each backend has its own migrations because their types differ
//! (TIMESTAMPTZ and identity columns on PostgreSQL).

pub mod alerts;
pub mod audit;
pub mod chat;
mod claim;
pub mod classifier;
pub mod commerce;
pub mod confirmations;
pub mod demo_desk;
mod error;
pub mod feedback;
pub mod images;
pub mod jobs;
pub mod live;
pub mod operations;
pub mod privacy;
mod query;
pub mod search;
pub mod seed;
pub mod staff;
pub mod testing;
pub mod transcripts;
mod views;

pub use error::StoreError;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::str::FromStr;
use std::time::{Duration, Instant};

pub type Result<T> = std::result::Result<T, StoreError>;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn label(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

#[derive(Clone, Debug)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to the concrete pool, compiling it once per backend.
macro_rules! with_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.pool {
            $crate::Pool::Sqlite($pool) => $body,
            $crate::Pool::Postgres($pool) => $body,
        }
    };
}
pub(crate) use with_pool;

/// Begins a transaction that will write. On SQLite it takes the write lock at BEGIN
/// (`BEGIN IMMEDIATE`): a deferred BEGIN pins a read snapshot at its first read, and when
/// another connection commits before the transaction writes (a spawned "last used" update, a
/// second instance), the write fails with a busy-snapshot error that no busy_timeout waits
/// out. PostgreSQL's row locks need no such care.
pub(crate) trait BeginWrite {
    type Database: sqlx::Database;
    fn begin_write(
        &self,
    ) -> impl std::future::Future<
        Output = std::result::Result<sqlx::Transaction<'static, Self::Database>, sqlx::Error>,
    > + Send;
}

impl BeginWrite for SqlitePool {
    type Database = sqlx::Sqlite;
    fn begin_write(
        &self,
    ) -> impl std::future::Future<
        Output = std::result::Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error>,
    > + Send {
        self.begin_with("BEGIN IMMEDIATE")
    }
}

impl BeginWrite for PgPool {
    type Database = sqlx::Postgres;
    fn begin_write(
        &self,
    ) -> impl std::future::Future<
        Output = std::result::Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error>,
    > + Send {
        self.begin()
    }
}

/// A handle to the store; cheap to clone (pools are reference-counted).
#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
}

/// How to open the store.
#[derive(Clone, Debug)]
pub struct ConnectOptions {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
    /// PostgreSQL only: the schema to work in (tests use one schema each).
    pub pg_schema: Option<String>,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(5),
            pg_schema: None,
        }
    }
}

impl Store {
    /// Connects without migrating or seeding.
    pub async fn connect(url: &str, options: &ConnectOptions) -> Result<Store> {
        let pool = if is_sqlite_url(url) {
            let opts = SqliteConnectOptions::from_str(url)
                .map_err(|e| {
                    StoreError::Config(format!("DATABASE_URL is not a valid SQLite URL: {e}"))
                })?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5));
            let file = opts.get_filename();
            if let Some(dir) = file.parent()
                && !dir.as_os_str().is_empty()
                && file.to_str() != Some(":memory:")
            {
                std::fs::create_dir_all(dir).map_err(|e| {
                    StoreError::Config(format!(
                        "cannot create the database folder {}: {e}",
                        dir.display()
                    ))
                })?;
            }
            let pool = SqlitePoolOptions::new()
                .max_connections(options.max_connections)
                .acquire_timeout(options.acquire_timeout)
                .connect_with(opts)
                .await?;
            Pool::Sqlite(pool)
        } else if is_postgres_url(url) {
            let mut opts = PgConnectOptions::from_str(url)
                .map_err(|e| {
                    StoreError::Config(format!("DATABASE_URL is not a valid PostgreSQL URL: {e}"))
                })?
                .application_name("ai-portfolio");
            if let Some(schema) = &options.pg_schema {
                opts = opts.options([("search_path", schema.as_str())]);
            }
            let pool = PgPoolOptions::new()
                .max_connections(options.max_connections)
                .acquire_timeout(options.acquire_timeout)
                .connect_with(opts)
                .await?;
            Pool::Postgres(pool)
        } else {
            return Err(StoreError::Config(
                "DATABASE_URL must start with sqlite: or postgres:// (postgresql:// also works)"
                    .into(),
            ));
        };
        Ok(Store { pool })
    }

    /// Connects, applies pending migrations and seeds the demo data if it is missing.
    pub async fn open(url: &str, options: &ConnectOptions) -> Result<Store> {
        let store = Store::connect(url, options).await?;
        store.migrate().await?;
        seed::seed(&store, chrono::Utc::now()).await?;
        Ok(store)
    }

    pub async fn migrate(&self) -> Result<()> {
        match &self.pool {
            Pool::Sqlite(pool) => sqlx::migrate!("../../migrations/sqlite").run(pool).await?,
            Pool::Postgres(pool) => {
                sqlx::migrate!("../../migrations/postgres")
                    .run(pool)
                    .await?
            }
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Round-trips a trivial query; the readiness check reports its latency.
    pub async fn ping(&self) -> Result<Duration> {
        let started = Instant::now();
        with_pool!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(|_| ()))?;
        Ok(started.elapsed())
    }

    /// Rows per table, for the readiness report and the tests.
    pub async fn table_counts(&self) -> Result<Vec<(&'static str, i64)>> {
        let mut counts = Vec::new();
        for table in seed::TABLES {
            let sql = format!("SELECT COUNT(*) FROM {table}");
            let n: i64 = with_pool!(self, pool => sqlx::query_scalar(&sql).fetch_one(pool).await)?;
            counts.push((*table, n));
        }
        Ok(counts)
    }

    /// Runs one trusted SQL statement (schema set-up in tests and tools; never user input).
    pub async fn execute_raw(&self, sql: &str) -> Result<u64> {
        let done = with_pool!(self, pool => sqlx::query(sql).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(done)
    }

    /// Whether `close` was called (background tasks stop retrying then).
    pub fn is_closed(&self) -> bool {
        with_pool!(self, pool => pool.is_closed())
    }

    pub async fn close(&self) {
        with_pool!(self, pool => pool.close().await);
    }
}

pub fn is_sqlite_url(url: &str) -> bool {
    url.starts_with("sqlite:")
}

pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

impl Store {
    /// One value from a trusted query, as text (evaluation scenarios check the database with it;
    /// never user input).
    pub async fn scalar_text(&self, sql: &str) -> Result<Option<String>> {
        use sqlx::Row;
        let value = with_pool!(self, pool => {
            let row = sqlx::query(sql).fetch_optional(pool).await?;
            Ok::<_, sqlx::Error>(row.map(|row| {
                row.try_get::<String, _>(0)
                    .or_else(|_| row.try_get::<i64, _>(0).map(|n| n.to_string()))
                    .unwrap_or_default()
            }))
        })?;
        Ok(value)
    }
}
