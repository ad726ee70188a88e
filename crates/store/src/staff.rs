//! Staff accounts, their sign-in sessions and the API keys machine clients use. Passwords and
//! tokens arrive here already hashed: this module never sees a secret.

use crate::BeginWrite;
use crate::{Result, Store, StoreError, with_pool};
use chrono::{DateTime, Utc};

pub use domain::api::desk::{StaffMember as Staff, StaffRole};

pub use domain::api::desk::{ApiKey, ApiScope, ApiScopes};

/// What sign-in reads of an account.
#[derive(Clone, Debug)]
pub struct SignInRecord {
    pub staff: Staff,
    pub password_hash: String,
    pub failed_logins: i64,
    pub locked_until: Option<DateTime<Utc>>,
}

const STAFF_COLUMNS: &str =
    "id, email, name, role, active, created_at, (demo_visitor IS NOT NULL) AS demo";
const KEY_COLUMNS: &str =
    "id, name, prefix, rate_per_minute, scopes, created_at, last_used_at, revoked_at";

fn unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .is_some_and(|d| d.is_unique_violation())
}

impl Store {
    /// Adds a staff member; an email already in use is refused with a sentence.
    pub async fn create_staff(
        &self,
        email: &str,
        name: &str,
        password_hash: &str,
        role: StaffRole,
    ) -> Result<Staff> {
        let sql = format!(
            "INSERT INTO staff (email, name, password_hash, role, active, created_at) \
             VALUES ($1, $2, $3, $4, TRUE, $5) RETURNING {STAFF_COLUMNS}"
        );
        let created = with_pool!(self, pool => sqlx::query_as::<_, Staff>(&sql)
            .bind(email.to_lowercase()).bind(name).bind(password_hash).bind(role.as_str()).bind(Utc::now())
            .fetch_one(pool).await);
        match created {
            Ok(staff) => Ok(staff),
            Err(e) if unique_violation(&e) => Err(StoreError::Refused(format!(
                "{email} already has an account."
            ))),
            Err(e) => Err(e.into()),
        }
    }

    /// Creates the configured administrator, or brings an existing account with that email up
    /// to date (admin role, active, the configured password).
    pub async fn ensure_admin(
        &self,
        email: &str,
        name: &str,
        password_hash: &str,
    ) -> Result<Staff> {
        let email = email.to_lowercase();
        let sql = format!(
            "UPDATE staff SET role = 'admin', active = TRUE, password_hash = $1 WHERE email = $2 \
             RETURNING {STAFF_COLUMNS}"
        );
        let updated = with_pool!(self, pool => sqlx::query_as::<_, Staff>(&sql)
            .bind(password_hash).bind(&email).fetch_optional(pool).await)?;
        match updated {
            Some(staff) => Ok(staff),
            None => {
                self.create_staff(&email, name, password_hash, StaffRole::Admin)
                    .await
            }
        }
    }

    /// The account, its password hash and its lockout, for sign-in.
    pub async fn staff_for_sign_in(&self, email: &str) -> Result<Option<SignInRecord>> {
        let sql = format!(
            "SELECT {STAFF_COLUMNS}, password_hash, failed_logins, locked_until FROM staff WHERE email = $1"
        );
        let row = with_pool!(self, pool => {
            let row = sqlx::query(&sql).bind(email.trim().to_lowercase()).fetch_optional(pool).await?;
            row.map(|r| {
                use sqlx::{FromRow, Row};
                Ok::<_, sqlx::Error>(SignInRecord {
                    staff: Staff::from_row(&r)?,
                    password_hash: r.try_get("password_hash")?,
                    failed_logins: r.try_get("failed_logins")?,
                    locked_until: r.try_get("locked_until")?,
                })
            }).transpose()
        })?;
        Ok(row)
    }

    /// Counts a failed sign-in; returns the failures in a row so far.
    pub async fn record_failed_sign_in(&self, id: i64) -> Result<i64> {
        let n = with_pool!(self, pool => sqlx::query_scalar::<_, i64>(
            "UPDATE staff SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins")
            .bind(id).fetch_one(pool).await)?;
        Ok(n)
    }

    /// Refuses sign-ins to the account until `until`.
    pub async fn lock_staff(&self, id: i64, until: DateTime<Utc>) -> Result<()> {
        with_pool!(self, pool => sqlx::query("UPDATE staff SET locked_until = $1 WHERE id = $2")
            .bind(until).bind(id).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// A successful sign-in clears the failures and any lock.
    pub async fn clear_failed_sign_ins(&self, id: i64) -> Result<()> {
        with_pool!(self, pool => sqlx::query(
            "UPDATE staff SET failed_logins = 0, locked_until = NULL WHERE id = $1")
            .bind(id).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Sets a new password hash, ends the account's sessions except `keep` (a session token's
    /// hash: the person changing their own password stays signed in), and clears any lock.
    pub async fn set_staff_password(
        &self,
        id: i64,
        password_hash: &str,
        keep: Option<&str>,
    ) -> Result<bool> {
        let n = with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query("UPDATE staff SET password_hash = $1, failed_logins = 0, locked_until = NULL WHERE id = $2")
                .bind(password_hash).bind(id).execute(&mut *tx).await?.rows_affected();
            sqlx::query("DELETE FROM staff_sessions WHERE staff_id = $1 AND token_hash <> $2")
                .bind(id).bind(keep.unwrap_or("")).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok::<u64, sqlx::Error>(n)
        })?;
        Ok(n > 0)
    }

    /// Changes an account's role; refuses (`Refused`) to leave no active administrator.
    pub async fn set_staff_role(&self, id: i64, role: StaffRole) -> Result<bool> {
        let n = with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query("UPDATE staff SET role = $1 WHERE id = $2")
                .bind(role.as_str()).bind(id).execute(&mut *tx).await?.rows_affected();
            let admins: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM staff WHERE role = 'admin' AND active = TRUE")
                .fetch_one(&mut *tx).await?;
            if admins == 0 {
                tx.rollback().await?;
                return Err(StoreError::Refused("The team needs at least one active administrator.".into()));
            }
            tx.commit().await?;
            Ok::<u64, StoreError>(n)
        })?;
        Ok(n > 0)
    }

