//! The store's integration tests run on every backend available here.

use chrono::{DateTime, TimeZone, Utc};
pub use store::testing::TestDatabase as TestDb;

/// A fixed seeding moment, so both backends hold byte-identical data.
pub fn anchor() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0)
        .single()
        .unwrap_or_else(Utc::now)
}

/// SQLite always, PostgreSQL when it answers.
pub async fn all() -> Vec<TestDb> {
    let mut dbs = vec![TestDb::sqlite(anchor()).await];
    if let Some(pg) = TestDb::postgres(anchor()).await {
        dbs.push(pg);
    }
    dbs
}
