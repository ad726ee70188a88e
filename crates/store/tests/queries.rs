//! Every Data Views query, against real SQLite and PostgreSQL databases.
// A test stops at a failed step: unwrap and expect are what it means here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use domain::view::{Tab, ViewQuery};
use store::seed;
use support::TestDb;

fn view(tab: Tab, pairs: &[(&str, &str)]) -> ViewQuery {
    let mut all = vec![("tab", tab.slug())];
    all.extend_from_slice(pairs);
    ViewQuery::from_pairs(all)
}

#[tokio::test]
async fn seeds_every_table_once_even_when_run_twice() {
    for db in support::all().await {
        let backend = db.store.backend();
        seed::seed(&db.store, support::anchor())
            .await
            .expect("second seed");
        let counts = db.store.table_counts().await.expect("counts");
        let expected = [
            ("products", 20),
            ("orders", 30),
            ("order_items", 47),
            (
                "shipping_rates",
                i64::try_from(seed::shipping_rates().len()).unwrap_or(-1),
            ),
            ("returns", 5),
            ("return_items", 5),
            ("support_tickets", 20),
            ("conversations", 0),
            ("messages", 0),
        ];
        assert_eq!(counts, expected, "{backend:?}");
        // New rows get fresh ids after the explicit-id seed (PostgreSQL identity sequences moved).
        db.store
            .execute_raw(
                "INSERT INTO support_tickets (customer_name, customer_email, subject, description, category, \
                 priority, status, created_at, updated_at) VALUES ('New', 'new@example.com', 's', 'd', 'orders', \
                 'low', 'open', '2026-11-02T00:00:00Z', '2026-11-02T00:00:00Z')",
            )
            .await
            .unwrap_or_else(|e| panic!("{backend:?}: insert after seed: {e}"));
        db.cleanup().await;
    }
}

#[tokio::test]
async fn products_search_filter_sort_and_paginate() {
    for db in support::all().await {
        let b = db.store.backend();
        let page = db
            .store
            .products_page(&view(Tab::Products, &[]))
            .await
            .expect("page");
        assert_eq!((page.total, page.rows.len()), (20, 10), "{b:?}");
        assert_eq!(page.rows.first().map(|p| p.id), Some(1));

        let cameras = db
            .store
            .products_page(&view(Tab::Products, &[("category", "camera")]))
            .await
            .expect("cameras");
        assert_eq!(cameras.total, 2, "{b:?}");
        assert!(cameras.rows.iter().all(|p| p.category == "camera"));

        let by_price = db
            .store
            .products_page(&view(Tab::Products, &[("sort", "price"), ("dir", "desc")]))
            .await
            .expect("sorted");
        let prices: Vec<i64> = by_price.rows.iter().map(|p| p.price_cents.0).collect();
        assert!(prices.windows(2).all(|w| w[0] >= w[1]), "{b:?} {prices:?}");
        assert_eq!(
            by_price.rows.first().map(|p| p.sku.as_str()),
            Some("CM-LUM-X1")
        );

        // Case-insensitive substring search over name, SKU, description and specifications.
        let monitor = db
            .store
            .products_page(&view(Tab::Products, &[("q", "MONITOR")]))
            .await
            .expect("search");
        let expected = seed::PRODUCTS
            .iter()
            .filter(|p| {
                [p.name, p.sku, p.description, p.specifications, p.category]
                    .iter()
                    .any(|t| t.to_lowercase().contains("monitor"))
            })
            .count();
        assert_eq!(monitor.total, expected as u64, "{b:?}");

        // LIKE wildcards in the search text are literal.
        let percent = db
            .store
            .products_page(&view(Tab::Products, &[("q", "%")]))
            .await
            .expect("percent");
        let with_percent = seed::PRODUCTS
            .iter()
            .filter(|p| {
                [p.name, p.sku, p.description, p.specifications]
                    .iter()
                    .any(|t| t.contains('%'))
            })
            .count();
        assert_eq!(percent.total, with_percent as u64, "{b:?}");
        assert!(with_percent < 20);

        // Pages do not overlap and cover everything.
        let mut seen = Vec::new();
        for n in 1..=3 {
            let p = db
                .store
                .products_page(&view(
                    Tab::Products,
                    &[("size", "10"), ("page", &n.to_string())],
                ))
                .await
                .expect("page n");
            seen.extend(p.rows.iter().map(|r| r.id));
        }
        seen.sort_unstable();
        assert_eq!(seen, (1..=20).collect::<Vec<_>>(), "{b:?}");
        db.cleanup().await;
    }
}

