//! Rows of the store as the Data Views (and later the support tools) show them.

use crate::csv::CsvRecord;
use crate::money::Cents;
use crate::time::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct ProductRecord {
    pub id: i64,
    pub sku: String,
    pub name: String,
    pub category: String,
    pub description: String,
    pub specifications: String,
    pub price_cents: Cents,
    pub stock: i64,
    pub shipping_weight_oz: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct OrderRecord {
    pub id: i64,
    pub customer_name: String,
    pub customer_email: String,
    pub city: String,
    pub state: String,
    pub zip: String,
    pub status: String,
    pub item_count: i64,
    pub subtotal_cents: Cents,
    pub shipping_cents: Cents,
    pub total_cents: Cents,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    /// Filled by a second query for the orders on the page.
    #[cfg_attr(feature = "sqlx", sqlx(skip))]
    pub lines: Vec<OrderLineRecord>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct OrderLineRecord {
    pub id: i64,
    pub order_id: i64,
    pub product_id: i64,
    pub product_name: String,
    pub category: String,
    pub quantity: i64,
    pub unit_price_cents: Cents,
}

impl OrderLineRecord {
    pub fn line_total(&self) -> Option<Cents> {
        self.unit_price_cents.times(self.quantity)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct ShippingRateRecord {
    pub id: i64,
    pub carrier: String,
    pub service_type: String,
    pub zip: String,
    pub base_rate_cents: Cents,
    pub per_lb_cents: Cents,
    pub estimated_days: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct TicketRecord {
    pub id: i64,
    pub customer_name: String,
    pub customer_email: String,
    pub order_id: Option<i64>,
    pub subject: String,
    pub category: String,
    pub priority: String,
    pub status: String,
    pub assigned_team: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct ReturnRecord {
    pub id: i64,
    pub order_id: i64,
    pub customer_email: String,
    pub status: String,
    pub reason: String,
    pub item_count: i64,
    pub refund_cents: Cents,
    pub created_at: DateTime<Utc>,
}

/// One knowledge-base passage, as the Data Views tab lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnowledgeChunkRecord {
    pub id: String,
    pub audience: String,
    pub doc_type: String,
    pub category: String,
    pub product: Option<String>,
    pub title: String,
    pub tags: Vec<String>,
    pub content: String,
}

/// One bar of a small summary chart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct ChartBar {
    pub label: String,
    pub value: i64,
}

/// A titled chart; `money` says the values are cents.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chart {
    pub title: String,
    pub money: bool,
    pub bars: Vec<ChartBar>,
}

fn date(ts: &DateTime<Utc>) -> String {
    ts.format("%Y-%m-%d %H:%M UTC").to_string()
}

impl CsvRecord for ProductRecord {
    const HEADERS: &'static [&'static str] = &[
        "id",
        "sku",
        "name",
        "category",
        "price_usd",
        "stock",
        "shipping_weight_oz",
        "specifications",
        "description",
    ];
    fn cells(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.sku.clone(),
            self.name.clone(),
            self.category.clone(),
            self.price_cents.to_decimal_string(),
            self.stock.to_string(),
            self.shipping_weight_oz.to_string(),
            self.specifications.clone(),
            self.description.clone(),
        ]
    }
}

impl CsvRecord for OrderRecord {
    const HEADERS: &'static [&'static str] = &[
        "id",
        "customer_name",
        "customer_email",
        "city",
        "state",
        "zip",
        "status",
        "items",
        "subtotal_usd",
        "shipping_usd",
        "total_usd",
        "created_at",
        "delivered_at",
    ];
    fn cells(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.customer_name.clone(),
            self.customer_email.clone(),
            self.city.clone(),
            self.state.clone(),
            self.zip.clone(),
            self.status.clone(),
            self.item_count.to_string(),
            self.subtotal_cents.to_decimal_string(),
            self.shipping_cents.to_decimal_string(),
            self.total_cents.to_decimal_string(),
            date(&self.created_at),
            self.delivered_at.as_ref().map(date).unwrap_or_default(),
        ]
    }
}

impl CsvRecord for ShippingRateRecord {
    const HEADERS: &'static [&'static str] = &[
        "id",
        "carrier",
        "service_type",
        "zip",
        "base_rate_usd",
        "per_lb_usd",
        "estimated_days",
    ];
    fn cells(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.carrier.clone(),
            self.service_type.clone(),
            self.zip.clone(),
            self.base_rate_cents.to_decimal_string(),
            self.per_lb_cents.to_decimal_string(),
            self.estimated_days.to_string(),
        ]
    }
}

impl CsvRecord for TicketRecord {
    const HEADERS: &'static [&'static str] = &[
        "id",
        "customer_name",
        "customer_email",
        "order_id",
        "subject",
        "category",
        "priority",
        "status",
        "assigned_team",
        "created_at",
    ];
    fn cells(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.customer_name.clone(),
            self.customer_email.clone(),
            self.order_id.map(|id| id.to_string()).unwrap_or_default(),
            self.subject.clone(),
            self.category.clone(),
            self.priority.clone(),
            self.status.clone(),
            self.assigned_team.clone().unwrap_or_default(),
            date(&self.created_at),
        ]
    }
}

impl CsvRecord for ReturnRecord {
    const HEADERS: &'static [&'static str] = &[
        "id",
        "order_id",
        "customer_email",
        "status",
        "reason",
        "items",
        "refund_usd",
        "created_at",
    ];
    fn cells(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.order_id.to_string(),
            self.customer_email.clone(),
            self.status.clone(),
            self.reason.clone(),
            self.item_count.to_string(),
            self.refund_cents.to_decimal_string(),
            date(&self.created_at),
        ]
    }
}
