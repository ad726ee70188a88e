//! Placing, changing and cancelling orders (and their dry runs for a proposal).

use super::*;
use crate::BeginWrite;

impl Store {
    /// Places an order in one transaction: lines at today's prices, stock taken, totals and
    /// shipping computed. With an idempotency key already used, returns that order unchanged.
    pub async fn place_order(&self, order: &NewOrder, now: DateTime<Utc>) -> Result<PlacedOrder> {
        if order.lines.is_empty() {
            return refuse("an order needs at least one product");
        }
        if let Some(key) = &order.idempotency_key
            && let Some(id) = self.order_id_for_key(key).await?
        {
            let existing = self
                .order_detail(id)
                .await?
                .ok_or_else(|| StoreError::Refused(format!("order {id} vanished")))?;
            return Ok(PlacedOrder {
                order: existing,
                already_placed: true,
            });
        }
        let mut merged: Vec<(i64, i64)> = Vec::new();
        for &(product_id, quantity) in &order.lines {
            if !(1..=MAX_LINE_QUANTITY).contains(&quantity) {
                return refuse(format!(
                    "quantity must be between 1 and {MAX_LINE_QUANTITY} (got {quantity})"
                ));
            }
            match merged.iter_mut().find(|(p, _)| *p == product_id) {
                Some((_, q)) => *q += quantity,
                None => merged.push((product_id, quantity)),
            }
        }
        let r = &order.recipient;
        // An async block, so that a refusal or a unique-key race ends the block, not the function.
        let placed: Result<i64> = with_pool!(self, pool => async {
            let mut tx = pool.begin_write().await?;
            let mut subtotal = Cents(0);
            let mut priced = Vec::new();
            for &(product_id, quantity) in &merged {
                let row: Option<(String, i64, i64)> = sqlx::query_as(
                    "SELECT name, price_cents, stock FROM products WHERE id = $1",
                ).bind(product_id).fetch_optional(&mut *tx).await?;
                let Some((name, price, stock)) = row else {
                    return refuse(format!("there is no product {product_id}"));
                };
                if stock < quantity {
                    return refuse(format!(
                        "only {stock} of {name} in stock (asked for {quantity})"
                    ));
                }
                let taken = sqlx::query(
                    "UPDATE products SET stock = stock - $1 WHERE id = $2 AND stock >= $1",
                ).bind(quantity).bind(product_id).execute(&mut *tx).await?;
                if taken.rows_affected() != 1 {
                    return refuse(format!("{name} sold out while the order was placed"));
                }
                let line = Cents(price).times(quantity).ok_or_else(overflow)?;
                subtotal = subtotal.checked_add(line).ok_or_else(overflow)?;
                priced.push((product_id, quantity, price));
            }
            let shipping = shipping_for(subtotal);
            let total = subtotal.checked_add(shipping).ok_or_else(overflow)?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO orders (customer_name, customer_email, customer_phone, street, city, \
                 state, zip, status, subtotal_cents, shipping_cents, total_cents, created_at, \
                 updated_at, idempotency_key) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9, $10, $11, $11, $12) RETURNING id",
            )
            .bind(&r.name).bind(r.email.trim()).bind(&r.phone).bind(&r.street).bind(&r.city)
            .bind(&r.state).bind(&r.zip).bind(subtotal.0).bind(shipping.0).bind(total.0)
            .bind(now).bind(&order.idempotency_key)
            .fetch_one(&mut *tx).await?;
            for (product_id, quantity, price) in priced {
                sqlx::query(
                    "INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents) \
                     VALUES ($1, $2, $3, $4)",
                ).bind(id).bind(product_id).bind(quantity).bind(price).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<i64, StoreError>(id)
        }.await);
        let id = match placed {
            Ok(id) => id,
            // Two racing retries: the unique key let one through; answer with that one.
            Err(StoreError::Database(e)) if is_unique_violation(&e) => {
                let key = order.idempotency_key.as_deref().unwrap_or_default();
                match self.order_id_for_key(key).await? {
                    Some(id) => {
                        let existing = self
                            .order_detail(id)
                            .await?
                            .ok_or_else(|| StoreError::Refused(format!("order {id} vanished")))?;
                        return Ok(PlacedOrder {
                            order: existing,
                            already_placed: true,
                        });
                    }
                    None => return Err(StoreError::Database(e)),
                }
            }
            Err(e) => return Err(e),
        };
        let detail = self
            .order_detail(id)
            .await?
            .ok_or_else(|| StoreError::Refused(format!("order {id} vanished")))?;
        Ok(PlacedOrder {
            order: detail,
            already_placed: false,
        })
    }

    async fn order_id_for_key(&self, key: &str) -> Result<Option<i64>> {
        let id = with_pool!(self, pool => sqlx::query_scalar::<_, i64>(
            "SELECT id FROM orders WHERE idempotency_key = $1",
        ).bind(key).fetch_optional(pool).await)?;
        Ok(id)
    }

    /// Changes quantities or the address of a pending order owned by `email`; stock and totals
    /// follow in the same transaction.
    pub async fn modify_order(
        &self,
        order_id: i64,
        email: &str,
        change: &OrderChange,
        now: DateTime<Utc>,
    ) -> Result<OrderDetail> {
        self.change_order(order_id, email, change, now, false).await
    }

    /// Runs every rule of `modify_order` in a transaction that is rolled back: `Ok` means the
    /// change would succeed now (the order comes back unchanged).
    pub async fn check_modify_order(
        &self,
        order_id: i64,
        email: &str,
        change: &OrderChange,
        now: DateTime<Utc>,
    ) -> Result<OrderDetail> {
        self.change_order(order_id, email, change, now, true).await
    }

    async fn change_order(
        &self,
        order_id: i64,
        email: &str,
        change: &OrderChange,
        now: DateTime<Utc>,
        dry_run: bool,
    ) -> Result<OrderDetail> {
        let done: Result<()> = with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let row: Option<(String, String)> = sqlx::query_as(
                "SELECT customer_email, status FROM orders WHERE id = $1",
            ).bind(order_id).fetch_optional(&mut *tx).await?;
            let Some((owner, status)) = row else {
                return refuse(format!("there is no order {order_id}"));
            };
            if !same_email(&owner, email) {
                return refuse(format!("order {order_id} does not belong to {email}"));
            }
            if status != "pending" {
                return refuse(format!(
                    "order {order_id} is {status}; only pending orders can be changed"
                ));
            }
            for &(product_id, quantity) in &change.set_quantities {
                if !(0..=MAX_LINE_QUANTITY).contains(&quantity) {
                    return refuse(format!(
                        "quantity must be between 0 and {MAX_LINE_QUANTITY} (got {quantity})"
                    ));
                }
                let current: Option<(i64, i64)> = sqlx::query_as(
                    "SELECT id, quantity FROM order_items WHERE order_id = $1 AND product_id = $2",
                ).bind(order_id).bind(product_id).fetch_optional(&mut *tx).await?;
                let had = current.map(|(_, q)| q).unwrap_or(0);
                let delta = quantity - had;
                if delta > 0 {
                    let product: Option<(String, i64)> = sqlx::query_as(
                        "SELECT name, price_cents FROM products WHERE id = $1",
                    ).bind(product_id).fetch_optional(&mut *tx).await?;
                    let Some((name, price)) = product else {
                        return refuse(format!("there is no product {product_id}"));
                    };
                    let taken = sqlx::query(
                        "UPDATE products SET stock = stock - $1 WHERE id = $2 AND stock >= $1",
                    ).bind(delta).bind(product_id).execute(&mut *tx).await?;
                    if taken.rows_affected() != 1 {
                        return refuse(format!("not enough {name} in stock to add {delta}"));
                    }
                    if current.is_none() {
                        sqlx::query(
                            "INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents) \
                             VALUES ($1, $2, $3, $4)",
                        ).bind(order_id).bind(product_id).bind(quantity).bind(price)
                        .execute(&mut *tx).await?;
                        continue;
                    }
                } else if delta < 0 {
                    sqlx::query("UPDATE products SET stock = stock + $1 WHERE id = $2")
                        .bind(-delta).bind(product_id).execute(&mut *tx).await?;
                }
                if let Some((line_id, _)) = current {
                    if quantity == 0 {
                        sqlx::query("DELETE FROM order_items WHERE id = $1")
                            .bind(line_id).execute(&mut *tx).await?;
                    } else {
                        sqlx::query("UPDATE order_items SET quantity = $1 WHERE id = $2")
                            .bind(quantity).bind(line_id).execute(&mut *tx).await?;
                    }
                }
            }
            let lines: Vec<(i64, i64)> = sqlx::query_as(
                "SELECT quantity, unit_price_cents FROM order_items WHERE order_id = $1",
            ).bind(order_id).fetch_all(&mut *tx).await?;
            if lines.is_empty() {
                return refuse("that would leave the order empty; cancel it instead");
            }
            let mut subtotal = Cents(0);
            for (q, p) in lines {
                subtotal = subtotal.checked_add(Cents(p).times(q).ok_or_else(overflow)?).ok_or_else(overflow)?;
            }
            let shipping = shipping_for(subtotal);
            let total = subtotal.checked_add(shipping).ok_or_else(overflow)?;
            sqlx::query(
                "UPDATE orders SET subtotal_cents = $1, shipping_cents = $2, total_cents = $3, \
                 street = COALESCE($4, street), city = COALESCE($5, city), state = COALESCE($6, state), \
                 zip = COALESCE($7, zip), customer_phone = COALESCE($8, customer_phone), updated_at = $9 \
                 WHERE id = $10",
            )
            .bind(subtotal.0).bind(shipping.0).bind(total.0)
            .bind(&change.street).bind(&change.city).bind(&change.state).bind(&change.zip)
            .bind(&change.phone).bind(now).bind(order_id)
            .execute(&mut *tx).await?;
            if dry_run { tx.rollback().await?; } else { tx.commit().await?; }
            Ok(())
        });
        done?;
        self.order_detail(order_id)
            .await?
            .ok_or_else(|| StoreError::Refused(format!("order {order_id} vanished")))
    }

    /// Cancels a pending or processing order owned by `email` and puts its items back in stock.
    pub async fn cancel_order(
        &self,
        order_id: i64,
        email: &str,
        now: DateTime<Utc>,
    ) -> Result<OrderDetail> {
        self.cancel_or_check(order_id, email, now, false).await
    }

    /// Every rule of `cancel_order`, rolled back: `Ok` (the unchanged order) means it would work.
    pub async fn check_cancel_order(
        &self,
        order_id: i64,
        email: &str,
        now: DateTime<Utc>,
    ) -> Result<OrderDetail> {
        self.cancel_or_check(order_id, email, now, true).await
    }

    async fn cancel_or_check(
        &self,
        order_id: i64,
        email: &str,
        now: DateTime<Utc>,
        dry_run: bool,
    ) -> Result<OrderDetail> {
        let done: Result<()> = with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let row: Option<(String, String)> = sqlx::query_as(
                "SELECT customer_email, status FROM orders WHERE id = $1",
            ).bind(order_id).fetch_optional(&mut *tx).await?;
            let Some((owner, status)) = row else {
                return refuse(format!("there is no order {order_id}"));
            };
            if !same_email(&owner, email) {
                return refuse(format!("order {order_id} does not belong to {email}"));
            }
            if status != "pending" && status != "processing" {
                return refuse(format!(
                    "order {order_id} is {status}; only pending or processing orders can be cancelled"
                ));
            }
            let changed = sqlx::query(
                "UPDATE orders SET status = 'cancelled', updated_at = $1 WHERE id = $2 AND status = $3",
            ).bind(now).bind(order_id).bind(&status).execute(&mut *tx).await?;
            if changed.rows_affected() != 1 {
                return refuse(format!("order {order_id} changed meanwhile; try again"));
            }
            let lines: Vec<(i64, i64)> = sqlx::query_as(
                "SELECT product_id, quantity FROM order_items WHERE order_id = $1",
            ).bind(order_id).fetch_all(&mut *tx).await?;
            for (product_id, quantity) in lines {
                sqlx::query("UPDATE products SET stock = stock + $1 WHERE id = $2")
                    .bind(quantity).bind(product_id).execute(&mut *tx).await?;
            }
            if dry_run { tx.rollback().await?; } else { tx.commit().await?; }
            Ok(())
        });
        done?;
        self.order_detail(order_id)
            .await?
            .ok_or_else(|| StoreError::Refused(format!("order {order_id} vanished")))
    }
}
