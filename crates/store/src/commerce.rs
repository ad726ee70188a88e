//! The store's own operations behind the support agent's tools: catalogue search, orders (place,
//! modify, cancel), returns and tickets. Every write runs in one transaction and re-checks its
//! rules inside it (stock, status, return window, the order's email), so a tool can never leave
//! half an order or act on a row that changed since it was read.

use crate::BeginWrite;
use crate::{Result, Store, StoreError, with_pool};
use chrono::{DateTime, Duration, Utc};
use domain::Cents;
use domain::records::{OrderLineRecord, ProductRecord, ShippingRateRecord};
use serde::{Deserialize, Serialize};

/// Orders of $500 or more ship free; smaller ones pay a flat fee (the seed data follows it too).
pub const FREE_SHIPPING_FROM: Cents = Cents(50_000);
pub const FLAT_SHIPPING: Cents = Cents(999);
/// Largest quantity of one product in one order.
pub const MAX_LINE_QUANTITY: i64 = 20;

/// The store's shipping charge for a subtotal.
pub fn shipping_for(subtotal: Cents) -> Cents {
    if subtotal >= FREE_SHIPPING_FROM {
        Cents(0)
    } else {
        FLAT_SHIPPING
    }
}

/// Days after delivery in which a product of this category can be returned.
pub fn return_window_days(category: &str) -> i64 {
    match category {
        "camera" | "monitor" => 14,
        _ => 30,
    }
}

fn refuse<T>(message: impl Into<String>) -> Result<T> {
    Err(StoreError::Refused(message.into()))
}

