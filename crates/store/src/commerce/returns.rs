//! Returns: opening one (and its dry run), reading them.

use super::*;
use crate::BeginWrite;

impl Store {
    /// Opens a return for a delivered order owned by `email`: the chosen lines (product id,
    /// quantity) or, with none given, everything not yet returned. Each line must be inside its
    /// category's window; the refund is the price paid times the quantity.
    pub async fn initiate_return(
        &self,
        order_id: i64,
        email: &str,
        lines: &[(i64, i64)],
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<ReturnDetail> {
        self.return_or_check(order_id, email, lines, reason, now, false)
            .await
    }

    /// Every rule of `initiate_return`, rolled back: the return that would be opened (id 0),
    /// with its lines and refund.
    pub async fn check_return(
        &self,
        order_id: i64,
        email: &str,
        lines: &[(i64, i64)],
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<ReturnDetail> {
        self.return_or_check(order_id, email, lines, reason, now, true)
            .await
    }

    async fn return_or_check(
        &self,
        order_id: i64,
        email: &str,
        lines: &[(i64, i64)],
        reason: &str,
        now: DateTime<Utc>,
        dry_run: bool,
    ) -> Result<ReturnDetail> {
        let created: Result<i64> = with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let row: Option<(String, String, Option<DateTime<Utc>>)> = sqlx::query_as(
                "SELECT customer_email, status, delivered_at FROM orders WHERE id = $1",
            ).bind(order_id).fetch_optional(&mut *tx).await?;
            let Some((owner, status, delivered_at)) = row else {
                return refuse(format!("there is no order {order_id}"));
            };
            if !same_email(&owner, email) {
                return refuse(format!("order {order_id} does not belong to {email}"));
            }
            let (true, Some(delivered_at)) = (status == "delivered", delivered_at) else {
                return refuse(format!(
                    "order {order_id} is {status}; returns open once an order is delivered"
                ));
            };
            // (order item id, product id, name, category, bought, unit price, already returned)
            let items: Vec<(i64, i64, String, String, i64, i64, i64)> = sqlx::query_as(
                "SELECT i.id, i.product_id, p.name, p.category, i.quantity, i.unit_price_cents, \
                 CAST(COALESCE((SELECT SUM(ri.quantity) FROM return_items ri JOIN returns r ON r.id = ri.return_id \
                   WHERE ri.order_item_id = i.id AND r.status <> 'rejected'), 0) AS BIGINT) \
                 FROM order_items i JOIN products p ON p.id = i.product_id WHERE i.order_id = $1 ORDER BY i.id",
            ).bind(order_id).fetch_all(&mut *tx).await?;
            let wanted: Vec<(i64, i64)> = if lines.is_empty() {
                items.iter().filter(|i| i.4 > i.6).map(|i| (i.1, i.4 - i.6)).collect()
            } else {
                lines.to_vec()
            };
            if wanted.is_empty() {
                return refuse(format!("everything in order {order_id} is already being returned"));
            }
            let days = (now - delivered_at).num_days();
            let mut chosen = Vec::new();
            let mut preview = Vec::new();
            let mut refund = Cents(0);
            for (product_id, quantity) in wanted {
                let Some(item) = items.iter().find(|i| i.1 == product_id) else {
                    return refuse(format!("order {order_id} has no product {product_id}"));
                };
                let window = return_window_days(&item.3);
                if now > delivered_at + Duration::days(window) {
                    return refuse(format!(
                        "{} was delivered {days} days ago; {} can be returned within {window} days of delivery",
                        item.2, plural_category(&item.3)
                    ));
                }
                let open = item.4 - item.6;
                if quantity < 1 || quantity > open {
                    return refuse(format!(
                        "{} of {} can be returned from order {order_id} (asked for {quantity})",
                        open.max(0), item.2
                    ));
                }
                let line_refund = Cents(item.5).times(quantity).ok_or_else(overflow)?;
                refund = refund.checked_add(line_refund).ok_or_else(overflow)?;
                chosen.push((item.0, quantity, line_refund));
                preview.push(ReturnLine {
                    product_id,
                    product_name: item.2.clone(),
                    quantity,
                    refund_cents: line_refund,
                });
            }
            if dry_run {
                tx.rollback().await?;
                // (A plain block: this returns from the function.)
                return Ok(ReturnDetail {
                    id: 0,
                    order_id,
                    status: "proposed".into(),
                    reason: reason.to_string(),
                    refund_cents: refund,
                    created_at: now,
                    lines: preview,
                });
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO returns (order_id, status, reason, refund_cents, created_at, updated_at) \
                 VALUES ($1, 'pending', $2, $3, $4, $4) RETURNING id",
            ).bind(order_id).bind(reason).bind(refund.0).bind(now).fetch_one(&mut *tx).await?;
            for (item_id, quantity, line_refund) in chosen {
                sqlx::query(
                    "INSERT INTO return_items (return_id, order_item_id, quantity, refund_cents) \
                     VALUES ($1, $2, $3, $4)",
                ).bind(id).bind(item_id).bind(quantity).bind(line_refund.0).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(id)
        });
        let id = created?;
        self.return_detail(id)
            .await?
            .ok_or_else(|| StoreError::Refused(format!("return {id} vanished")))
    }

    pub async fn return_detail(&self, id: i64) -> Result<Option<ReturnDetail>> {
        let detail = with_pool!(self, pool => {
            let ret = sqlx::query_as::<_, ReturnDetail>(
                "SELECT id, order_id, status, reason, refund_cents, created_at FROM returns WHERE id = $1",
            ).bind(id).fetch_optional(pool).await?;
            match ret {
                None => Ok::<_, sqlx::Error>(None),
                Some(mut ret) => {
                    ret.lines = sqlx::query_as::<_, ReturnLine>(
                        "SELECT i.product_id, p.name AS product_name, ri.quantity, ri.refund_cents \
                         FROM return_items ri JOIN order_items i ON i.id = ri.order_item_id \
                         JOIN products p ON p.id = i.product_id WHERE ri.return_id = $1 ORDER BY ri.id",
                    ).bind(id).fetch_all(pool).await?;
                    Ok(Some(ret))
                }
            }
        })?;
        Ok(detail)
    }

    /// The returns opened for an order, oldest first.
    pub async fn returns_for_order(&self, order_id: i64) -> Result<Vec<ReturnDetail>> {
        let ids: Vec<i64> = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT id FROM returns WHERE order_id = $1 ORDER BY id",
        ).bind(order_id).fetch_all(pool).await)?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(detail) = self.return_detail(id).await? {
                out.push(detail);
            }
        }
        Ok(out)
    }
}
