//! Support tickets and a support conversation's status.

use super::*;

impl Store {
    pub async fn create_ticket(
        &self,
        ticket: &NewTicket,
        now: DateTime<Utc>,
    ) -> Result<TicketDetail> {
        let id: i64 = with_pool!(self, pool => sqlx::query_scalar(
            "INSERT INTO support_tickets (customer_name, customer_email, order_id, subject, description, \
             category, priority, status, assigned_team, conversation_id, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8, $9, $10, $10) RETURNING id",
        )
        .bind(&ticket.customer_name).bind(&ticket.customer_email).bind(ticket.order_id)
        .bind(&ticket.subject).bind(&ticket.description).bind(&ticket.category)
        .bind(&ticket.priority).bind(&ticket.assigned_team).bind(&ticket.conversation_id).bind(now)
        .fetch_one(pool).await)?;
        self.ticket(id)
            .await?
            .ok_or_else(|| StoreError::Refused(format!("ticket {id} vanished")))
    }

    pub async fn ticket(&self, id: i64) -> Result<Option<TicketDetail>> {
        let row = with_pool!(self, pool => sqlx::query_as::<_, TicketDetail>(
            "SELECT id, subject, category, priority, status, assigned_team, order_id, created_at \
             FROM support_tickets WHERE id = $1",
        ).bind(id).fetch_optional(pool).await)?;
        Ok(row)
    }

    /// Tickets opened from one conversation, oldest first.
    pub async fn tickets_for_conversation(
        &self,
        conversation_id: &str,
    ) -> Result<Vec<crate::operations::Ticket>> {
        let rows = with_pool!(self, pool => sqlx::query_as::<_, crate::operations::Ticket>(
            "SELECT id, customer_name, customer_email, order_id, subject, description, category, \
             priority, status, assigned_team, conversation_id, created_at, updated_at \
             FROM support_tickets WHERE conversation_id = $1 ORDER BY id",
        ).bind(conversation_id).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// Marks a conversation as waiting for a human (or back to open / closed).
    pub async fn set_conversation_status(&self, id: &str, status: &str) -> Result<()> {
        if !matches!(status, "open" | "escalated" | "closed") {
            return Err(StoreError::Config(format!(
                "unknown conversation status {status}"
            )));
        }
        // escalated_at stays once set: analytics count a conversation as escalated even after
        // a person resolves it.
        with_pool!(self, pool => sqlx::query(
            "UPDATE conversations SET status = $1, updated_at = $2, \
             escalated_at = CASE WHEN $1 = 'escalated' AND escalated_at IS NULL THEN $2 ELSE escalated_at END \
             WHERE id = $3")
            .bind(status).bind(Utc::now()).bind(id).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    pub async fn conversation_status(&self, id: &str) -> Result<Option<String>> {
        let status = with_pool!(self, pool => sqlx::query_scalar::<_, String>(
            "SELECT status FROM conversations WHERE id = $1",
        ).bind(id).fetch_optional(pool).await)?;
        Ok(status)
    }
}
