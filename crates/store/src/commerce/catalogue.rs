//! The catalogue, shipping rates and reading orders.

use super::*;

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
}
