//! "Try the desk": a portfolio visitor gets a sandboxed desk account tied to their browser (the
//! visitor cookie). It is a staff row with `demo_visitor` set, the agent role and no usable
//! password; it sees only the conversations that browser started, and it is deleted once its
//! sessions have ended.

use crate::{Result, Store, with_pool};
use chrono::Utc;

pub use domain::api::desk::StaffMember as Staff;

const STAFF_COLUMNS: &str =
    "id, email, name, role, active, created_at, (demo_visitor IS NOT NULL) AS demo";

/// Stored as the password hash: not a hash any password verifies against.
const NO_PASSWORD: &str = "!demo-account";

impl Store {
    /// The visitor's demo account, made on first use.
    pub async fn demo_desk_account(&self, visitor: &str) -> Result<Staff> {
        let select = format!("SELECT {STAFF_COLUMNS} FROM staff WHERE demo_visitor = $1");
        let existing = with_pool!(self, pool => sqlx::query_as::<_, Staff>(&select)
            .bind(visitor).fetch_optional(pool).await)?;
        if let Some(staff) = existing {
            return Ok(staff);
        }
        // The email only has to be unique; `.invalid` can never be a real address.
        let short: String = visitor.chars().take(12).collect();
        let insert = format!(
            "INSERT INTO staff (email, name, password_hash, role, active, created_at, demo_visitor) \
             VALUES ($1, 'You (demo agent)', $2, 'agent', TRUE, $3, $4) \
             ON CONFLICT (email) DO UPDATE SET active = TRUE RETURNING {STAFF_COLUMNS}"
        );
        let staff = with_pool!(self, pool => sqlx::query_as::<_, Staff>(&insert)
            .bind(format!("demo-{short}-{visitor}@desk.invalid")).bind(NO_PASSWORD)
            .bind(Utc::now()).bind(visitor)
            .fetch_one(pool).await)?;
        Ok(staff)
    }

    /// The browser a demo account belongs to; `None` for a member of staff.
    pub async fn demo_visitor(&self, staff_id: i64) -> Result<Option<String>> {
        let visitor: Option<Option<String>> = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT demo_visitor FROM staff WHERE id = $1",
        ).bind(staff_id).fetch_optional(pool).await)?;
        Ok(visitor.flatten())
    }

    /// Records which browser a support conversation came from (creating the conversation if
    /// this is its first message). The first browser stays the owner.
    pub async fn note_conversation_visitor(
        &self,
        id: &str,
        title: &str,
        visitor: &str,
    ) -> Result<()> {
        let now = Utc::now();
        with_pool!(self, pool => sqlx::query(
            "INSERT INTO conversations (id, kind, title, status, created_at, updated_at, visitor) \
             VALUES ($1, 'support', $2, 'open', $3, $3, $4) \
             ON CONFLICT (id) DO UPDATE SET visitor = COALESCE(conversations.visitor, excluded.visitor)",
        ).bind(id).bind(title).bind(now).bind(visitor)
        .execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Whether `visitor`'s browser started the conversation.
    pub async fn conversation_of_visitor(&self, id: &str, visitor: &str) -> Result<bool> {
        let n: i64 = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM conversations WHERE id = $1 AND visitor = $2",
        ).bind(id).bind(visitor).fetch_one(pool).await)?;
        Ok(n > 0)
    }

    /// Deletes demo accounts that have no session left (what they held goes back to the
    /// agent: `assigned_to` is set to NULL by the foreign key). Returns how many.
    pub async fn delete_lapsed_demo_accounts(&self) -> Result<u64> {
        let n = with_pool!(self, pool => sqlx::query(
            "DELETE FROM staff WHERE demo_visitor IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM staff_sessions t WHERE t.staff_id = staff.id)",
        ).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(n)
    }
}
