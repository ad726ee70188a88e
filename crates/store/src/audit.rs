//! The audit log: one row per staff action (and failed sign-in), written once and never changed.

use crate::{Result, Store, with_pool};
use chrono::{DateTime, Utc};

pub use domain::api::desk::AuditEntry;

/// A line to write (its id and time are the store's).
#[derive(Clone, Debug, Default)]
pub struct NewAuditEntry {
    pub actor: String,
    pub staff_id: Option<i64>,
    pub action: String,
    pub target: String,
    pub detail: String,
    pub ip: String,
}

const COLUMNS: &str = "id, at, actor, staff_id, action, target, detail, ip";

impl Store {
    pub async fn insert_audit(&self, entry: &NewAuditEntry, at: DateTime<Utc>) -> Result<()> {
        with_pool!(self, pool => sqlx::query(
            "INSERT INTO audit_log (at, actor, staff_id, action, target, detail, ip) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(at).bind(&entry.actor).bind(entry.staff_id).bind(&entry.action)
        .bind(&entry.target).bind(&entry.detail).bind(&entry.ip)
        .execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Newest first: up to `limit` lines with ids below `before` (none: from the newest).
    pub async fn audit_entries(&self, before: Option<i64>, limit: i64) -> Result<Vec<AuditEntry>> {
        let sql =
            format!("SELECT {COLUMNS} FROM audit_log WHERE id < $1 ORDER BY id DESC LIMIT $2");
        let rows = with_pool!(self, pool => sqlx::query_as::<_, AuditEntry>(&sql)
            .bind(before.unwrap_or(i64::MAX)).bind(limit.clamp(1, 10_000)).fetch_all(pool).await)?;
        Ok(rows)
    }
}
