//! What each tool does. Arguments are read leniently (a model may send "1013" or "#1013" for an
//! order number) and validated strictly; results are typed structs serialised for the model.
//!
//! By area: `orders` (an existing order: status, list, cancel, change, return), `shopping`
//! (catalogue, stock, shipping, new orders) and `help` (knowledge base, tickets, people); this
//! module reads arguments, checks who owns an order and dispatches.

mod help;
mod orders;
mod shopping;

use help::*;
use orders::*;
use shopping::*;

use super::args::{self, ItemArg};
use super::proposals::{Draft, propose};
use super::results::{
    CarrierQuote, DraftLine, DraftView, KnowledgeResult, LineView, OrderList, OrderSummaryView,
    OrderView, PassageView, ProductBrief, ProductList, ProductView, ReturnLineView, ReturnView,
    ReturnsResult, ShippingQuote, TicketView,
};
use super::{Citation, Done, Session, ToolError, ToolName, Toolbox, identity};
use chrono::{DateTime, Utc};
use domain::Cents;
use domain::records::ProductRecord;
use serde::Serialize;
use serde_json::{Value, json};
use store::commerce::{
    self, NewOrder, NewTicket, OrderChange, OrderDetail, ProductSearch, Recipient,
};

type Outcome = Result<Done, ToolError>;

fn done(result: impl Serialize, summary: impl Into<String>) -> Outcome {
    Done::of(result, summary)
}

fn invalid<T>(message: impl Into<String>) -> Result<T, ToolError> {
    Err(ToolError::Invalid(message.into()))
}

// ---- reading arguments ----

fn get<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.get(key).filter(|x| !x.is_null())
}

