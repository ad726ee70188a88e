//! The desk's conversation search: words found in any customer, agent or team message (FTS5 on
//! SQLite, a `tsvector` under a GIN index on PostgreSQL, both with English stemming and prefix
//! matching), filters on status, holder, classification, rating and date, and a real page of
//! the newest matches with the total count.
//!
//! Only letters and digits of the typed words reach the full-text query, so nothing a person
//! types can change its syntax; every value is bound.

use crate::operations::{ConversationView, SUMMARY_SELECT};
use crate::query::{Bind, Built};
use crate::{Pool, Result, Store};
use chrono::{DateTime, Utc};
use domain::api::snippet::{START, Snippet};

pub use domain::api::desk::{ConversationStatus, ConversationSummary, Priority, RatingBand};

/// The most words one search uses (more add nothing but cost).
pub const MAX_WORDS: usize = 8;

/// Who holds the conversations searched for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holder {
    Nobody,
    Staff(i64),
}

/// A search of the desk's conversations; the default is "everything, newest first".
#[derive(Clone, Debug, Default)]
pub struct ConversationSearch {
    pub view: ConversationView,
    /// Only the conversations this browser started (a demo desk account).
    pub visitor: Option<String>,
    /// What was typed: its words must all appear in one message (prefixes count); an email
    /// address or a conversation id also matches that conversation exactly.
    pub text: String,
    pub status: Option<ConversationStatus>,
    pub holder: Option<Holder>,
    /// A customer message was classified in this category (e.g. `returns`).
    pub category: Option<String>,
    pub priority: Option<Priority>,
    pub rating: Option<RatingBand>,
    /// Started at or after.
    pub from: Option<DateTime<Utc>>,
    /// Started before.
    pub to: Option<DateTime<Utc>>,
    pub offset: i64,
    pub limit: i64,
}

/// One page of matches and how many there are in all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub conversations: Vec<ConversationSummary>,
    pub total: u64,
    /// For a search by words: where each conversation of the page matched (newest message).
    pub snippets: Vec<Snippet>,
}

/// The words of `text` a full-text query uses: letters and digits only, lowercased, at most
/// `MAX_WORDS`.
pub fn search_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .take(MAX_WORDS)
        .collect()
}

/// The full-text query of `words` (letters and digits only, see [`search_words`]): every word,
/// each as a prefix.
fn full_text_query(pool: &Pool, words: &[String]) -> String {
    match pool {
        Pool::Sqlite(_) => words
            .iter()
            .map(|w| format!("\"{w}\"*"))
            .collect::<Vec<_>>()
            .join(" "),
        Pool::Postgres(_) => words
            .iter()
            .map(|w| format!("{w}:*"))
            .collect::<Vec<_>>()
            .join(" & "),
    }
}

impl Store {
    /// A page of the conversations that match, newest change first.
    pub async fn search_conversations(&self, search: &ConversationSearch) -> Result<Found> {
        let mut binds = Vec::new();
        let conditions = self.conditions(search, &mut binds);
        let count = Built {
            sql: format!("SELECT COUNT(*) FROM ({SUMMARY_SELECT}{conditions}) AS found"),
            binds: binds.clone(),
        };
        binds.push(Bind::Int(search.limit.clamp(1, 500)));
        let limit = binds.len();
        binds.push(Bind::Int(search.offset.max(0)));
        let offset = binds.len();
        let page = Built {
            sql: format!(
                "{SUMMARY_SELECT}{conditions} ORDER BY c.updated_at DESC, c.id DESC \
                 LIMIT ${limit} OFFSET ${offset}"
            ),
            binds,
        };
        let conversations: Vec<ConversationSummary> = self.fetch_rows(page).await?;
        let total = self.fetch_count(count).await?;
        let ids: Vec<&str> = conversations.iter().map(|c| c.id.as_str()).collect();
        let snippets = self.snippets(&search_words(&search.text), &ids).await?;
        Ok(Found {
            conversations,
            total,
            snippets,
        })
    }

    /// For each of `ids` that has a message matching `words`: its newest such message, cut
    /// around the matches with them marked. Only a page's conversations are highlighted, so
    /// the highlighter (costly on PostgreSQL) runs on at most a page of messages.
    async fn snippets(&self, words: &[String], ids: &[&str]) -> Result<Vec<Snippet>> {
        if words.is_empty() || ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut binds = vec![Bind::Text(full_text_query(&self.pool, words))];
        let mut marks = Vec::new();
        for id in ids {
            binds.push(Bind::Text((*id).to_owned()));
            marks.push(format!("${}", binds.len()));
        }
        let within = marks.join(", ");
        let sql = match self.pool {
            Pool::Sqlite(_) => format!(
                "SELECT m.conversation_id, snippet(messages_fts, 0, char(2), char(3), '…', 16) \
                 FROM messages_fts f JOIN messages m ON m.id = f.rowid \
                 WHERE messages_fts MATCH $1 AND m.role IN ('user', 'assistant', 'agent') \
                 AND m.conversation_id IN ({within}) ORDER BY m.id DESC"
            ),
            Pool::Postgres(_) => format!(
                "SELECT DISTINCT ON (m.conversation_id) m.conversation_id, \
                 ts_headline('english', m.content, to_tsquery('english', $1), \
                 'StartSel=' || chr(2) || ', StopSel=' || chr(3) || ', MaxWords=24, MinWords=8, MaxFragments=1, FragmentDelimiter=…') \
                 FROM messages m WHERE m.search @@ to_tsquery('english', $1) \
                 AND m.role IN ('user', 'assistant', 'agent') AND m.conversation_id IN ({within}) \
                 ORDER BY m.conversation_id, m.id DESC"
            ),
        };
        let rows: Vec<(String, String)> = self.fetch_rows(Built { sql, binds }).await?;
        let mut snippets: Vec<Snippet> = Vec::new();
        for (id, marked) in rows {
            if marked.contains(START) && !snippets.iter().any(|s| s.conversation_id == id) {
                snippets.push(Snippet::from_marked(&id, &marked));
            }
        }
        Ok(snippets)
    }

