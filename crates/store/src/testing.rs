//! Real databases for tests: a fresh SQLite file, or a fresh schema in
//! the PostgreSQL at TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test), each
//! migrated and seeded. When PostgreSQL does not answer, `postgres()` says so loudly and returns
//! `None`, unless REQUIRE_POSTGRES=1 (as CI sets), where it panics.

// Test support only: a database that cannot be set up must stop the test at once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::{ConnectOptions, Store};
use chrono::{DateTime, Utc};
use std::sync::atomic::{AtomicU32, Ordering};

pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

pub struct TestDatabase {
    pub store: Store,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

fn admin_options() -> ConnectOptions {
    ConnectOptions {
        max_connections: 1,
        ..Default::default()
    }
}

impl TestDatabase {
    pub async fn sqlite(anchor: DateTime<Utc>) -> TestDatabase {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}/store.db?mode=rwc", dir.path().display());
        let store = Store::connect(&url, &ConnectOptions::default())
            .await
            .expect("open sqlite");
        store.migrate().await.expect("migrate sqlite");
        crate::seed::seed(&store, anchor)
            .await
            .expect("seed sqlite");
        TestDatabase {
            store,
            _dir: Some(dir),
            pg: None,
        }
    }

    pub async fn postgres(anchor: DateTime<Utc>) -> Option<TestDatabase> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let url =
            std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned());
        let admin = match Store::connect(&url, &admin_options()).await {
            Ok(admin) => admin,
            Err(e) => {
                let required = std::env::var("REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
                assert!(
                    !required,
                    "PostgreSQL at {url} is required (REQUIRE_POSTGRES=1) but unreachable: {e}"
                );
                eprintln!(
                    "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\
                     !! SKIPPING the PostgreSQL half of this test: {url} did not answer ({e}).\n\
                     !! Set TEST_POSTGRES_URL, or REQUIRE_POSTGRES=1 to make this a failure.\n\
                     !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
                );
                return None;
            }
        };
        let schema = format!(
            "t_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        admin
            .execute_raw(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .await
            .expect("drop schema");
        admin
            .execute_raw(&format!("CREATE SCHEMA {schema}"))
            .await
            .expect("create schema");
        admin.close().await;
        let options = ConnectOptions {
            pg_schema: Some(schema.clone()),
            max_connections: 4,
            ..Default::default()
        };
        let store = Store::connect(&url, &options).await.expect("open postgres");
        store.migrate().await.expect("migrate postgres");
        crate::seed::seed(&store, anchor)
            .await
            .expect("seed postgres");
        Some(TestDatabase {
            store,
            _dir: None,
            pg: Some((url, schema)),
        })
    }

    /// A second connection pool to the same PostgreSQL schema, as another instance of the app
    /// would open (`None` on SQLite). Its cleanup leaves the schema to this one's.
    pub async fn another_instance(&self) -> Option<TestDatabase> {
        let (url, schema) = self.pg.as_ref()?;
        let options = ConnectOptions {
            pg_schema: Some(schema.clone()),
            max_connections: 4,
            ..Default::default()
        };
        let store = Store::connect(url, &options).await.expect("open postgres");
        Some(TestDatabase {
            store,
            _dir: None,
            pg: None,
        })
    }

    /// Closes the pool and drops the PostgreSQL schema (the SQLite folder goes with `self`).
    pub async fn cleanup(self) {
        self.store.close().await;
        if let Some((url, schema)) = self.pg
            && let Ok(admin) = Store::connect(&url, &admin_options()).await
        {
            let _ = admin
                .execute_raw(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                .await;
            admin.close().await;
        }
    }
}
