//! Conversations and their messages (the pirate chat now; the support agent later). A message is
//! written before it is answered, so nothing a person typed is lost if generation fails.

use crate::BeginWrite;
use crate::{Result, Store, StoreError, with_pool};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct StoredMessage {
    pub id: i64,
    pub role: String,
    pub content: String,
    /// JSON: provider, model, finish reason, timings.
    pub metadata: String,
    pub created_at: DateTime<Utc>,
}

pub const ROLES: &[&str] = &["system", "user", "assistant", "tool", "agent"];

impl StoredMessage {
    /// A line a transcript shows: the customer, the agent's reply or a person of the team
    /// (not system prompts or tool records).
    pub fn is_transcript_line(&self) -> bool {
        matches!(self.role.as_str(), "user" | "assistant" | "agent")
    }
}

impl Store {
    /// Creates the conversation if it does not exist yet.
    pub async fn ensure_conversation(&self, id: &str, kind: &str, title: &str) -> Result<()> {
        let now = Utc::now();
        with_pool!(self, pool => sqlx::query(
            "INSERT INTO conversations (id, kind, title, status, created_at, updated_at) \
             VALUES ($1, $2, $3, 'open', $4, $4) ON CONFLICT DO NOTHING",
        )
        .bind(id).bind(kind).bind(title).bind(now)
        .execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Appends a message and returns its id.
    pub async fn append_message(
        &self,
        conversation_id: &str,
        role: &str,
        content: &str,
        metadata: &str,
    ) -> Result<i64> {
        if !ROLES.contains(&role) {
            return Err(StoreError::Config(format!("unknown message role {role}")));
        }
        let now = Utc::now();
        let id: i64 = with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO messages (conversation_id, role, content, metadata, created_at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(conversation_id).bind(role).bind(content).bind(metadata).bind(now)
            .fetch_one(&mut *tx).await?;
            sqlx::query("UPDATE conversations SET updated_at = $1 WHERE id = $2")
                .bind(now).bind(conversation_id)
                .execute(&mut *tx).await?;
            tx.commit().await?;
            Ok::<i64, sqlx::Error>(id)
        })?;
        Ok(id)
    }

    /// Replaces a message's text and metadata; `false` when it no longer exists (the chat was
    /// cleared meanwhile), so a late write never brings a cleared message back.
    pub async fn update_message(&self, id: i64, content: &str, metadata: &str) -> Result<bool> {
        let n = with_pool!(self, pool => sqlx::query("UPDATE messages SET content = $1, metadata = $2 WHERE id = $3")
            .bind(content).bind(metadata).bind(id)
            .execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    pub async fn delete_message(&self, id: i64) -> Result<()> {
        with_pool!(self, pool => sqlx::query("DELETE FROM messages WHERE id = $1")
            .bind(id)
            .execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// The newest `limit` messages of a conversation, oldest first.
    pub async fn recent_messages(
        &self,
        conversation_id: &str,
        limit: i64,
    ) -> Result<Vec<StoredMessage>> {
        let mut rows: Vec<StoredMessage> = with_pool!(self, pool => sqlx::query_as::<_, StoredMessage>(
            "SELECT id, role, content, metadata, created_at FROM messages WHERE conversation_id = $1 \
             ORDER BY id DESC LIMIT $2",
        )
        .bind(conversation_id).bind(limit)
        .fetch_all(pool).await)?;
        rows.reverse();
        Ok(rows)
    }

    /// Deletes a conversation's messages (the conversation itself stays).
    pub async fn clear_messages(&self, conversation_id: &str) -> Result<u64> {
        let n = with_pool!(self, pool => sqlx::query("DELETE FROM messages WHERE conversation_id = $1")
            .bind(conversation_id)
            .execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(n)
    }
}

/// A conversation's state: who it is with and whether it waits for a person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ConversationInfo {
    pub id: String,
    pub kind: String,
    pub customer_email: Option<String>,
    pub title: String,
    pub status: String,
}

impl Store {
    pub async fn conversation(&self, id: &str) -> Result<Option<ConversationInfo>> {
        let row = with_pool!(self, pool => sqlx::query_as::<_, ConversationInfo>(
            "SELECT id, kind, customer_email, title, status FROM conversations WHERE id = $1",
        ).bind(id).fetch_optional(pool).await)?;
        Ok(row)
    }

    /// Records the customer proven in a conversation (the email that matched an order).
    pub async fn set_conversation_customer(&self, id: &str, email: &str) -> Result<()> {
        with_pool!(self, pool => sqlx::query("UPDATE conversations SET customer_email = $1 WHERE id = $2")
            .bind(email).bind(id).execute(pool).await.map(|_| ()))?;
        Ok(())
    }
}