    pub async fn list_staff(&self) -> Result<Vec<Staff>> {
        let sql =
            format!("SELECT {STAFF_COLUMNS} FROM staff WHERE demo_visitor IS NULL ORDER BY id");
        let rows =
            with_pool!(self, pool => sqlx::query_as::<_, Staff>(&sql).fetch_all(pool).await)?;
        Ok(rows)
    }

    pub async fn staff(&self, id: i64) -> Result<Option<Staff>> {
        let sql = format!("SELECT {STAFF_COLUMNS} FROM staff WHERE id = $1");
        let row = with_pool!(self, pool => sqlx::query_as::<_, Staff>(&sql).bind(id).fetch_optional(pool).await)?;
        Ok(row)
    }

    /// Turns an account off (its sessions end) or back on.
    pub async fn set_staff_active(&self, id: i64, active: bool) -> Result<bool> {
        let n = with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query("UPDATE staff SET active = $1 WHERE id = $2")
                .bind(active).bind(id).execute(&mut *tx).await?.rows_affected();
            if !active {
                sqlx::query("DELETE FROM staff_sessions WHERE staff_id = $1").bind(id).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<u64, sqlx::Error>(n)
        })?;
        Ok(n > 0)
    }

    pub async fn create_session(
        &self,
        token_hash: &str,
        staff_id: i64,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        with_pool!(self, pool => sqlx::query(
            "INSERT INTO staff_sessions (token_hash, staff_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        ).bind(token_hash).bind(staff_id).bind(Utc::now()).bind(expires_at)
        .execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// The active staff member behind an unexpired session.
    pub async fn session_staff(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Staff>> {
        let sql = "SELECT s.id, s.email, s.name, s.role, s.active, s.created_at, (s.demo_visitor IS NOT NULL) AS demo FROM staff_sessions t \
                   JOIN staff s ON s.id = t.staff_id WHERE t.token_hash = $1 AND t.expires_at > $2 AND s.active = TRUE";
        let row = with_pool!(self, pool => sqlx::query_as::<_, Staff>(sql)
            .bind(token_hash).bind(now).fetch_optional(pool).await)?;
        Ok(row)
    }

    /// Removes sessions that have expired; returns how many.
    pub async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64> {
        let n = with_pool!(self, pool => sqlx::query("DELETE FROM staff_sessions WHERE expires_at < $1")
            .bind(now).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(n)
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        with_pool!(self, pool => sqlx::query("DELETE FROM staff_sessions WHERE token_hash = $1 OR expires_at < $2")
            .bind(token_hash).bind(Utc::now()).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    pub async fn create_api_key(
        &self,
        name: &str,
        prefix: &str,
        key_hash: &str,
        rate_per_minute: i64,
        scopes: &ApiScopes,
        created_by: i64,
    ) -> Result<ApiKey> {
        let sql = format!(
            "INSERT INTO api_keys (name, prefix, key_hash, rate_per_minute, scopes, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {KEY_COLUMNS}"
        );
        let key = with_pool!(self, pool => sqlx::query_as::<_, ApiKey>(&sql)
            .bind(name).bind(prefix).bind(key_hash).bind(rate_per_minute).bind(scopes.to_line())
            .bind(created_by).bind(Utc::now())
            .fetch_one(pool).await)?;
        Ok(key)
    }

    pub async fn list_api_keys(&self) -> Result<Vec<ApiKey>> {
        let sql = format!("SELECT {KEY_COLUMNS} FROM api_keys ORDER BY id DESC");
        let rows =
            with_pool!(self, pool => sqlx::query_as::<_, ApiKey>(&sql).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// `false` when there is no such key or it was already revoked.
    pub async fn revoke_api_key(&self, id: i64) -> Result<bool> {
        let n = with_pool!(self, pool => sqlx::query("UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(Utc::now()).bind(id).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// The key with this hash, revoked or not (the caller says which).
    pub async fn api_key_by_hash(&self, key_hash: &str) -> Result<Option<ApiKey>> {
        let sql = format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE key_hash = $1");
        let row = with_pool!(self, pool => sqlx::query_as::<_, ApiKey>(&sql).bind(key_hash).fetch_optional(pool).await)?;
        Ok(row)
    }

    /// Records when keys were last used, many at once (the server batches uses in memory); a
    /// later time never gives way to an earlier one written by another instance.
    pub async fn touch_api_keys(&self, uses: &[(i64, DateTime<Utc>)]) -> Result<()> {
        for (id, at) in uses {
            with_pool!(self, pool => sqlx::query(
                "UPDATE api_keys SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $1)")
                .bind(*at).bind(*id).execute(pool).await.map(|_| ()))?;
        }
        Ok(())
    }
}