#[derive(Clone, Debug, Default)]
pub struct ProductSearch {
    /// Words that must each appear in the name, description, specifications or SKU.
    pub words: Vec<String>,
    pub category: Option<String>,
    pub min_price: Option<Cents>,
    pub max_price: Option<Cents>,
    pub in_stock_only: bool,
    pub limit: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct OrderDetail {
    pub id: i64,
    pub customer_name: String,
    pub customer_email: String,
    pub customer_phone: String,
    pub street: String,
    pub city: String,
    pub state: String,
    pub zip: String,
    pub status: String,
    pub subtotal_cents: Cents,
    pub shipping_cents: Cents,
    pub total_cents: Cents,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    #[sqlx(skip)]
    pub lines: Vec<OrderLineRecord>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct OrderSummary {
    pub id: i64,
    pub status: String,
    pub total_cents: Cents,
    pub item_count: i64,
    pub created_at: DateTime<Utc>,
}

/// Who the order is for and where it goes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipient {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub street: String,
    pub city: String,
    pub state: String,
    pub zip: String,
}

#[derive(Clone, Debug)]
pub struct NewOrder {
    pub recipient: Recipient,
    /// (product id, quantity)
    pub lines: Vec<(i64, i64)>,
    /// The same key twice returns the first order instead of placing a second one.
    pub idempotency_key: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlacedOrder {
    pub order: OrderDetail,
    /// True when the key had already placed this order (a retried call).
    pub already_placed: bool,
}

/// A change to a pending order.
#[derive(Clone, Debug, Default)]
pub struct OrderChange {
    /// (product id, new quantity; 0 removes the line)
    pub set_quantities: Vec<(i64, i64)>,
    pub street: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub zip: Option<String>,
    pub phone: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ReturnDetail {
    pub id: i64,
    pub order_id: i64,
    pub status: String,
    pub reason: String,
    pub refund_cents: Cents,
    pub created_at: DateTime<Utc>,
    #[sqlx(skip)]
    pub lines: Vec<ReturnLine>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ReturnLine {
    pub product_id: i64,
    pub product_name: String,
    pub quantity: i64,
    pub refund_cents: Cents,
}

#[derive(Clone, Debug)]
pub struct NewTicket {
    pub customer_name: String,
    pub customer_email: String,
    pub order_id: Option<i64>,
    pub subject: String,
    pub description: String,
    pub category: String,
    pub priority: String,
    pub assigned_team: Option<String>,
    pub conversation_id: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct TicketDetail {
    pub id: i64,
    pub subject: String,
    pub category: String,
    pub priority: String,
    pub status: String,
    pub assigned_team: Option<String>,
    pub order_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

const PRODUCT_COLUMNS: &str = "id, sku, name, category, description, specifications, price_cents, \
     stock, shipping_weight_oz";
const ORDER_COLUMNS: &str = "id, customer_name, customer_email, customer_phone, street, city, \
     state, zip, status, subtotal_cents, shipping_cents, total_cents, created_at, updated_at, \
     delivered_at";
const LINE_SELECT: &str = "SELECT i.id, i.order_id, i.product_id, p.name AS product_name, \
     p.category, i.quantity, i.unit_price_cents FROM order_items i \
     JOIN products p ON p.id = i.product_id WHERE i.order_id = $1 ORDER BY i.id";

fn same_email(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

fn escape_like(word: &str) -> String {
    let mut out = String::with_capacity(word.len() + 2);
    out.push('%');
    for c in word.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

fn overflow() -> StoreError {
    StoreError::Refused("the amounts are too large to total".into())
}

impl Store {
    pub async fn search_products(&self, search: &ProductSearch) -> Result<Vec<ProductRecord>> {
        let mut sql = format!("SELECT {PRODUCT_COLUMNS} FROM products WHERE 1 = 1");
        let mut n = 0;
        let mut next = || {
            n += 1;
            n
        };
        for _ in &search.words {
            let i = next();
            sql.push_str(&format!(
                " AND (LOWER(name) LIKE ${i} ESCAPE '\\' OR LOWER(description) LIKE ${i} ESCAPE '\\' \
                 OR LOWER(specifications) LIKE ${i} ESCAPE '\\' OR LOWER(sku) LIKE ${i} ESCAPE '\\')"
            ));
        }
        if search.category.is_some() {
            sql.push_str(&format!(" AND category = ${}", next()));
        }
        if search.min_price.is_some() {
            sql.push_str(&format!(" AND price_cents >= ${}", next()));
        }
        if search.max_price.is_some() {
            sql.push_str(&format!(" AND price_cents <= ${}", next()));
        }
        if search.in_stock_only {
            sql.push_str(" AND stock > 0");
        }
        sql.push_str(&format!(" ORDER BY price_cents, id LIMIT ${}", next()));
        let limit = search.limit.clamp(1, 50);
        let rows = with_pool!(self, pool => {
            let mut q = sqlx::query_as::<_, ProductRecord>(&sql);
            for w in &search.words {
                q = q.bind(escape_like(w));
            }
            if let Some(c) = &search.category {
                q = q.bind(c.clone());
            }
            if let Some(p) = search.min_price {
                q = q.bind(p.0);
            }
            if let Some(p) = search.max_price {
                q = q.bind(p.0);
            }
            q.bind(limit).fetch_all(pool).await
        })?;
        Ok(rows)
    }

    pub async fn product(&self, id: i64) -> Result<Option<ProductRecord>> {
        let sql = format!("SELECT {PRODUCT_COLUMNS} FROM products WHERE id = $1");
        let row = with_pool!(self, pool => sqlx::query_as::<_, ProductRecord>(&sql).bind(id).fetch_optional(pool).await)?;
        Ok(row)
    }

    /// Every product, in id order (the catalogue is small; the planner matches names against it).
    pub async fn all_products(&self) -> Result<Vec<ProductRecord>> {
        let sql = format!("SELECT {PRODUCT_COLUMNS} FROM products ORDER BY id");
        let rows = with_pool!(self, pool => sqlx::query_as::<_, ProductRecord>(&sql).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// Every carrier and service that delivers to this ZIP, cheapest base rate first.
    pub async fn shipping_rates_at(&self, zip: &str) -> Result<Vec<ShippingRateRecord>> {
        let rows = with_pool!(self, pool => sqlx::query_as::<_, ShippingRateRecord>(
            "SELECT id, carrier, service_type, zip, base_rate_cents, per_lb_cents, estimated_days \
             FROM shipping_rates WHERE zip = $1 ORDER BY base_rate_cents, carrier, service_type",
        ).bind(zip).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// An order with its lines, whoever it belongs to: callers check identity themselves.
    pub async fn order_detail(&self, id: i64) -> Result<Option<OrderDetail>> {
        let sql = format!("SELECT {ORDER_COLUMNS} FROM orders WHERE id = $1");
        let detail = with_pool!(self, pool => {
            let order = sqlx::query_as::<_, OrderDetail>(&sql).bind(id).fetch_optional(pool).await?;
            match order {
                None => Ok::<_, sqlx::Error>(None),
                Some(mut order) => {
                    order.lines = sqlx::query_as::<_, OrderLineRecord>(LINE_SELECT)
                        .bind(id).fetch_all(pool).await?;
                    Ok(Some(order))
                }
            }
        })?;
        Ok(detail)
    }

    /// The orders placed with this email, newest first.
    pub async fn orders_for_email(&self, email: &str) -> Result<Vec<OrderSummary>> {
        let rows = with_pool!(self, pool => sqlx::query_as::<_, OrderSummary>(
            "SELECT o.id, o.status, o.total_cents, \
             (SELECT CAST(COALESCE(SUM(i.quantity), 0) AS BIGINT) FROM order_items i WHERE i.order_id = o.id) AS item_count, \
             o.created_at FROM orders o WHERE LOWER(o.customer_email) = LOWER($1) \
             ORDER BY o.created_at DESC, o.id DESC",
        ).bind(email.trim()).fetch_all(pool).await)?;
        Ok(rows)
    }

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

fn plural_category(category: &str) -> String {
    match category {
        "accessory" => "accessories".into(),
        other => format!("{other}s"),
    }
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .map(|d| d.is_unique_violation())
        .unwrap_or(false)
}
