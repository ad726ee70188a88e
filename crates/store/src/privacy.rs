//! A customer's right to their data: everything kept about an email, read out (export) or
//! removed (erase) in one transaction, and the retention period's clean-up of old resolved
//! conversations.

use crate::BeginWrite;
use crate::chat::StoredMessage;
use crate::commerce::OrderSummary;
use crate::{Result, Store, with_pool};
use chrono::{DateTime, Utc};
use domain::api::desk::{ConversationSummary, Ticket};
use domain::api::support::OutboxMail;
use serde::Serialize;

/// Everything kept about one email.
#[derive(Clone, Debug, Serialize)]
pub struct CustomerData {
    pub email: String,
    pub orders: Vec<OrderSummary>,
    pub tickets: Vec<Ticket>,
    pub conversations: Vec<ConversationData>,
    pub mails: Vec<OutboxMail>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ConversationData {
    pub conversation: ConversationSummary,
    pub messages: Vec<StoredMessage>,
}

/// What an erase removed, table by table.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Erased {
    pub conversations: u64,
    pub messages: u64,
    pub tickets: u64,
    pub orders: u64,
    pub returns: u64,
    pub feedback: u64,
    pub proposals: u64,
    pub email_codes: u64,
    pub mails: u64,
    pub live_events: u64,
}

impl Erased {
    pub fn total(&self) -> u64 {
        self.conversations
            + self.messages
            + self.tickets
            + self.orders
            + self.returns
            + self.feedback
            + self.proposals
            + self.email_codes
            + self.mails
            + self.live_events
    }
}

/// The conversations that belong to an email: named on them, proven in them by a code, or typed
/// by the customer in a message (`%` and `_` in the email are matched as themselves).
const CONVERSATIONS_OF: &str = "SELECT id FROM conversations WHERE lower(customer_email) = $1 OR lower(verified_email) = $1 \
     UNION SELECT conversation_id FROM messages WHERE role = 'user' \
     AND lower(content) LIKE '%' || replace(replace($1, '%', '\\%'), '_', '\\_') || '%' ESCAPE '\\'";

impl Store {
    /// Everything kept about `email` (compared without case).
    pub async fn customer_data(&self, email: &str) -> Result<CustomerData> {
        let email = email.trim().to_lowercase();
        let orders = self.orders_for_email(&email).await?;
        let tickets = with_pool!(self, pool => sqlx::query_as::<_, Ticket>(
            "SELECT id, customer_name, customer_email, order_id, subject, description, category, \
             priority, status, assigned_team, conversation_id, created_at, updated_at FROM support_tickets \
             WHERE lower(customer_email) = $1 ORDER BY id",
        ).bind(&email).fetch_all(pool).await)?;
        let ids: Vec<String> = with_pool!(self, pool => sqlx::query_scalar::<_, String>(CONVERSATIONS_OF)
            .bind(&email).fetch_all(pool).await)?;
        let mut conversations = Vec::new();
        let mut mails = Vec::new();
        for id in &ids {
            if let Some(conversation) = self.conversation_summary(id).await? {
                conversations.push(ConversationData {
                    conversation,
                    messages: self.recent_messages(id, 10_000).await?,
                });
            }
            mails.extend(self.outbox_for_conversation(id).await?);
        }
        Ok(CustomerData {
            email,
            orders,
            tickets,
            conversations,
            mails,
        })
    }

    /// Removes everything kept about `email`: its conversations (messages, votes, proposals,
    /// codes, mails, live events), its tickets, its orders and returns. One transaction: all of
    /// it, or nothing.
    pub async fn erase_customer(&self, email: &str) -> Result<Erased> {
        let email = email.trim().to_lowercase();
        let erased = with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let ids: Vec<String> = sqlx::query_scalar(CONVERSATIONS_OF)
                .bind(&email).fetch_all(&mut *tx).await?;
            let mut e = Erased::default();
            for id in &ids {
                let mut count = async |sql: &str| -> std::result::Result<u64, sqlx::Error> {
                    Ok(sqlx::query(sql).bind(id).execute(&mut *tx).await?.rows_affected())
                };
                e.feedback += count("DELETE FROM feedback WHERE conversation_id = $1").await?;
                e.proposals += count("DELETE FROM action_proposals WHERE conversation_id = $1").await?;
                e.live_events += count("DELETE FROM live_events WHERE conversation_id = $1").await?;
                e.email_codes += count("DELETE FROM email_codes WHERE conversation_id = $1").await?;
                e.mails += count("DELETE FROM outbox WHERE conversation_id = $1").await?;
                e.tickets += count("DELETE FROM support_tickets WHERE conversation_id = $1").await?;
                e.messages += count("DELETE FROM messages WHERE conversation_id = $1").await?;
                e.conversations += count("DELETE FROM conversations WHERE id = $1").await?;
            }
            let mut run = async |sql: &str| -> std::result::Result<u64, sqlx::Error> {
                Ok(sqlx::query(sql).bind(&email).execute(&mut *tx).await?.rows_affected())
            };
            e.email_codes += run("DELETE FROM email_codes WHERE lower(email) = $1").await?;
            e.mails += run("DELETE FROM outbox WHERE lower(to_email) = $1").await?;
            e.tickets += run(
                "DELETE FROM support_tickets WHERE lower(customer_email) = $1 \
                 OR order_id IN (SELECT id FROM orders WHERE lower(customer_email) = $1)",
            ).await?;
            run("DELETE FROM return_items WHERE return_id IN (SELECT r.id FROM returns r \
                 JOIN orders o ON o.id = r.order_id WHERE lower(o.customer_email) = $1)").await?;
            e.returns += run("DELETE FROM returns WHERE order_id IN (SELECT id FROM orders WHERE lower(customer_email) = $1)").await?;
            run("DELETE FROM order_items WHERE order_id IN (SELECT id FROM orders WHERE lower(customer_email) = $1)").await?;
            e.orders += run("DELETE FROM orders WHERE lower(customer_email) = $1").await?;
            tx.commit().await?;
            Ok::<Erased, sqlx::Error>(e)
        })?;
        Ok(erased)
    }

    /// The retention period: resolved conversations last changed before `cutoff` are removed
    /// with their messages and votes. Returns how many conversations.
    pub async fn delete_resolved_before(&self, cutoff: DateTime<Utc>) -> Result<u64> {
        let old = "SELECT id FROM conversations WHERE status = 'closed' AND updated_at < $1";
        let n = with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            for table in ["feedback", "action_proposals", "live_events", "messages"] {
                sqlx::query(&format!("DELETE FROM {table} WHERE conversation_id IN ({old})"))
                    .bind(cutoff).execute(&mut *tx).await?;
            }
            sqlx::query(&format!("UPDATE support_tickets SET conversation_id = NULL WHERE conversation_id IN ({old})"))
                .bind(cutoff).execute(&mut *tx).await?;
            let n = sqlx::query("DELETE FROM conversations WHERE status = 'closed' AND updated_at < $1")
                .bind(cutoff).execute(&mut *tx).await?.rows_affected();
            tx.commit().await?;
            Ok::<u64, sqlx::Error>(n)
        })?;
        Ok(n)
    }
}
