//! The demo store's data. Seeding is idempotent: every row has a fixed id and is inserted with
//! `ON CONFLICT DO NOTHING` in one transaction, so a second start (or a crash half-way) never
//! duplicates or half-writes anything, and rows changed since are left alone.
//!
//! Dates are relative to the moment of first seeding (`anchor`), so the 14- and 30-day return
//! windows are real: some delivered orders are inside both, some only inside 30 days, some
//! outside both.

use crate::BeginWrite;
use crate::{Pool, Result, Store, StoreError, with_pool};
use chrono::{DateTime, Duration, Utc};
use domain::Cents;

mod data;

pub use data::*;

fn price_of(product_id: i64) -> Result<&'static SeedProduct> {
    PRODUCTS
        .iter()
        .find(|p| p.id == product_id)
        .ok_or_else(|| StoreError::Seed(format!("unknown product {product_id}")))
}

/// Subtotal, shipping and total of a seed order.
pub fn order_totals(order: &SeedOrder) -> Result<(Cents, Cents, Cents)> {
    let mut subtotal = Cents(0);
    for (product_id, quantity, dollars) in order.lines {
        price_of(*product_id)?;
        let line = Cents(dollars * 100)
            .times(*quantity)
            .ok_or_else(|| StoreError::Seed("line total overflows".into()))?;
        subtotal = subtotal
            .checked_add(line)
            .ok_or_else(|| StoreError::Seed("subtotal overflows".into()))?;
    }
    let shipping = if subtotal >= FREE_SHIPPING_FROM {
        Cents(0)
    } else {
        FLAT_SHIPPING
    };
    Ok((subtotal, shipping, Cents(subtotal.0 + shipping.0)))
}

/// Order-item ids are assigned in listing order, starting at 1.
fn order_item_id(order_id: i64, product_id: i64) -> Result<i64> {
    let mut next = 1;
    for order in ORDERS {
        for (pid, _, _) in order.lines {
            if order.id == order_id && *pid == product_id {
                return Ok(next);
            }
            next += 1;
        }
    }
    Err(StoreError::Seed(format!(
        "order {order_id} has no line for product {product_id}"
    )))
}

