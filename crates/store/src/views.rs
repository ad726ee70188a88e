//! Queries behind the Data Views page: one page of a table, its row count, a CSV export of the
//! whole filtered view, and the small summary charts.

use crate::query::{Bind, Built, Rows, TableSql, count_query, rows_query};
use crate::{Result, Store, with_pool};
use domain::records::{
    Chart, ChartBar, OrderLineRecord, OrderRecord, ProductRecord, ReturnRecord, ShippingRateRecord,
    TicketRecord,
};
use domain::view::{self, Page, Tab, ViewQuery};
use sqlx::FromRow;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;

const PRODUCTS: TableSql = TableSql {
    select: "SELECT p.id, p.sku, p.name, p.category, p.description, p.specifications, p.price_cents, \
             p.stock, p.shipping_weight_oz FROM products p",
    from: "FROM products p",
    group_by: None,
    search: &[
        "p.name",
        "p.sku",
        "p.description",
        "p.specifications",
        "p.category",
    ],
    sort: &[
        ("id", "p.id"),
        ("name", "LOWER(p.name)"),
        ("category", "p.category"),
        ("price", "p.price_cents"),
        ("stock", "p.stock"),
        ("weight", "p.shipping_weight_oz"),
    ],
    filters: &[("category", "p.category")],
    tiebreak: "p.id",
};

const ORDERS: TableSql = TableSql {
    select: "SELECT o.id, o.customer_name, o.customer_email, o.city, o.state, o.zip, o.status, \
             (SELECT CAST(COALESCE(SUM(i.quantity), 0) AS BIGINT) FROM order_items i WHERE i.order_id = o.id) \
             AS item_count, o.subtotal_cents, o.shipping_cents, o.total_cents, o.created_at, o.delivered_at \
             FROM orders o",
    from: "FROM orders o",
    group_by: None,
    search: &[
        "CAST(o.id AS TEXT)",
        "o.customer_name",
        "o.customer_email",
        "o.city",
        "o.state",
        "o.zip",
    ],
    sort: &[
        ("id", "o.id"),
        ("customer", "LOWER(o.customer_name)"),
        ("location", "o.city"),
        ("status", "o.status"),
        ("items", "item_count"),
        ("total", "o.total_cents"),
        ("created", "o.created_at"),
    ],
    filters: &[("status", "o.status")],
    tiebreak: "o.id",
};

const SHIPPING_RATES: TableSql = TableSql {
    select: "SELECT r.id, r.carrier, r.service_type, r.zip, r.base_rate_cents, r.per_lb_cents, r.estimated_days \
             FROM shipping_rates r",
    from: "FROM shipping_rates r",
    group_by: None,
    search: &["r.carrier", "r.service_type", "r.zip"],
    sort: &[
        ("carrier", "r.carrier"),
        ("service", "r.service_type"),
        ("zip", "r.zip"),
        ("base", "r.base_rate_cents"),
        ("per_lb", "r.per_lb_cents"),
        ("days", "r.estimated_days"),
    ],
    filters: &[("carrier", "r.carrier")],
    tiebreak: "r.id",
};

const TICKETS: TableSql = TableSql {
    select: "SELECT t.id, t.customer_name, t.customer_email, t.order_id, t.subject, t.category, t.priority, \
             t.status, t.assigned_team, t.created_at FROM support_tickets t",
    from: "FROM support_tickets t",
    group_by: None,
    search: &[
        "CAST(t.id AS TEXT)",
        "t.subject",
        "t.customer_name",
        "t.customer_email",
        "t.category",
        "t.assigned_team",
    ],
    sort: &[
        ("id", "t.id"),
        ("subject", "LOWER(t.subject)"),
        ("customer", "LOWER(t.customer_name)"),
        ("category", "t.category"),
        (
            "priority",
            "CASE t.priority WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 ELSE 4 END",
        ),
        (
            "status",
            "CASE t.status WHEN 'open' THEN 1 WHEN 'in_progress' THEN 2 ELSE 3 END",
        ),
        ("team", "COALESCE(t.assigned_team, '')"),
        ("created", "t.created_at"),
    ],
    filters: &[("priority", "t.priority"), ("status", "t.status")],
    tiebreak: "t.id",
};

const RETURNS: TableSql = TableSql {
    select: "SELECT r.id, r.order_id, o.customer_email, r.status, r.reason, \
             (SELECT CAST(COALESCE(SUM(ri.quantity), 0) AS BIGINT) FROM return_items ri WHERE ri.return_id = r.id) \
             AS item_count, r.refund_cents, r.created_at FROM returns r JOIN orders o ON o.id = r.order_id",
    from: "FROM returns r JOIN orders o ON o.id = r.order_id",
    group_by: None,
    search: &[
        "CAST(r.id AS TEXT)",
        "CAST(r.order_id AS TEXT)",
        "o.customer_email",
        "r.reason",
    ],
    sort: &[
        ("id", "r.id"),
        ("order", "r.order_id"),
        ("customer", "o.customer_email"),
        ("status", "r.status"),
        ("reason", "LOWER(r.reason)"),
        ("items", "item_count"),
        ("refund", "r.refund_cents"),
        ("created", "r.created_at"),
    ],
    filters: &[("status", "r.status")],
    tiebreak: "r.id",
};

