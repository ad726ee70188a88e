//! What the support desk reads and changes: conversations and who holds them, tickets, the
//! rows analytics are computed from, and uploaded knowledge-base documents.

use crate::BeginWrite;
use crate::{Result, Store, with_pool};
use chrono::{DateTime, Utc};

/// Which conversations a list shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ConversationView {
    #[default]
    All,
    Unassigned,
    Mine(i64),
    Escalated,
}

pub use domain::api::desk::{ConversationStatus, ConversationSummary};

pub(crate) const SUMMARY_SELECT: &str = "SELECT c.id, c.title, c.status, c.customer_email, c.assigned_to, \
     s.name AS assigned_name, c.created_at, c.updated_at, c.escalated_at, \
     (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id) AS message_count \
     FROM conversations c LEFT JOIN staff s ON s.id = c.assigned_to WHERE c.kind = 'support'";

/// A ticket with the name of the person it is assigned to.
const TICKET_SELECT: &str = "SELECT t.id, t.customer_name, t.customer_email, t.order_id, t.subject, \
     t.description, t.category, t.priority, t.status, t.assigned_team, t.conversation_id, \
     t.created_at, t.updated_at, t.assigned_to, s.name AS assigned_name \
     FROM support_tickets t LEFT JOIN staff s ON s.id = t.assigned_to";

/// Why a claim or release did not happen.
#[derive(Debug, PartialEq, Eq)]
pub enum HoldOutcome {
    Done(ConversationSummary),
    NotFound,
    /// Someone else holds it (their name).
    HeldBy(String),
    NotHeld,
    /// Resolved: it reopens when the customer writes again.
    Closed,
}

pub use domain::api::desk::{Priority, Ticket, TicketStatus};

/// One message of a support conversation, for analytics.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct AnalyticsMessage {
    pub conversation_id: String,
    pub role: String,
    pub metadata: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct AnalyticsConversation {
    pub id: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub escalated_at: Option<DateTime<Utc>>,
    /// For a resolved conversation, when it was resolved (its last change).
    pub updated_at: DateTime<Utc>,
}

pub use domain::api::knowledge::{Document, DocumentStatus};

const DOCUMENT_COLUMNS: &str = "id, title, filename, media_type, bytes, audience, doc_type, \
     category, status, chunks, error, uploaded_by, created_at, indexed_at";

pub struct NewDocument<'a> {
    pub title: &'a str,
    pub filename: &'a str,
    pub media_type: &'a str,
    pub bytes: i64,
    pub audience: &'a str,
    pub doc_type: &'a str,
    pub category: &'a str,
    pub uploaded_by: &'a str,
}

pub use domain::api::knowledge::DocumentChunk;

const CHUNK_SELECT: &str = "SELECT k.id, k.document_id, k.position, k.title, k.tags, k.content, \
     d.audience, d.doc_type, d.category FROM kb_chunks k JOIN kb_documents d ON d.id = k.document_id";

impl Store {
    /// Stores the team's summary of the conversation (replacing the last one).
    pub async fn save_handover_summary(&self, id: &str, text: &str) -> Result<()> {
        with_pool!(self, pool => sqlx::query(
            "UPDATE conversations SET summary = $1, summary_at = $2 WHERE id = $3",
        ).bind(text).bind(Utc::now()).bind(id).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// The team's last summary of the conversation and when it was made.
    pub async fn handover_summary(&self, id: &str) -> Result<Option<(String, DateTime<Utc>)>> {
        let row: Option<(Option<String>, Option<DateTime<Utc>>)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT summary, summary_at FROM conversations WHERE id = $1",
        ).bind(id).fetch_optional(pool).await)?;
        Ok(row.and_then(|(text, at)| text.zip(at)))
    }

