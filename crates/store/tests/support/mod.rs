//! Real databases for the store's integration tests: a fresh SQLite file, and a fresh schema in
//! the PostgreSQL at TEST_POSTGRES_URL (default postgres://127.0.0.1:5432/test), per test.

use chrono::{DateTime, TimeZone, Utc};
use std::sync::atomic::{AtomicU32, Ordering};
use store::{ConnectOptions, Store};

pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A fixed seeding moment, so both backends hold byte-identical data.
pub fn anchor() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0)
        .single()
        .unwrap_or_else(Utc::now)
}

pub struct TestDb {
    pub store: Store,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}/store.db?mode=rwc", dir.path().display());
        let store = Store::connect(&url, &ConnectOptions::default())
            .await
            .expect("open sqlite");
        store.migrate().await.expect("migrate sqlite");
        store::seed::seed(&store, anchor())
            .await
            .expect("seed sqlite");
        TestDb {
            store,
            _dir: Some(dir),
            pg: None,
        }
    }

    /// `None` (with a loud message) when no PostgreSQL answers and REQUIRE_POSTGRES is unset;
    /// a panic when it is set, as CI sets it.
    pub async fn postgres() -> Option<TestDb> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let url =
            std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned());
        let admin = match Store::connect(
            &url,
            &ConnectOptions {
                max_connections: 1,
                ..Default::default()
            },
        )
        .await
        {
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
            "t_store_{}_{}",
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
        store::seed::seed(&store, anchor())
            .await
            .expect("seed postgres");
        Some(TestDb {
            store,
            _dir: None,
            pg: Some((url, schema)),
        })
    }

    /// Every backend that is available here: SQLite always, PostgreSQL when it answers.
    pub async fn all() -> Vec<TestDb> {
        let mut dbs = vec![TestDb::sqlite().await];
        if let Some(pg) = TestDb::postgres().await {
            dbs.push(pg);
        }
        dbs
    }

    pub async fn cleanup(self) {
        self.store.close().await;
        if let Some((url, schema)) = self.pg
            && let Ok(admin) = Store::connect(
                &url,
                &ConnectOptions {
                    max_connections: 1,
                    ..Default::default()
                },
            )
            .await
        {
            let _ = admin
                .execute_raw(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                .await;
            admin.close().await;
        }
    }
}