/// Row types decodable from both backends.
pub trait StoreRow:
    Send + Unpin + for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow>
{
}
impl<T> StoreRow for T where
    T: Send + Unpin + for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow>
{
}

impl Store {
    pub(crate) async fn fetch_rows<T: StoreRow>(&self, built: Built) -> Result<Vec<T>> {
        let rows = with_pool!(self, pool => {
            let mut query = sqlx::query_as::<_, T>(&built.sql);
            for bind in built.binds {
                query = match bind {
                    Bind::Text(text) => query.bind(text),
                    Bind::Int(n) => query.bind(n),
                    Bind::Time(t) => query.bind(t),
                };
            }
            query.fetch_all(pool).await
        })?;
        Ok(rows)
    }

    pub(crate) async fn fetch_count(&self, built: Built) -> Result<u64> {
        let n: i64 = with_pool!(self, pool => {
            let mut query = sqlx::query_scalar::<_, i64>(&built.sql);
            for bind in built.binds {
                query = match bind {
                    Bind::Text(text) => query.bind(text),
                    Bind::Int(n) => query.bind(n),
                    Bind::Time(t) => query.bind(t),
                };
            }
            query.fetch_one(pool).await
        })?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn fetch_page<T: StoreRow>(&self, spec: &TableSql, view: &ViewQuery) -> Result<Page<T>> {
        let rows = self.fetch_rows(rows_query(spec, view, Rows::Page)).await?;
        let total = self.fetch_count(count_query(spec, view)).await?;
        Ok(Page {
            rows,
            total,
            page: view.page,
            page_size: view.page_size,
        })
    }

    pub async fn products_page(&self, view: &ViewQuery) -> Result<Page<ProductRecord>> {
        self.fetch_page(&PRODUCTS, view).await
    }

    /// Orders with their lines, for the expandable rows.
    pub async fn orders_page(&self, view: &ViewQuery) -> Result<Page<OrderRecord>> {
        let mut page: Page<OrderRecord> = self.fetch_page(&ORDERS, view).await?;
        self.attach_lines(&mut page.rows).await?;
        Ok(page)
    }

    pub async fn shipping_rates_page(&self, view: &ViewQuery) -> Result<Page<ShippingRateRecord>> {
        self.fetch_page(&SHIPPING_RATES, view).await
    }

    pub async fn tickets_page(&self, view: &ViewQuery) -> Result<Page<TicketRecord>> {
        self.fetch_page(&TICKETS, view).await
    }

    pub async fn returns_page(&self, view: &ViewQuery) -> Result<Page<ReturnRecord>> {
        self.fetch_page(&RETURNS, view).await
    }

    pub async fn export_products(&self, view: &ViewQuery) -> Result<Vec<ProductRecord>> {
        self.fetch_rows(rows_query(&PRODUCTS, view, Rows::Export))
            .await
    }

    pub async fn export_orders(&self, view: &ViewQuery) -> Result<Vec<OrderRecord>> {
        self.fetch_rows(rows_query(&ORDERS, view, Rows::Export))
            .await
    }

    pub async fn export_shipping_rates(&self, view: &ViewQuery) -> Result<Vec<ShippingRateRecord>> {
        self.fetch_rows(rows_query(&SHIPPING_RATES, view, Rows::Export))
            .await
    }

    pub async fn export_tickets(&self, view: &ViewQuery) -> Result<Vec<TicketRecord>> {
        self.fetch_rows(rows_query(&TICKETS, view, Rows::Export))
            .await
    }

    pub async fn export_returns(&self, view: &ViewQuery) -> Result<Vec<ReturnRecord>> {
        self.fetch_rows(rows_query(&RETURNS, view, Rows::Export))
            .await
    }

    async fn attach_lines(&self, orders: &mut [OrderRecord]) -> Result<()> {
        if orders.is_empty() {
            return Ok(());
        }
        let placeholders: Vec<String> = (1..=orders.len()).map(|n| format!("${n}")).collect();
        let sql = format!(
            "SELECT i.id, i.order_id, i.product_id, p.name AS product_name, p.category, i.quantity, \
             i.unit_price_cents FROM order_items i JOIN products p ON p.id = i.product_id \
             WHERE i.order_id IN ({}) ORDER BY i.order_id, i.id",
            placeholders.join(", ")
        );
        let binds = orders.iter().map(|o| Bind::Int(o.id)).collect();
        let lines: Vec<OrderLineRecord> = self.fetch_rows(Built { sql, binds }).await?;
        for order in orders.iter_mut() {
            order.lines = lines
                .iter()
                .filter(|l| l.order_id == order.id)
                .cloned()
                .collect();
        }
        Ok(())
    }

    async fn bars(&self, sql: &str) -> Result<Vec<ChartBar>> {
        self.fetch_rows(Built {
            sql: sql.to_owned(),
            binds: Vec::new(),
        })
        .await
    }

    /// Summary charts over the whole table (not the current filter), in a stable order.
    pub async fn charts(&self, tab: Tab) -> Result<Vec<Chart>> {
        let charts = match tab {
            Tab::Products => vec![Chart {
                title: "Units in stock by category".into(),
                money: false,
                bars: in_order(
                    self.bars("SELECT category AS label, CAST(SUM(stock) AS BIGINT) AS value FROM products GROUP BY category")
                        .await?,
                    view::CATEGORIES,
                ),
            }],
            Tab::Orders => vec![
                Chart {
                    title: "Orders by status".into(),
                    money: false,
                    bars: in_order(
                        self.bars("SELECT status AS label, COUNT(*) AS value FROM orders GROUP BY status").await?,
                        view::ORDER_STATUSES,
                    ),
                },
                Chart {
                    title: "Revenue by category (excluding cancelled orders)".into(),
                    money: true,
                    bars: in_order(
                        self.bars(
                            "SELECT p.category AS label, CAST(COALESCE(SUM(i.quantity * i.unit_price_cents), 0) AS BIGINT) \
                             AS value FROM order_items i JOIN products p ON p.id = i.product_id \
                             JOIN orders o ON o.id = i.order_id WHERE o.status <> 'cancelled' GROUP BY p.category",
                        )
                        .await?,
                        view::CATEGORIES,
                    ),
                },
            ],
            Tab::ShippingRates => vec![Chart {
                title: "Rates per carrier".into(),
                money: false,
                bars: in_order(
                    self.bars("SELECT carrier AS label, COUNT(*) AS value FROM shipping_rates GROUP BY carrier").await?,
                    view::CARRIERS,
                ),
            }],
            Tab::Tickets => vec![Chart {
                title: "Tickets by priority".into(),
                money: false,
                bars: in_order(
                    self.bars("SELECT priority AS label, COUNT(*) AS value FROM support_tickets GROUP BY priority")
                        .await?,
                    view::TICKET_PRIORITIES,
                ),
            }],
            Tab::Returns => vec![Chart {
                title: "Returns by status".into(),
                money: false,
                bars: in_order(
                    self.bars("SELECT status AS label, COUNT(*) AS value FROM returns GROUP BY status").await?,
                    view::RETURN_STATUSES,
                ),
            }],
            Tab::KnowledgeBase => Vec::new(),
        };
        Ok(charts)
    }
}

/// Puts bars in the domain's order, with zero bars for labels that have no rows and any
/// unexpected label kept at the end.
fn in_order(bars: Vec<ChartBar>, order: &[&str]) -> Vec<ChartBar> {
    let mut out: Vec<ChartBar> = order
        .iter()
        .map(|label| ChartBar {
            label: (*label).to_owned(),
            value: bars
                .iter()
                .find(|b| b.label == *label)
                .map_or(0, |b| b.value),
        })
        .collect();
    out.extend(
        bars.into_iter()
            .filter(|b| !order.contains(&b.label.as_str())),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_follow_the_domain_order_with_zeros() {
        let bars = vec![
            ChartBar {
                label: "shipped".into(),
                value: 3,
            },
            ChartBar {
                label: "pending".into(),
                value: 2,
            },
            ChartBar {
                label: "mystery".into(),
                value: 1,
            },
        ];
        let ordered = in_order(bars, &["pending", "processing", "shipped"]);
        let labels: Vec<(&str, i64)> = ordered
            .iter()
            .map(|b| (b.label.as_str(), b.value))
            .collect();
        assert_eq!(
            labels,
            vec![
                ("pending", 2),
                ("processing", 0),
                ("shipped", 3),
                ("mystery", 1)
            ]
        );
    }

    #[test]
    fn every_sort_key_and_filter_of_the_domain_has_sql() {
        let specs = [
            (Tab::Products, &PRODUCTS),
            (Tab::Orders, &ORDERS),
            (Tab::ShippingRates, &SHIPPING_RATES),
            (Tab::Tickets, &TICKETS),
            (Tab::Returns, &RETURNS),
        ];
        for (tab, spec) in specs {
            for column in tab.columns() {
                assert!(
                    spec.sort.iter().any(|(k, _)| *k == column.key),
                    "{tab:?} sort {}",
                    column.key
                );
            }
            for filter in tab.filters() {
                assert!(
                    spec.filters.iter().any(|(k, _)| *k == filter.key),
                    "{tab:?} filter {}",
                    filter.key
                );
            }
        }
    }
}