    /// The WHERE conditions after `c.kind = 'support'`, binding their values.
    fn conditions(&self, search: &ConversationSearch, binds: &mut Vec<Bind>) -> String {
        let mut sql = String::new();
        let bind = |binds: &mut Vec<Bind>, value: Bind| {
            binds.push(value);
            format!("${}", binds.len())
        };
        match search.view {
            ConversationView::All => {}
            ConversationView::Unassigned => {
                sql.push_str(" AND c.assigned_to IS NULL AND c.status <> 'closed'");
            }
            ConversationView::Mine(id) => {
                let n = bind(binds, Bind::Int(id));
                sql.push_str(&format!(" AND c.assigned_to = {n}"));
            }
            ConversationView::Escalated => sql.push_str(" AND c.status = 'escalated'"),
        }
        if let Some(visitor) = &search.visitor {
            let n = bind(binds, Bind::Text(visitor.clone()));
            sql.push_str(&format!(" AND c.visitor = {n}"));
        }
        let words = search_words(&search.text);
        if !words.is_empty() {
            let exact = bind(binds, Bind::Text(search.text.trim().to_lowercase()));
            let matching = match self.pool {
                Pool::Sqlite(_) => {
                    let n = bind(binds, Bind::Text(full_text_query(&self.pool, &words)));
                    format!(
                        "SELECT m.conversation_id FROM messages_fts f JOIN messages m ON m.id = f.rowid \
                         WHERE messages_fts MATCH {n} AND m.role IN ('user', 'assistant', 'agent')"
                    )
                }
                Pool::Postgres(_) => {
                    let n = bind(binds, Bind::Text(full_text_query(&self.pool, &words)));
                    format!(
                        "SELECT m.conversation_id FROM messages m \
                         WHERE m.search @@ to_tsquery('english', {n}) AND m.role IN ('user', 'assistant', 'agent')"
                    )
                }
            };
            sql.push_str(&format!(
                " AND (c.customer_email = {exact} OR c.id = {exact} OR c.id IN ({matching}))"
            ));
        }
        if let Some(status) = search.status {
            let n = bind(binds, Bind::Text(status.as_str().to_owned()));
            sql.push_str(&format!(" AND c.status = {n}"));
        }
        match search.holder {
            None => {}
            Some(Holder::Nobody) => sql.push_str(" AND c.assigned_to IS NULL"),
            Some(Holder::Staff(id)) => {
                let n = bind(binds, Bind::Int(id));
                sql.push_str(&format!(" AND c.assigned_to = {n}"));
            }
        }
        let classified = |path: &str| match self.pool {
            Pool::Sqlite(_) => format!("json_extract(m.metadata, '$.classification.{path}')"),
            Pool::Postgres(_) => {
                format!("(m.metadata::jsonb -> 'classification' ->> '{path}')")
            }
        };
        if let Some(category) = &search.category {
            let n = bind(binds, Bind::Text(category.clone()));
            let field = classified("category");
            sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id \
                 AND m.role = 'user' AND {field} = {n})"
            ));
        }
        if let Some(priority) = search.priority {
            let n = bind(binds, Bind::Text(priority.as_str().to_owned()));
            let field = classified("priority");
            sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id \
                 AND m.role = 'user' AND {field} = {n})"
            ));
        }
        if let Some(band) = search.rating {
            let rated =
                "SELECT 1 FROM feedback f WHERE f.conversation_id = c.id AND f.kind = 'rating'";
            sql.push_str(&match band {
                RatingBand::Low => format!(" AND EXISTS ({rated} AND f.score <= 2)"),
                RatingBand::Middle => format!(" AND EXISTS ({rated} AND f.score = 3)"),
                RatingBand::High => format!(" AND EXISTS ({rated} AND f.score >= 4)"),
                RatingBand::Unrated => format!(" AND NOT EXISTS ({rated})"),
            });
        }
        if let Some(from) = search.from {
            let n = bind(binds, Bind::Time(from));
            sql.push_str(&format!(" AND c.created_at >= {n}"));
        }
        if let Some(to) = search.to {
            let n = bind(binds, Bind::Time(to));
            sql.push_str(&format!(" AND c.created_at < {n}"));
        }
        sql
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_letters_and_digits_reach_the_full_text_query() {
        assert_eq!(
            search_words("Refund\" OR 1=1 -- for order #1013*"),
            vec!["refund", "or", "1", "1", "for", "order", "1013"]
        );
        assert_eq!(search_words("  \"*:&|!() "), Vec::<String>::new());
        assert_eq!(search_words("écran défectueux").len(), 2);
        assert_eq!(search_words(&"a ".repeat(20)).len(), MAX_WORDS);
    }
}