    pub async fn conversation_summary(&self, id: &str) -> Result<Option<ConversationSummary>> {
        let sql = format!("{SUMMARY_SELECT} AND c.id = $1");
        let row = with_pool!(self, pool => sqlx::query_as::<_, ConversationSummary>(&sql)
            .bind(id).fetch_optional(pool).await)?;
        Ok(row)
    }

    /// A customer's support conversations, newest first.
    pub async fn customer_conversations(&self, email: &str) -> Result<Vec<ConversationSummary>> {
        let sql = format!(
            "{SUMMARY_SELECT} AND c.customer_email = $1 ORDER BY c.updated_at DESC LIMIT 100"
        );
        let rows = with_pool!(self, pool => sqlx::query_as::<_, ConversationSummary>(&sql)
            .bind(email.trim().to_lowercase()).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// Who holds the conversation now, if anyone (the agent stays quiet while someone does).
    pub async fn conversation_holder(&self, id: &str) -> Result<Option<(i64, String)>> {
        let row = with_pool!(self, pool => sqlx::query_as::<_, (i64, String)>(
            "SELECT s.id, s.name FROM conversations c JOIN staff s ON s.id = c.assigned_to \
             WHERE c.id = $1 AND c.status <> 'closed'",
        ).bind(id).fetch_optional(pool).await)?;
        Ok(row)
    }

    /// Takes the conversation for `staff_id`, unless someone else already holds it. Atomic: two
    /// people claiming at once cannot both win.
    pub async fn claim_conversation(&self, id: &str, staff_id: i64) -> Result<HoldOutcome> {
        let n = with_pool!(self, pool => sqlx::query(
            "UPDATE conversations SET assigned_to = $1, updated_at = $2 \
             WHERE id = $3 AND kind = 'support' AND status <> 'closed' AND (assigned_to IS NULL OR assigned_to = $1)",
        ).bind(staff_id).bind(Utc::now()).bind(id).execute(pool).await.map(|r| r.rows_affected()))?;
        let summary = self.conversation_summary(id).await?;
        Ok(match (n, summary) {
            (_, None) => HoldOutcome::NotFound,
            (0, Some(s)) if s.status == ConversationStatus::Closed => HoldOutcome::Closed,
            (0, Some(s)) => {
                HoldOutcome::HeldBy(s.assigned_name.unwrap_or_else(|| "someone".into()))
            }
            (_, Some(s)) => HoldOutcome::Done(s),
        })
    }

    /// Hands the conversation back to the agent. Only its holder may, or an admin (`force`).
    pub async fn release_conversation(
        &self,
        id: &str,
        staff_id: i64,
        force: bool,
    ) -> Result<HoldOutcome> {
        let n = with_pool!(self, pool => sqlx::query(
            "UPDATE conversations SET assigned_to = NULL, updated_at = $1 \
             WHERE id = $2 AND kind = 'support' AND assigned_to IS NOT NULL AND (assigned_to = $3 OR $4)",
        ).bind(Utc::now()).bind(id).bind(staff_id).bind(force).execute(pool).await.map(|r| r.rows_affected()))?;
        let summary = self.conversation_summary(id).await?;
        Ok(match (n, summary) {
            (_, None) => HoldOutcome::NotFound,
            (0, Some(s)) => match s.assigned_name {
                Some(name) => HoldOutcome::HeldBy(name),
                None => HoldOutcome::NotHeld,
            },
            (_, Some(s)) => HoldOutcome::Done(s),
        })
    }

    /// Closes the conversation and whatever tickets it opened; the hold ends with it.
    pub async fn resolve_conversation(&self, id: &str) -> Result<Option<ConversationSummary>> {
        let now = Utc::now();
        let n = with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query(
                "UPDATE conversations SET status = 'closed', assigned_to = NULL, resolved_at = $1, updated_at = $1 \
                 WHERE id = $2 AND kind = 'support'",
            ).bind(now).bind(id).execute(&mut *tx).await?.rows_affected();
            sqlx::query("UPDATE support_tickets SET status = 'resolved', updated_at = $1 WHERE conversation_id = $2 AND status <> 'resolved'")
                .bind(now).bind(id).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok::<u64, sqlx::Error>(n)
        })?;
        if n == 0 {
            return Ok(None);
        }
        self.conversation_summary(id).await
    }

