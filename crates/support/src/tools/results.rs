//! Typed results of the tools: what a tool returns is one of these, serialised for the model,
//! and read back as the same type by the planner (never by looking up JSON keys).

use domain::records::ProductRecord;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProductBrief {
    pub product_id: i64,
    pub sku: String,
    pub name: String,
    pub category: String,
    pub price: String,
    pub price_cents: i64,
    pub stock: i64,
    pub in_stock: bool,
}

impl From<&ProductRecord> for ProductBrief {
    fn from(p: &ProductRecord) -> ProductBrief {
        ProductBrief {
            product_id: p.id,
            sku: p.sku.clone(),
            name: p.name.clone(),
            category: p.category.clone(),
            price: p.price_cents.to_string(),
            price_cents: p.price_cents.0,
            stock: p.stock,
            in_stock: p.stock > 0,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LineView {
    pub product_id: i64,
    pub name: String,
    pub category: String,
    pub quantity: i64,
    pub unit_price: String,
    pub line_total: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OrderView {
    pub order_id: i64,
    pub status: String,
    pub customer_name: String,
    pub ship_to: String,
    pub placed: String,
    pub delivered: Option<String>,
    pub lines: Vec<LineView>,
    pub subtotal: String,
    pub shipping: String,
    pub total: String,
    pub next_step: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CarrierQuote {
    pub carrier: String,
    pub service: String,
    pub price: String,
    pub price_cents: i64,
    pub estimated_days: i64,
}

/// One passage the knowledge base found.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PassageView {
    pub id: String,
    pub title: String,
    pub audience: String,
    pub doc_type: String,
    pub category: String,
    /// Similarity, rounded to three decimals.
    pub score: f64,
    pub content: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct KnowledgeResult {
    pub passages: Vec<PassageView>,
}

/// A ticket opened for the customer (by a ticket request or a hand-off to a person).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TicketView {
    pub ticket_id: i64,
    pub priority: String,
    pub team: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_status: Option<String>,
    /// The conversation was already with the team: this is its open escalation ticket, not a
    /// new one (so pressing "Talk to a human" twice opens one ticket and alerts the team once).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub already_open: bool,
}

/// Products found by a search or checked for stock.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProductList {
    pub products: Vec<ProductBrief>,
}

/// One product in full.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProductView {
    pub product_id: i64,
    pub sku: String,
    pub name: String,
    pub category: String,
    pub price: String,
    pub stock: i64,
    pub in_stock: bool,
    pub shipping_weight_lb: String,
    pub return_window_days: i64,
    pub description: String,
    pub specifications: String,
}

/// What shipping some products to a ZIP code costs with each carrier.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ShippingQuote {
    pub zip: String,
    pub weight_lb: String,
    pub options: Vec<CarrierQuote>,
    pub cheapest: Option<String>,
    pub fastest: Option<String>,
    pub store_shipping_charge: String,
    pub note: String,
}

/// One line of a draft order.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DraftLine {
    pub product_id: i64,
    pub name: String,
    pub quantity: i64,
    pub unit_price: String,
    pub line_total: String,
}

/// A draft order checked against the store: what is missing, what is wrong, and its totals.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DraftView {
    pub ready: bool,
    pub missing: Vec<String>,
    pub problems: Vec<String>,
    pub lines: Vec<DraftLine>,
    pub subtotal: String,
    pub shipping: String,
    pub total: String,
}

/// One product line of a return.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReturnLineView {
    pub product_id: i64,
    pub name: String,
    pub quantity: i64,
    pub refund: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReturnView {
    pub return_id: i64,
    pub status: String,
    pub reason: String,
    pub refund: String,
    pub requested: String,
    pub lines: Vec<ReturnLineView>,
}

/// The returns of one order.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReturnsResult {
    pub order_id: i64,
    pub returns: Vec<ReturnView>,
}

/// One of a customer's orders, in brief.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OrderSummaryView {
    pub order_id: i64,
    pub status: String,
    pub total: String,
    pub items: i64,
    pub placed: String,
}

/// The orders of a proven email.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OrderList {
    pub email: String,
    pub orders: Vec<OrderSummaryView>,
}

/// Where a one-time code went: `delivery` is the mail transport, or the demo inbox.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CodeSent {
    pub sent_to: String,
    pub delivery: String,
    pub expires_in_minutes: i64,
}