/// Writes the demo data that is missing, in one transaction.
pub async fn seed(store: &Store, anchor: DateTime<Utc>) -> Result<()> {
    let at =
        |days: i64, hour_offset: i64| anchor - Duration::days(days) - Duration::hours(hour_offset);
    with_pool!(store, pool => {
        let mut tx = pool.begin_write().await?;
        for p in PRODUCTS {
            sqlx::query(
                "INSERT INTO products (id, sku, name, category, description, specifications, price_cents, stock, \
                 shipping_weight_oz, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING",
            )
            .bind(p.id).bind(p.sku).bind(p.name).bind(p.category).bind(p.description).bind(p.specifications)
            .bind(p.price.0).bind(p.stock).bind(p.weight_oz).bind(at(120, 0))
            .execute(&mut *tx).await?;
        }
        let mut item_id = 0_i64;
        for o in ORDERS {
            let c = CUSTOMERS
                .get(o.customer)
                .ok_or_else(|| StoreError::Seed(format!("order {} has no customer", o.id)))?;
            let (subtotal, shipping, total) = order_totals(o)?;
            let created = at(o.created_days_ago, o.id % 7 + 1);
            let delivered = o.delivered_days_ago.map(|d| at(d, o.id % 5));
            let updated = delivered.unwrap_or(created);
            sqlx::query(
                "INSERT INTO orders (id, customer_name, customer_email, customer_phone, street, city, state, zip, \
                 status, subtotal_cents, shipping_cents, total_cents, created_at, updated_at, delivered_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) ON CONFLICT DO NOTHING",
            )
            .bind(o.id).bind(c.name).bind(c.email).bind(c.phone).bind(c.street).bind(c.city).bind(c.state)
            .bind(c.zip).bind(o.status).bind(subtotal.0).bind(shipping.0).bind(total.0)
            .bind(created).bind(updated).bind(delivered)
            .execute(&mut *tx).await?;
            for (product_id, quantity, dollars) in o.lines {
                item_id += 1;
                sqlx::query(
                    "INSERT INTO order_items (id, order_id, product_id, quantity, unit_price_cents) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                )
                .bind(item_id).bind(o.id).bind(product_id).bind(quantity).bind(dollars * 100)
                .execute(&mut *tx).await?;
            }
        }
        for (i, r) in shipping_rates().iter().enumerate() {
            let id = i64::try_from(i).map_err(|_| StoreError::Seed("too many rates".into()))? + 1;
            sqlx::query(
                "INSERT INTO shipping_rates (id, carrier, service_type, zip, base_rate_cents, per_lb_cents, estimated_days) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
            )
            .bind(id).bind(r.carrier).bind(r.service).bind(r.zip).bind(r.base.0).bind(r.per_lb.0).bind(r.days)
            .execute(&mut *tx).await?;
        }
        let mut return_item_id = 0_i64;
        for r in RETURNS {
            let order = ORDERS
                .iter()
                .find(|o| o.id == r.order_id)
                .ok_or_else(|| StoreError::Seed(format!("return {} names unknown order", r.id)))?;
            let mut lines = Vec::new();
            for (product_id, quantity) in r.lines {
                let (_, _, dollars) = order
                    .lines
                    .iter()
                    .find(|(pid, _, _)| pid == product_id)
                    .ok_or_else(|| StoreError::Seed(format!("return {} names a product not ordered", r.id)))?;
                let refund = if r.status == "rejected" { Cents(0) } else { Cents(dollars * 100 * quantity) };
                lines.push((order_item_id(r.order_id, *product_id)?, *quantity, refund));
            }
            let refund_total = Cents(lines.iter().map(|(_, _, c)| c.0).sum());
            let requested = at(r.requested_days_ago, 2);
            sqlx::query(
                "INSERT INTO returns (id, order_id, status, reason, refund_cents, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
            )
            .bind(r.id).bind(r.order_id).bind(r.status).bind(r.reason).bind(refund_total.0)
            .bind(requested).bind(requested)
            .execute(&mut *tx).await?;
            for (order_item, quantity, refund) in lines {
                return_item_id += 1;
                sqlx::query(
                    "INSERT INTO return_items (id, return_id, order_item_id, quantity, refund_cents) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                )
                .bind(return_item_id).bind(r.id).bind(order_item).bind(quantity).bind(refund.0)
                .execute(&mut *tx).await?;
            }
        }
        for t in TICKETS {
            let c = CUSTOMERS
                .get(t.customer)
                .ok_or_else(|| StoreError::Seed(format!("ticket {} has no customer", t.id)))?;
            let opened = at(t.days_ago, t.id % 9);
            sqlx::query(
                "INSERT INTO support_tickets (id, customer_name, customer_email, order_id, subject, description, \
                 category, priority, status, assigned_team, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING",
            )
            .bind(t.id).bind(c.name).bind(c.email).bind(t.order_id).bind(t.subject).bind(t.description)
            .bind(t.category).bind(t.priority).bind(t.status).bind(t.team).bind(opened).bind(opened)
            .execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok::<(), StoreError>(())
    })?;
    if let Pool::Postgres(pool) = &store.pool {
        // Rows were inserted with explicit ids: move each identity sequence past them so new rows
        // (orders placed later, tickets) get fresh ids.
        // `conversations` is keyed by text ids and has no sequence.
        for table in TABLES.iter().filter(|t| **t != "conversations") {
            let sql = format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table}), 1))"
            );
            sqlx::query(&sql).execute(pool).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, HashSet};

    #[test]
    fn catalogue_matches_the_original_shape() {
        assert_eq!(PRODUCTS.len(), 20);
        let mut per_category: BTreeMap<&str, usize> = BTreeMap::new();
        for p in PRODUCTS {
            *per_category.entry(p.category).or_default() += 1;
            assert!(domain::view::CATEGORIES.contains(&p.category));
            assert!(p.weight_oz > 0);
        }
        let expected: BTreeMap<&str, usize> = [
            ("accessory", 4),
            ("camera", 2),
            ("headphone", 4),
            ("keyboard", 3),
            ("monitor", 3),
            ("speaker", 4),
        ]
        .into();
        assert_eq!(per_category, expected);
        let prices: Vec<i64> = PRODUCTS.iter().map(|p| p.price.0).collect();
        assert_eq!(prices.iter().min(), Some(&9_900));
        assert_eq!(prices.iter().max(), Some(&219_900));
        let skus: HashSet<&str> = PRODUCTS.iter().map(|p| p.sku).collect();
        assert_eq!(skus.len(), 20);
    }

    #[test]
    fn orders_cover_every_status_with_47_lines() {
        assert_eq!(ORDERS.len(), 30);
        assert_eq!(ORDERS.iter().map(|o| o.lines.len()).sum::<usize>(), 47);
        for status in domain::view::ORDER_STATUSES {
            assert!(ORDERS.iter().any(|o| o.status == *status), "{status}");
        }
        for o in ORDERS {
            assert_eq!(
                o.delivered_days_ago.is_some(),
                o.status == "delivered",
                "order {}",
                o.id
            );
            assert!(CUSTOMERS.get(o.customer).is_some());
            assert!(order_totals(o).is_ok());
        }
    }

    #[test]
    fn delivered_orders_exercise_both_return_windows() {
        let delivered: Vec<i64> = ORDERS.iter().filter_map(|o| o.delivered_days_ago).collect();
        assert!(delivered.iter().any(|d| *d <= 14));
        assert!(delivered.iter().any(|d| *d > 14 && *d <= 30));
        assert!(delivered.iter().any(|d| *d > 30));
        // A camera or monitor delivered 15-30 days ago: the 14-day window has closed for it.
        let short_window_closed = ORDERS.iter().any(|o| {
            o.delivered_days_ago.is_some_and(|d| d > 14 && d <= 30)
                && o.lines.iter().any(|(pid, _, _)| {
                    price_of(*pid).is_ok_and(|p| p.category == "camera" || p.category == "monitor")
                })
        });
        assert!(short_window_closed);
    }

    #[test]
    fn shipping_rates_cover_every_customer_zip() {
        let rates = shipping_rates();
        assert!(rates.len() >= 67, "{} rates", rates.len());
        assert_eq!(
            rates
                .iter()
                .filter(|r| r.carrier == "UPS" && r.service == "Ground")
                .count(),
            40
        );
        let keys: HashSet<(&str, &str, &str)> = rates
            .iter()
            .map(|r| (r.carrier, r.service, r.zip))
            .collect();
        assert_eq!(keys.len(), rates.len(), "duplicate rate");
        for c in CUSTOMERS {
            assert!(
                rates.iter().any(|r| r.zip == c.zip),
                "no rate for {}",
                c.zip
            );
        }
        for r in &rates {
            assert!(domain::view::CARRIERS.contains(&r.carrier), "{}", r.carrier);
        }
    }

    #[test]
    fn returns_and_tickets_are_consistent() {
        assert_eq!(RETURNS.len(), 5);
        assert_eq!(TICKETS.len(), 20);
        for r in RETURNS {
            let o = ORDERS.iter().find(|o| o.id == r.order_id);
            assert!(
                o.is_some_and(|o| o.status == "delivered"),
                "return {}",
                r.id
            );
            for (pid, _) in r.lines {
                assert!(order_item_id(r.order_id, *pid).is_ok());
            }
        }
        for status in domain::view::RETURN_STATUSES {
            assert!(RETURNS.iter().any(|r| r.status == *status));
        }
        for t in TICKETS {
            assert!(domain::view::TICKET_PRIORITIES.contains(&t.priority));
            assert!(domain::view::TICKET_STATUSES.contains(&t.status));
        }
    }

    #[test]
    fn free_shipping_threshold_applies() {
        let big = ORDERS.iter().find(|o| o.id == 1019).map(order_totals);
        assert!(matches!(
            big,
            Some(Ok((Cents(219_900), Cents(0), Cents(219_900))))
        ));
        let small = ORDERS.iter().find(|o| o.id == 1013).map(order_totals);
        assert!(matches!(
            small,
            Some(Ok((Cents(16_900), Cents(999), Cents(17_899))))
        ));
    }
}
