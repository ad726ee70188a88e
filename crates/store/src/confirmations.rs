//! What makes the support agent safe to act for a customer: proposals of irreversible actions
//! waiting for that customer's confirmation, one-time codes that prove an email address, and the
//! outbox of mail the store sent (or, with no mail server, would have sent).

use crate::BeginWrite;
use crate::{Result, Store, with_pool};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A stored proposal: the action, the exact arguments it will run with, and what the customer
/// was shown (both JSON).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ProposalRow {
    pub id: String,
    pub conversation_id: String,
    pub action: String,
    pub arguments: String,
    pub preview: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

const PROPOSAL_SELECT: &str = "SELECT id, conversation_id, action, arguments, preview, status, \
     created_at, expires_at FROM action_proposals";

/// How a decision on a proposal went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// This call moved the proposal from pending to the decision: the caller acts on it.
    Taken(ProposalRow),
    /// No such proposal in this conversation.
    NotFound,
    /// Already decided, replaced by a newer proposal, or expired (its status now).
    NotPending(String),
}

impl Store {
    /// Stores a new pending proposal; any earlier pending one of the conversation is superseded
    /// (a change of detail makes a new proposal, and only the newest can be confirmed).
    pub async fn propose_action(&self, row: &ProposalRow) -> Result<()> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "UPDATE action_proposals SET status = 'superseded', decided_at = $1 \
                 WHERE conversation_id = $2 AND status = 'pending'",
            )
            .bind(row.created_at).bind(&row.conversation_id)
            .execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO action_proposals (id, conversation_id, action, arguments, preview, \
                 status, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7)",
            )
            .bind(&row.id).bind(&row.conversation_id).bind(&row.action).bind(&row.arguments)
            .bind(&row.preview).bind(row.created_at).bind(row.expires_at)
            .execute(&mut *tx).await?;
            tx.commit().await?;
            Ok::<(), sqlx::Error>(())
        })?;
        Ok(())
    }

    /// The conversation's proposal still waiting for an answer (expired ones are marked so).
    pub async fn pending_proposal(
        &self,
        conversation_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<ProposalRow>> {
        with_pool!(self, pool => sqlx::query(
            "UPDATE action_proposals SET status = 'expired', decided_at = $1 \
             WHERE conversation_id = $2 AND status = 'pending' AND expires_at < $1",
        ).bind(now).bind(conversation_id).execute(pool).await.map(|_| ()))?;
        let sql = format!(
            "{PROPOSAL_SELECT} WHERE conversation_id = $1 AND status = 'pending' \
             ORDER BY created_at DESC LIMIT 1"
        );
        let row = with_pool!(self, pool => sqlx::query_as::<_, ProposalRow>(&sql)
            .bind(conversation_id).fetch_optional(pool).await)?;
        Ok(row)
    }

    /// Moves a pending proposal of this conversation to `status` ("confirmed" or "declined"),
    /// atomically: of two racing confirmations exactly one is `Taken`.
    pub async fn decide_proposal(
        &self,
        conversation_id: &str,
        id: &str,
        status: &str,
        now: DateTime<Utc>,
    ) -> Result<Decision> {
        let changed = with_pool!(self, pool => sqlx::query(
            "UPDATE action_proposals SET status = CASE WHEN expires_at < $1 THEN 'expired' ELSE $2 END, \
             decided_at = $1 WHERE id = $3 AND conversation_id = $4 AND status = 'pending'",
        )
        .bind(now).bind(status).bind(id).bind(conversation_id)
        .execute(pool).await.map(|r| r.rows_affected()))?;
        let sql = format!("{PROPOSAL_SELECT} WHERE id = $1 AND conversation_id = $2");
        let row = with_pool!(self, pool => sqlx::query_as::<_, ProposalRow>(&sql)
            .bind(id).bind(conversation_id).fetch_optional(pool).await)?;
        Ok(match row {
            None => Decision::NotFound,
            Some(row) if changed == 1 && row.status == status => Decision::Taken(row),
            Some(row) => Decision::NotPending(row.status),
        })
    }

    /// Records that a confirmed proposal could not be carried out (the order changed meanwhile).
    pub async fn fail_proposal(&self, id: &str) -> Result<()> {
        with_pool!(self, pool => sqlx::query("UPDATE action_proposals SET status = 'failed' WHERE id = $1")
            .bind(id).execute(pool).await.map(|_| ()))?;
        Ok(())
    }
}

/// Why a one-time code was not accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CodeCheck {
    Verified,
    /// Wrong code; this many attempts are left.
    Wrong(i64),
    /// No live code for that email (never sent, used, expired or out of attempts).
    NoCode,
}

