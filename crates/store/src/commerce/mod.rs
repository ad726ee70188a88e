//! The store's own operations behind the support agent's tools: catalogue search, orders (place,
//! modify, cancel), returns and tickets. Every write runs in one transaction and re-checks its
//! rules inside it (stock, status, return window, the order's email), so a tool can never leave
//! half an order or act on a row that changed since it was read.

use crate::{Result, Store, StoreError, with_pool};
use chrono::{DateTime, Duration, Utc};
use domain::Cents;
use domain::records::{OrderLineRecord, ProductRecord, ShippingRateRecord};
use serde::{Deserialize, Serialize};

mod catalogue;
mod orders;
mod returns;
mod tickets;

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