#[tokio::test]
async fn orders_with_lines_status_filter_and_search() {
    for db in support::all().await {
        let b = db.store.backend();
        let delivered = db
            .store
            .orders_page(&view(
                Tab::Orders,
                &[("status", "delivered"), ("size", "50")],
            ))
            .await
            .expect("delivered");
        let expected = seed::ORDERS
            .iter()
            .filter(|o| o.status == "delivered")
            .count();
        assert_eq!(delivered.total, expected as u64, "{b:?}");
        for order in &delivered.rows {
            let seed_order = seed::ORDERS
                .iter()
                .find(|o| o.id == order.id)
                .expect("seed order");
            assert_eq!(
                order.lines.len(),
                seed_order.lines.len(),
                "{b:?} order {}",
                order.id
            );
            let qty: i64 = seed_order.lines.iter().map(|(_, q, _)| q).sum();
            assert_eq!(order.item_count, qty);
            let (subtotal, _, total) = seed::order_totals(seed_order).expect("totals");
            let lines_sum: i64 = order
                .lines
                .iter()
                .filter_map(|l| l.line_total())
                .map(|c| c.0)
                .sum();
            assert_eq!((order.subtotal_cents, order.total_cents), (subtotal, total));
            assert_eq!(lines_sum, subtotal.0);
            assert!(order.delivered_at.is_some());
        }
        // Newest first by default.
        let first = db
            .store
            .orders_page(&view(Tab::Orders, &[]))
            .await
            .expect("default");
        assert_eq!(first.rows.first().map(|o| o.id), Some(1030), "{b:?}");

        let by_email = db
            .store
            .orders_page(&view(Tab::Orders, &[("q", "Maya.Chen@")]))
            .await
            .expect("email");
        assert_eq!(
            by_email.rows.iter().map(|o| o.id).collect::<Vec<_>>(),
            vec![1012, 1001],
            "{b:?}"
        );
        let by_number = db
            .store
            .orders_page(&view(Tab::Orders, &[("q", "1011")]))
            .await
            .expect("number");
        assert_eq!(
            by_number.rows.iter().map(|o| o.id).collect::<Vec<_>>(),
            vec![1011],
            "{b:?}"
        );

        let by_total = db
            .store
            .orders_page(&view(
                Tab::Orders,
                &[("sort", "total"), ("dir", "asc"), ("size", "100")],
            ))
            .await
            .expect("by total");
        let totals: Vec<i64> = by_total.rows.iter().map(|o| o.total_cents.0).collect();
        assert!(totals.windows(2).all(|w| w[0] <= w[1]), "{b:?}");
        assert_eq!(totals.len(), 30);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn rates_tickets_and_returns() {
    for db in support::all().await {
        let b = db.store.backend();
        let rates = seed::shipping_rates();
        let ups = db
            .store
            .shipping_rates_page(&view(Tab::ShippingRates, &[("carrier", "UPS")]))
            .await
            .expect("ups");
        assert_eq!(
            ups.total,
            rates.iter().filter(|r| r.carrier == "UPS").count() as u64,
            "{b:?}"
        );
        let zip = db
            .store
            .shipping_rates_page(&view(Tab::ShippingRates, &[("q", "10001")]))
            .await
            .expect("zip");
        assert_eq!(
            zip.total,
            rates.iter().filter(|r| r.zip == "10001").count() as u64,
            "{b:?}"
        );

        let urgent_first = db
            .store
            .tickets_page(&view(
                Tab::Tickets,
                &[("sort", "priority"), ("dir", "desc")],
            ))
            .await
            .expect("tickets");
        assert_eq!(
            urgent_first.rows.first().map(|t| t.priority.as_str()),
            Some("urgent"),
            "{b:?}"
        );
        let open_high = db
            .store
            .tickets_page(&view(
                Tab::Tickets,
                &[("status", "open"), ("priority", "high")],
            ))
            .await
            .expect("open high");
        let expected = seed::TICKETS
            .iter()
            .filter(|t| t.status == "open" && t.priority == "high")
            .count();
        assert_eq!(open_high.total, expected as u64, "{b:?}");

        let returns = db
            .store
            .returns_page(&view(Tab::Returns, &[("size", "25")]))
            .await
            .expect("returns");
        assert_eq!(returns.total, 5, "{b:?}");
        for r in &returns.rows {
            assert_eq!(r.item_count, 1);
            if r.status == "rejected" {
                assert_eq!(r.refund_cents.0, 0);
            } else {
                assert!(r.refund_cents.0 > 0);
            }
        }
        let approved = db
            .store
            .returns_page(&view(Tab::Returns, &[("status", "approved")]))
            .await
            .expect("approved");
        assert_eq!(approved.total, 2, "{b:?}");
        db.cleanup().await;
    }
}

#[tokio::test]
async fn export_keeps_filters_and_sort_but_not_the_page() {
    for db in support::all().await {
        let b = db.store.backend();
        let v = view(
            Tab::Orders,
            &[
                ("status", "pending"),
                ("sort", "total"),
                ("dir", "desc"),
                ("page", "2"),
            ],
        );
        let rows = db.store.export_orders(&v).await.expect("export");
        assert_eq!(
            rows.len(),
            seed::ORDERS
                .iter()
                .filter(|o| o.status == "pending")
                .count(),
            "{b:?}"
        );
        assert!(
            rows.windows(2)
                .all(|w| w[0].total_cents >= w[1].total_cents)
        );
        let csv = domain::csv::to_csv(&rows);
        assert_eq!(csv.lines().count(), rows.len() + 1);
        assert!(csv.starts_with("id,customer_name,customer_email"));
        assert_eq!(
            db.store
                .export_products(&view(Tab::Products, &[]))
                .await
                .expect("p")
                .len(),
            20
        );
        assert_eq!(
            db.store
                .export_tickets(&view(Tab::Tickets, &[]))
                .await
                .expect("t")
                .len(),
            20
        );
        assert_eq!(
            db.store
                .export_returns(&view(Tab::Returns, &[]))
                .await
                .expect("r")
                .len(),
            5
        );
        assert_eq!(
            db.store
                .export_shipping_rates(&view(Tab::ShippingRates, &[]))
                .await
                .expect("s")
                .len(),
            seed::shipping_rates().len()
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn charts_summarise_whole_tables() {
    for db in support::all().await {
        let b = db.store.backend();
        let charts = db.store.charts(Tab::Orders).await.expect("charts");
        assert_eq!(charts.len(), 2);
        assert_eq!(
            charts[0].bars.iter().map(|bar| bar.value).sum::<i64>(),
            30,
            "{b:?}"
        );
        let revenue: i64 = seed::ORDERS
            .iter()
            .filter(|o| o.status != "cancelled")
            .flat_map(|o| o.lines.iter())
            .map(|(_, q, d)| q * d * 100)
            .sum();
        assert_eq!(
            charts[1].bars.iter().map(|bar| bar.value).sum::<i64>(),
            revenue,
            "{b:?}"
        );
        assert!(charts[1].money);
        let tickets = db.store.charts(Tab::Tickets).await.expect("tickets");
        assert_eq!(
            tickets[0]
                .bars
                .iter()
                .map(|bar| bar.label.as_str())
                .collect::<Vec<_>>(),
            ["low", "medium", "high", "urgent"]
        );
        assert!(
            db.store
                .charts(Tab::KnowledgeBase)
                .await
                .expect("kb")
                .is_empty()
        );
        db.cleanup().await;
    }
}

/// The same views on both backends give the same rows, field for field.
#[tokio::test]
async fn sqlite_and_postgres_show_identical_data() {
    let sqlite = TestDb::sqlite(support::anchor()).await;
    let Some(pg) = TestDb::postgres(support::anchor()).await else {
        sqlite.cleanup().await;
        return;
    };
    let views = [
        view(Tab::Products, &[("size", "100")]),
        view(
            Tab::Products,
            &[("q", "usb"), ("sort", "price"), ("dir", "desc")],
        ),
        view(Tab::Orders, &[("size", "100")]),
        view(Tab::Orders, &[("status", "shipped"), ("sort", "customer")]),
        view(Tab::ShippingRates, &[("size", "100"), ("sort", "days")]),
        view(Tab::Tickets, &[("size", "100"), ("sort", "team")]),
        view(Tab::Returns, &[("sort", "refund")]),
    ];
    for v in &views {
        let (a, b) = match v.tab {
            Tab::Products => (
                serde_json::to_value(sqlite.store.products_page(v).await.expect("sqlite")),
                serde_json::to_value(pg.store.products_page(v).await.expect("pg")),
            ),
            Tab::Orders => (
                serde_json::to_value(sqlite.store.orders_page(v).await.expect("sqlite")),
                serde_json::to_value(pg.store.orders_page(v).await.expect("pg")),
            ),
            Tab::ShippingRates => (
                serde_json::to_value(sqlite.store.shipping_rates_page(v).await.expect("sqlite")),
                serde_json::to_value(pg.store.shipping_rates_page(v).await.expect("pg")),
            ),
            Tab::Tickets => (
                serde_json::to_value(sqlite.store.tickets_page(v).await.expect("sqlite")),
                serde_json::to_value(pg.store.tickets_page(v).await.expect("pg")),
            ),
            Tab::Returns => (
                serde_json::to_value(sqlite.store.returns_page(v).await.expect("sqlite")),
                serde_json::to_value(pg.store.returns_page(v).await.expect("pg")),
            ),
            Tab::KnowledgeBase => continue,
        };
        assert_eq!(
            a.expect("json"),
            b.expect("json"),
            "view {}",
            v.to_query_string()
        );
    }
    for tab in Tab::ALL {
        assert_eq!(
            sqlite.store.charts(tab).await.expect("s"),
            pg.store.charts(tab).await.expect("p"),
            "{tab:?}"
        );
    }
    sqlite.cleanup().await;
    pg.cleanup().await;
}

#[tokio::test]
async fn conversations_keep_messages_in_order_and_clear() {
    for db in support::all().await {
        let b = db.store.backend();
        db.store
            .ensure_conversation("c-1", "pirate", "Pirate chat")
            .await
            .expect("create");
        db.store
            .ensure_conversation("c-1", "pirate", "Pirate chat")
            .await
            .expect("idempotent");
        let first = db
            .store
            .append_message("c-1", "user", "Ahoy?", "{}")
            .await
            .expect("user");
        let second = db
            .store
            .append_message("c-1", "assistant", "Arr!", r#"{"model":"m"}"#)
            .await
            .expect("assistant");
        assert!(second > first, "{b:?}");
        let all = db.store.recent_messages("c-1", 10).await.expect("read");
        assert_eq!(
            all.iter().map(|m| m.content.as_str()).collect::<Vec<_>>(),
            ["Ahoy?", "Arr!"],
            "{b:?}"
        );
        let last = db.store.recent_messages("c-1", 1).await.expect("last");
        assert_eq!(last[0].role, "assistant");
        assert!(
            db.store
                .append_message("c-1", "pirate", "x", "{}")
                .await
                .is_err()
        );
        // A message for an unknown conversation is refused by the foreign key, not stored.
        assert!(
            db.store
                .append_message("nope", "user", "x", "{}")
                .await
                .is_err(),
            "{b:?}"
        );
        assert!(
            db.store
                .update_message(second, "Arr, matey!", "{}")
                .await
                .expect("update"),
            "{b:?}"
        );
        assert_eq!(
            db.store.recent_messages("c-1", 1).await.expect("last")[0].content,
            "Arr, matey!"
        );
        assert_eq!(db.store.clear_messages("c-1").await.expect("clear"), 2);
        // A reply finishing after a clear finds nothing to update.
        assert!(
            !db.store
                .update_message(second, "late", "{}")
                .await
                .expect("late update"),
            "{b:?}"
        );
        assert!(
            db.store
                .recent_messages("c-1", 10)
                .await
                .expect("empty")
                .is_empty()
        );
        db.cleanup().await;
    }
}