    /// A message from the customer to a closed conversation opens it again.
    pub async fn reopen_if_closed(&self, id: &str) -> Result<bool> {
        let n = with_pool!(self, pool => sqlx::query(
            "UPDATE conversations SET status = 'open', resolved_at = NULL, updated_at = $1 WHERE id = $2 AND status = 'closed'",
        ).bind(Utc::now()).bind(id).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    pub async fn list_tickets(
        &self,
        status: Option<TicketStatus>,
        limit: i64,
    ) -> Result<Vec<Ticket>> {
        let rows = with_pool!(self, pool => match status {
            Some(s) => sqlx::query_as::<_, Ticket>(&format!("{TICKET_SELECT} WHERE t.status = $1 ORDER BY t.id DESC LIMIT $2"))
                .bind(s.as_str()).bind(limit.clamp(1, 500)).fetch_all(pool).await,
            None => sqlx::query_as::<_, Ticket>(&format!("{TICKET_SELECT} ORDER BY t.id DESC LIMIT $1"))
                .bind(limit.clamp(1, 500)).fetch_all(pool).await,
        })?;
        Ok(rows)
    }

    pub async fn desk_ticket(&self, id: i64) -> Result<Option<Ticket>> {
        let row = with_pool!(self, pool => sqlx::query_as::<_, Ticket>(&format!("{TICKET_SELECT} WHERE t.id = $1"))
            .bind(id).fetch_optional(pool).await)?;
        Ok(row)
    }

    /// Gives the ticket to a person (`None`: nobody). `false` when there is no such ticket.
    pub async fn assign_ticket(&self, id: i64, staff_id: Option<i64>) -> Result<bool> {
        let n = with_pool!(self, pool => sqlx::query("UPDATE support_tickets SET assigned_to = $1, updated_at = $2 WHERE id = $3")
            .bind(staff_id).bind(Utc::now()).bind(id).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// `false` when there is no such ticket.
    pub async fn set_ticket_status(&self, id: i64, status: TicketStatus) -> Result<bool> {
        let n = with_pool!(self, pool => sqlx::query("UPDATE support_tickets SET status = $1, updated_at = $2 WHERE id = $3")
            .bind(status.as_str()).bind(Utc::now()).bind(id).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// Support conversations started in [from, to), and all their messages.
    pub async fn analytics_rows(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<(Vec<AnalyticsConversation>, Vec<AnalyticsMessage>)> {
        let rows = with_pool!(self, pool => {
            let conversations = sqlx::query_as::<_, AnalyticsConversation>(
                "SELECT id, status, created_at, escalated_at, updated_at FROM conversations \
                 WHERE kind = 'support' AND created_at >= $1 AND created_at < $2 ORDER BY created_at",
            ).bind(from).bind(to).fetch_all(pool).await?;
            let messages = sqlx::query_as::<_, AnalyticsMessage>(
                "SELECT m.conversation_id, m.role, m.metadata, m.created_at FROM messages m \
                 JOIN conversations c ON c.id = m.conversation_id \
                 WHERE c.kind = 'support' AND c.created_at >= $1 AND c.created_at < $2 ORDER BY m.id",
            ).bind(from).bind(to).fetch_all(pool).await?;
            Ok::<_, sqlx::Error>((conversations, messages))
        })?;
        Ok(rows)
    }

    pub async fn create_document(&self, doc: &NewDocument<'_>) -> Result<i64> {
        let id: i64 = with_pool!(self, pool => sqlx::query_scalar(
            "INSERT INTO kb_documents (title, filename, media_type, bytes, audience, doc_type, category, \
             status, chunks, uploaded_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'indexing', 0, $8, $9) RETURNING id",
        ).bind(doc.title).bind(doc.filename).bind(doc.media_type).bind(doc.bytes).bind(doc.audience)
        .bind(doc.doc_type).bind(doc.category).bind(doc.uploaded_by).bind(Utc::now())
        .fetch_one(pool).await)?;
        Ok(id)
    }

    /// Stores an indexed document's chunks and marks it ready, in one transaction.
    /// `chunks`: (id, title, tags, content) in order.
    pub async fn finish_document(
        &self,
        id: i64,
        chunks: &[(String, String, String, String)],
    ) -> Result<()> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM kb_chunks WHERE document_id = $1").bind(id).execute(&mut *tx).await?;
            for (position, (chunk_id, title, tags, content)) in chunks.iter().enumerate() {
                sqlx::query("INSERT INTO kb_chunks (id, document_id, position, title, tags, content) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(chunk_id).bind(id).bind(position as i64).bind(title).bind(tags).bind(content)
                    .execute(&mut *tx).await?;
            }
            sqlx::query("UPDATE kb_documents SET status = 'ready', chunks = $1, error = NULL, indexed_at = $2 WHERE id = $3")
                .bind(chunks.len() as i64).bind(Utc::now()).bind(id).execute(&mut *tx).await?;
            tx.commit().await
        })?;
        Ok(())
    }

    pub async fn fail_document(&self, id: i64, error: &str) -> Result<()> {
        with_pool!(self, pool => sqlx::query("UPDATE kb_documents SET status = 'failed', error = $1 WHERE id = $2")
            .bind(error).bind(id).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Documents left `indexing` with no job to finish them (uploads from before jobs existed)
    /// are marked failed; a document with a queued or running job is that job's, on whichever
    /// instance. Returns how many.
    pub async fn fail_interrupted_documents(&self) -> Result<u64> {
        let n = with_pool!(self, pool => sqlx::query(
            "UPDATE kb_documents SET status = 'failed', error = 'Indexing was interrupted by a restart; upload it again.' \
             WHERE status = 'indexing' AND NOT EXISTS \
             (SELECT 1 FROM jobs WHERE jobs.document_id = kb_documents.id AND jobs.status IN ('queued', 'running'))",
        ).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(n)
    }

    pub async fn list_documents(&self) -> Result<Vec<Document>> {
        let sql = format!("SELECT {DOCUMENT_COLUMNS} FROM kb_documents ORDER BY id DESC");
        let rows =
            with_pool!(self, pool => sqlx::query_as::<_, Document>(&sql).fetch_all(pool).await)?;
        Ok(rows)
    }

    pub async fn document(&self, id: i64) -> Result<Option<Document>> {
        let sql = format!("SELECT {DOCUMENT_COLUMNS} FROM kb_documents WHERE id = $1");
        let row = with_pool!(self, pool => sqlx::query_as::<_, Document>(&sql).bind(id).fetch_optional(pool).await)?;
        Ok(row)
    }

    pub async fn document_chunks(&self, id: i64) -> Result<Vec<DocumentChunk>> {
        let sql = format!("{CHUNK_SELECT} WHERE k.document_id = $1 ORDER BY k.position");
        let rows = with_pool!(self, pool => sqlx::query_as::<_, DocumentChunk>(&sql).bind(id).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// Every chunk of every ready document (the knowledge base loads them at start).
    pub async fn uploaded_chunks(&self) -> Result<Vec<DocumentChunk>> {
        let sql =
            format!("{CHUNK_SELECT} WHERE d.status = 'ready' ORDER BY k.document_id, k.position");
        let rows = with_pool!(self, pool => sqlx::query_as::<_, DocumentChunk>(&sql).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// `false` when there is no such document.
    pub async fn delete_document(&self, id: i64) -> Result<bool> {
        let n = with_pool!(self, pool => sqlx::query("DELETE FROM kb_documents WHERE id = $1")
            .bind(id).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }
}
