//! Customers' votes on replies and cited passages, and their ratings of conversations: one row
//! each, replaced when they change their mind.

use crate::{Result, Store, with_pool};
use chrono::{DateTime, Utc};

/// A stored vote or rating.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct FeedbackRow {
    pub conversation_id: String,
    /// The reply voted on (0 for a rating).
    pub message_id: i64,
    /// `reply` or `rating`.
    pub kind: String,
    /// The cited passage voted on ('' for the reply as a whole, or a rating).
    pub passage: String,
    /// 1 (helpful) or -1 for a vote; 1-5 for a rating.
    pub score: i64,
    /// The reason for a vote, the comment with a rating.
    pub reason: String,
    /// The category of the message the reply answered.
    pub intent: String,
    /// The passages the reply cited, space-separated.
    pub passages: String,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str =
    "conversation_id, message_id, kind, passage, score, reason, intent, passages, created_at";

impl Store {
    /// Records the vote or rating, replacing the same customer's earlier one on the same thing.
    pub async fn put_feedback(&self, row: &FeedbackRow) -> Result<()> {
        with_pool!(self, pool => sqlx::query(
            "INSERT INTO feedback (conversation_id, message_id, kind, passage, score, reason, intent, passages, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (conversation_id, kind, message_id, passage) DO UPDATE SET \
             score = excluded.score, reason = excluded.reason, intent = excluded.intent, \
             passages = excluded.passages, created_at = excluded.created_at",
        )
        .bind(&row.conversation_id).bind(row.message_id).bind(&row.kind).bind(&row.passage)
        .bind(row.score).bind(&row.reason).bind(&row.intent).bind(&row.passages).bind(row.created_at)
        .execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    pub async fn conversation_feedback(&self, conversation_id: &str) -> Result<Vec<FeedbackRow>> {
        let sql = format!("SELECT {COLUMNS} FROM feedback WHERE conversation_id = $1 ORDER BY id");
        let rows = with_pool!(self, pool => sqlx::query_as::<_, FeedbackRow>(&sql)
            .bind(conversation_id).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// Every vote and rating given in [from, to).
    pub async fn feedback_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<FeedbackRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM feedback WHERE created_at >= $1 AND created_at < $2 ORDER BY id"
        );
        let rows = with_pool!(self, pool => sqlx::query_as::<_, FeedbackRow>(&sql)
            .bind(from).bind(to).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// One message of a conversation: its role and metadata (`None` when the id is another
    /// conversation's, or none).
    pub async fn message_of(
        &self,
        conversation_id: &str,
        message_id: i64,
    ) -> Result<Option<(String, String)>> {
        let row = with_pool!(self, pool => sqlx::query_as::<_, (String, String)>(
            "SELECT role, metadata FROM messages WHERE conversation_id = $1 AND id = $2",
        ).bind(conversation_id).bind(message_id).fetch_optional(pool).await)?;
        Ok(row)
    }

    /// The metadata of the customer's message just before `message_id` (what a reply answered).
    pub async fn customer_message_before(
        &self,
        conversation_id: &str,
        message_id: i64,
    ) -> Result<Option<String>> {
        let row = with_pool!(self, pool => sqlx::query_scalar::<_, String>(
            "SELECT metadata FROM messages WHERE conversation_id = $1 AND id < $2 AND role = 'user' ORDER BY id DESC LIMIT 1",
        ).bind(conversation_id).bind(message_id).fetch_optional(pool).await)?;
        Ok(row)
    }
}