fn opt_str(v: &Value, key: &str) -> Option<String> {
    match get(v, key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn req_str(v: &Value, key: &str) -> Result<String, ToolError> {
    opt_str(v, key).ok_or_else(|| ToolError::Invalid(format!("{key} is required")))
}

fn opt_int(v: &Value, key: &str) -> Result<Option<i64>, ToolError> {
    match get(v, key) {
        None => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
            .map(Some)
            .ok_or_else(|| ToolError::Invalid(format!("{key} must be a whole number"))),
        Some(Value::String(s)) => s
            .trim()
            .trim_start_matches('#')
            .parse()
            .map(Some)
            .map_err(|_| ToolError::Invalid(format!("{key} must be a whole number, not \"{s}\""))),
        Some(_) => invalid(format!("{key} must be a whole number")),
    }
}

fn opt_num(v: &Value, key: &str) -> Result<Option<f64>, ToolError> {
    match get(v, key) {
        None => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        Some(Value::String(s)) => s
            .trim()
            .trim_start_matches('$')
            .replace(',', "")
            .parse()
            .map(Some)
            .map_err(|_| ToolError::Invalid(format!("{key} must be a number, not \"{s}\""))),
        Some(_) => invalid(format!("{key} must be a number")),
    }
}

fn order_id(v: &Value) -> Result<i64, ToolError> {
    let id =
        opt_int(v, "order_id")?.ok_or_else(|| ToolError::Invalid("order_id is required".into()))?;
    args::order_id(id).map_err(ToolError::Invalid)
}

fn items(v: &Value, key: &str, min_quantity: i64) -> Result<Vec<ItemArg>, ToolError> {
    let Some(list) = get(v, key) else {
        return Ok(Vec::new());
    };
    let Value::Array(list) = list else {
        return invalid(format!("{key} must be a list of products and quantities"));
    };
    let mut out = Vec::new();
    for item in list {
        let product_id = opt_int(item, "product_id")?
            .ok_or_else(|| ToolError::Invalid(format!("each of {key} needs a product_id")))?;
        let quantity = opt_int(item, "quantity")?.unwrap_or(1);
        if !(min_quantity..=commerce::MAX_LINE_QUANTITY).contains(&quantity) {
            return invalid(format!(
                "quantity must be between {min_quantity} and {} (got {quantity})",
                commerce::MAX_LINE_QUANTITY
            ));
        }
        out.push(ItemArg {
            product_id,
            quantity,
        });
    }
    Ok(out)
}

fn identity_refusal(order_id: i64) -> ToolError {
    // The same words whether the order does not exist or belongs to someone else: an order
    // number alone reveals nothing.
    ToolError::Identity(format!(
        "I couldn't find order {order_id} with that email address. Please check both."
    ))
}

/// The email that proves ownership of `order`: from the arguments, or verified earlier in this
/// conversation. Records it as verified when it matches.
async fn owned_order(
    toolbox: &Toolbox,
    v: &Value,
    session: &mut Session,
) -> Result<(OrderDetail, String), ToolError> {
    let id = order_id(v)?;
    let email = match opt_str(v, "email") {
        Some(e) => args::email(&e).map_err(ToolError::Invalid)?,
        None => match &session.verified_email {
            Some(e) => e.clone(),
            None => {
                return Err(ToolError::Identity(format!(
                    "To look at order {id}, I need the email address used to place it."
                )));
            }
        },
    };
    let order = toolbox.store.order_detail(id).await?;
    match order {
        Some(order) if order.customer_email.eq_ignore_ascii_case(&email) => {
            session.verified_email = Some(email.clone());
            if session.customer_name.is_none() {
                session.customer_name = Some(order.customer_name.clone());
            }
            Ok((order, email))
        }
        _ => Err(identity_refusal(id)),
    }
}

fn order_view(o: &OrderDetail) -> OrderView {
    OrderView {
        order_id: o.id,
        status: o.status.clone(),
        customer_name: o.customer_name.clone(),
        ship_to: format!("{}, {}, {} {}", o.street, o.city, o.state, o.zip),
        placed: o.created_at.format("%Y-%m-%d").to_string(),
        delivered: o.delivered_at.map(|d| d.format("%Y-%m-%d").to_string()),
        lines: o
            .lines
            .iter()
            .map(|l| LineView {
                product_id: l.product_id,
                name: l.product_name.clone(),
                category: l.category.clone(),
                quantity: l.quantity,
                unit_price: l.unit_price_cents.to_string(),
                line_total: l.line_total().unwrap_or_default().to_string(),
            })
            .collect(),
        subtotal: o.subtotal_cents.to_string(),
        shipping: o.shipping_cents.to_string(),
        total: o.total_cents.to_string(),
        next_step: match o.status.as_str() {
            "pending" => "can still be changed or cancelled",
            "processing" => "being packed; can be cancelled but no longer changed",
            "shipped" => "on its way; returns open after delivery",
            "delivered" => "delivered; returnable inside each item's return window",
            _ => "cancelled and refunded",
        }
        .into(),
    }
}

// ---- the tools ----

pub(super) async fn execute(
    toolbox: &Toolbox,
    tool: ToolName,
    v: &Value,
    session: &mut Session,
    now: DateTime<Utc>,
) -> Outcome {
    if !v.is_object() && !v.is_null() {
        return invalid("arguments must be a JSON object");
    }
    match tool {
        ToolName::SearchProducts => search_products(toolbox, v).await,
        ToolName::GetProductDetails => product_details(toolbox, v).await,
        ToolName::CheckInventory => check_inventory(toolbox, v).await,
        ToolName::EstimateShipping => estimate_shipping(toolbox, v).await,
        ToolName::DraftOrder => draft_order(toolbox, v, session).await,
        ToolName::PlaceOrder => propose_order(toolbox, v, session, now).await,
        ToolName::GetOrderStatus => {
            let (order, _) = owned_order(toolbox, v, session).await?;
            let summary = format!("order {}: {}", order.id, order.status);
            done(order_view(&order), summary)
        }
        ToolName::ListCustomerOrders => list_orders(toolbox, v, session).await,
        ToolName::ModifyOrder => propose_change(toolbox, v, session, now).await,
        ToolName::CancelOrder => propose_cancel(toolbox, v, session, now).await,
        ToolName::InitiateReturn => propose_return(toolbox, v, session, now).await,
        ToolName::GetReturnStatus => {
            let (order, _) = owned_order(toolbox, v, session).await?;
            let returns = toolbox.store.returns_for_order(order.id).await?;
            let summary = match returns.as_slice() {
                [] => format!("order {}: no returns", order.id),
                list => format!(
                    "order {}: {}",
                    order.id,
                    list.iter()
                        .map(|r| format!("return {} {}", r.id, r.status))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            let returns = returns
                .iter()
                .map(|r| ReturnView {
                    return_id: r.id,
                    status: r.status.clone(),
                    reason: r.reason.clone(),
                    refund: r.refund_cents.to_string(),
                    requested: r.created_at.format("%Y-%m-%d").to_string(),
                    lines: return_lines(&r.lines),
                })
                .collect();
            done(
                ReturnsResult {
                    order_id: order.id,
                    returns,
                },
                summary,
            )
        }
        ToolName::SearchKnowledgeBase => search_kb(toolbox, v).await,
        ToolName::CreateSupportTicket => create_ticket(toolbox, v, session, now).await,
        ToolName::EscalateToHuman => escalate(toolbox, v, session, now).await,
        ToolName::SendVerificationCode => {
            let email = args::email(&req_str(v, "email")?).map_err(ToolError::Invalid)?;
            identity::send_code(toolbox, &email, session, now).await
        }
        ToolName::VerifyEmailCode => {
            let email = args::email(&req_str(v, "email")?).map_err(ToolError::Invalid)?;
            let code = req_str(v, "code")?;
            identity::verify_code(toolbox, &email, &code, session, now).await
        }
    }
}

/// Carries out a confirmed proposal's action with the arguments stored with it (every rule is
/// checked again: the order may have changed since).
pub(super) async fn carry_out(
    toolbox: &Toolbox,
    tool: ToolName,
    v: &Value,
    session: &mut Session,
    now: DateTime<Utc>,
) -> Outcome {
    match tool {
        ToolName::PlaceOrder => place_order(toolbox, v, session, now).await,
        ToolName::ModifyOrder => modify_order(toolbox, v, session, now).await,
        ToolName::CancelOrder => {
            let (order, email) = owned_order(toolbox, v, session).await?;
            let cancelled = toolbox.store.cancel_order(order.id, &email, now).await?;
            let summary = format!(
                "order {} cancelled, {} refunded",
                cancelled.id, cancelled.total_cents
            );
            done(order_view(&cancelled), summary)
        }
        ToolName::InitiateReturn => initiate_return(toolbox, v, session, now).await,
        other => invalid(format!("{} is not an action to confirm", other.as_str())),
    }
}