pub const CODE_ATTEMPTS: i64 = 5;

impl Store {
    /// Stores a code's hash; earlier unused codes of the same conversation and email stop working.
    pub async fn add_email_code(
        &self,
        conversation_id: &str,
        email: &str,
        code_hash: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        let email = email.trim().to_lowercase();
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "UPDATE email_codes SET used_at = $1 WHERE conversation_id = $2 AND email = $3 AND used_at IS NULL",
            ).bind(now).bind(conversation_id).bind(&email).execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO email_codes (conversation_id, email, code_hash, attempts, created_at, expires_at) \
                 VALUES ($1, $2, $3, 0, $4, $5)",
            ).bind(conversation_id).bind(&email).bind(code_hash).bind(now).bind(expires_at)
            .execute(&mut *tx).await?;
            tx.commit().await?;
            Ok::<(), sqlx::Error>(())
        })?;
        Ok(())
    }

    /// Codes sent to `email` from this conversation since `since` (sending is limited).
    pub async fn email_codes_since(
        &self,
        conversation_id: &str,
        email: &str,
        since: DateTime<Utc>,
    ) -> Result<i64> {
        let n: i64 = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM email_codes WHERE conversation_id = $1 AND email = $2 AND created_at >= $3",
        ).bind(conversation_id).bind(email.trim().to_lowercase()).bind(since).fetch_one(pool).await)?;
        Ok(n)
    }

    /// Checks a code against the live one for this conversation and email: counts the attempt,
    /// and marks the code used when it matches. The comparison is of hashes.
    pub async fn check_email_code(
        &self,
        conversation_id: &str,
        email: &str,
        code_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<CodeCheck> {
        let email = email.trim().to_lowercase();
        let check = with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let live: Option<(i64, String, i64)> = sqlx::query_as(
                "SELECT id, code_hash, attempts FROM email_codes WHERE conversation_id = $1 AND email = $2 \
                 AND used_at IS NULL AND expires_at >= $3 AND attempts < $4 ORDER BY id DESC LIMIT 1",
            ).bind(conversation_id).bind(&email).bind(now).bind(CODE_ATTEMPTS)
            .fetch_optional(&mut *tx).await?;
            let check = match live {
                None => CodeCheck::NoCode,
                Some((id, hash, attempts)) => {
                    if hash == code_hash {
                        sqlx::query("UPDATE email_codes SET used_at = $1, attempts = attempts + 1 WHERE id = $2")
                            .bind(now).bind(id).execute(&mut *tx).await?;
                        sqlx::query("UPDATE conversations SET verified_email = $1 WHERE id = $2")
                            .bind(&email).bind(conversation_id).execute(&mut *tx).await?;
                        CodeCheck::Verified
                    } else {
                        sqlx::query("UPDATE email_codes SET attempts = attempts + 1 WHERE id = $1")
                            .bind(id).execute(&mut *tx).await?;
                        CodeCheck::Wrong(CODE_ATTEMPTS - attempts - 1)
                    }
                }
            };
            tx.commit().await?;
            Ok::<CodeCheck, sqlx::Error>(check)
        })?;
        Ok(check)
    }

    /// The email proven by a one-time code in this conversation.
    pub async fn verified_email(&self, conversation_id: &str) -> Result<Option<String>> {
        let email: Option<Option<String>> = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT verified_email FROM conversations WHERE id = $1",
        ).bind(conversation_id).fetch_optional(pool).await)?;
        Ok(email.flatten())
    }
}

pub use domain::api::support::OutboxMail;

impl Store {
    pub async fn add_outbox_mail(
        &self,
        conversation_id: Option<&str>,
        to: &str,
        subject: &str,
        body: &str,
        transport: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let id: i64 = with_pool!(self, pool => sqlx::query_scalar(
            "INSERT INTO outbox (conversation_id, to_email, subject, body, transport, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        ).bind(conversation_id).bind(to).bind(subject).bind(body).bind(transport).bind(now)
        .fetch_one(pool).await)?;
        Ok(id)
    }

    /// The mail sent from one conversation, newest first.
    pub async fn outbox_for_conversation(&self, conversation_id: &str) -> Result<Vec<OutboxMail>> {
        let rows = with_pool!(self, pool => sqlx::query_as::<_, OutboxMail>(
            "SELECT id, conversation_id, to_email, subject, body, transport, created_at FROM outbox \
             WHERE conversation_id = $1 ORDER BY id DESC LIMIT 50",
        ).bind(conversation_id).fetch_all(pool).await)?;
        Ok(rows)
    }
}
