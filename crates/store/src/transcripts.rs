//! Running without transcripts (`STORE_TRANSCRIPTS=false`): when a support conversation ends,
//! its words go and what analytics count stays. Each message keeps its role, time,
//! classification, language, author and the names of the tools used (with whether they worked);
//! its text, the tools' arguments and results, the agent's notes, the summary, the title and
//! the customer's comments on their votes are removed.

use crate::BeginWrite;
use crate::{Result, Store, with_pool};
use chrono::{DateTime, Utc};
use domain::api::support::{ReplyMetadata, ToolTrace};

/// The metadata a message keeps once its text is gone. Each part is read on its own, so one
/// the reader does not know (an older or newer shape) costs only itself.
pub fn kept_metadata(metadata: &str) -> String {
    let full: serde_json::Value = serde_json::from_str(metadata).unwrap_or_default();
    fn part<T: serde::de::DeserializeOwned>(full: &serde_json::Value, key: &str) -> Option<T> {
        serde_json::from_value(full.get(key)?.clone()).ok()
    }
    let tools: Option<Vec<ToolTrace>> = part(&full, "tools");
    let kept = ReplyMetadata {
        classification: part(&full, "classification"),
        language: part(&full, "language"),
        tools: tools.map(|tools| {
            tools
                .into_iter()
                .map(|t| ToolTrace {
                    tool: t.tool,
                    arguments: None,
                    ok: t.ok,
                    summary: String::new(),
                    elapsed_ms: t.elapsed_ms,
                })
                .collect()
        }),
        citations: part(&full, "citations"),
        suggestions: None,
        backend: part(&full, "backend"),
        elapsed_ms: part(&full, "elapsed_ms"),
        author: part(&full, "author"),
        staff_id: part(&full, "staff_id"),
        proposal: None,
        not_kept: true,
    };
    serde_json::to_string(&kept).unwrap_or_else(|_| r#"{"not_kept":true}"#.to_owned())
}

/// The title a conversation keeps: what it was about, not what was said.
fn kept_title(first_user_metadata: Option<&str>) -> String {
    let category = first_user_metadata
        .and_then(|m| serde_json::from_str::<ReplyMetadata>(m).ok())
        .and_then(|m| m.classification)
        .map(|c| c.category.replace('_', " "));
    match category {
        Some(category) => format!("{category} (transcript not kept)"),
        None => "Conversation (transcript not kept)".to_owned(),
    }
}

impl Store {
    /// Removes the words of one support conversation and keeps its figures. Returns how many
    /// messages lost their text. One transaction, so a conversation is never half removed.
    pub async fn drop_transcript(&self, conversation_id: &str) -> Result<u64> {
        let n = with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let rows: Vec<(i64, String, String)> = sqlx::query_as(
                "SELECT id, role, metadata FROM messages WHERE conversation_id = $1 ORDER BY id",
            )
            .bind(conversation_id)
            .fetch_all(&mut *tx)
            .await?;
            let title = kept_title(rows.iter().find(|(_, role, _)| role == "user").map(|(_, _, m)| m.as_str()));
            for (id, _, metadata) in &rows {
                sqlx::query("UPDATE messages SET content = '', metadata = $1 WHERE id = $2")
                    .bind(kept_metadata(metadata)).bind(id)
                    .execute(&mut *tx).await?;
            }
            sqlx::query("UPDATE conversations SET title = $1, summary = NULL, summary_at = NULL WHERE id = $2")
                .bind(&title).bind(conversation_id)
                .execute(&mut *tx).await?;
            sqlx::query("UPDATE feedback SET reason = '' WHERE conversation_id = $1")
                .bind(conversation_id).execute(&mut *tx).await?;
            // Live events carry message text for other instances; they have been delivered.
            sqlx::query("DELETE FROM live_events WHERE conversation_id = $1")
                .bind(conversation_id).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok::<u64, sqlx::Error>(rows.len() as u64)
        })?;
        Ok(n)
    }

    /// Support conversations not touched since `before` whose words are still kept: a customer
    /// who leaves without the conversation being resolved does not leave a transcript behind.
    pub async fn conversations_with_transcripts_before(
        &self,
        before: DateTime<Utc>,
    ) -> Result<Vec<String>> {
        let ids = with_pool!(self, pool => sqlx::query_scalar::<_, String>(
            "SELECT c.id FROM conversations c WHERE c.kind = 'support' AND c.updated_at < $1 \
             AND EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.content <> '') \
             ORDER BY c.updated_at LIMIT 500",
        ).bind(before).fetch_all(pool).await)?;
        Ok(ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kept_metadata_has_no_words() {
        let full = r#"{"classification":{"category":"orders","priority":"medium","sentiment":"neutral","escalate":false,"summary":"where is order 1013 for lucas"},
            "language":"French","backend":"offline planner","elapsed_ms":12.5,
            "tools":[{"tool":"get_order_status","arguments":{"email":"lucas.rossi@example.com","order_id":1013},"ok":true,"summary":"order 1013: shipped","result":{"tracking":"1Z"},"elapsed_ms":3.0}],
            "planner":{"slots":{"email":"lucas.rossi@example.com"}},"suggestions":["Track order 1013"],
            "proposal":{"id":"p1","title":"Cancel order 1013","detail":"for lucas","tool":"cancel_order"}}"#;
        let kept = kept_metadata(full);
        for gone in ["lucas", "1013", "1Z", "Track", "summary\":\"o"] {
            assert!(!kept.contains(gone), "{gone} left in {kept}");
        }
        let kept: ReplyMetadata = serde_json::from_str(&kept).unwrap();
        assert!(kept.not_kept);
        assert_eq!(
            kept.classification.map(|c| c.category).as_deref(),
            Some("orders")
        );
        assert_eq!(kept.language.as_deref(), Some("French"));
        let tools = kept.tools.unwrap();
        assert_eq!(
            (tools[0].tool.as_str(), tools[0].ok),
            ("get_order_status", true)
        );
        assert_eq!(kept.elapsed_ms, Some(12.5));
    }

    #[test]
    fn the_kept_title_says_what_it_was_about() {
        let m = r#"{"classification":{"category":"order_status","priority":"low","sentiment":"neutral"}}"#;
        assert_eq!(kept_title(Some(m)), "order status (transcript not kept)");
        assert_eq!(kept_title(None), "Conversation (transcript not kept)");
        assert_eq!(
            kept_title(Some("not json")),
            "Conversation (transcript not kept)"
        );
    }
}
