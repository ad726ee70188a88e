//! What each tool does. Arguments are read leniently (a model may send "1013" or "#1013" for an
//! order number) and validated strictly; results are typed structs serialised for the model.

use super::args::{self, ItemArg};
use super::proposals::{Draft, propose};
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
    Ok(Done {
        result: serde_json::to_value(result)
            .map_err(|e| ToolError::Internal(format!("result: {e}")))?,
        summary: summary.into(),
        citations: Vec::new(),
        proposal: None,
    })
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

// ---- typed results ----

#[derive(Serialize)]
struct ProductBrief {
    product_id: i64,
    sku: String,
    name: String,
    category: String,
    price: String,
    price_cents: i64,
    stock: i64,
    in_stock: bool,
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

#[derive(Serialize)]
struct LineView {
    product_id: i64,
    name: String,
    category: String,
    quantity: i64,
    unit_price: String,
    line_total: String,
}

#[derive(Serialize)]
struct OrderView {
    order_id: i64,
    status: String,
    customer_name: String,
    ship_to: String,
    placed: String,
    delivered: Option<String>,
    lines: Vec<LineView>,
    subtotal: String,
    shipping: String,
    total: String,
    next_step: &'static str,
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
        },
    }
}

#[derive(Serialize)]
struct CarrierQuote {
    carrier: String,
    service: String,
    price: String,
    price_cents: i64,
    estimated_days: i64,
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
            let view: Vec<Value> = returns
                .iter()
                .map(|r| {
                    json!({
                        "return_id": r.id,
                        "status": r.status,
                        "reason": r.reason,
                        "refund": r.refund_cents.to_string(),
                        "requested": r.created_at.format("%Y-%m-%d").to_string(),
                        "lines": return_lines(&r.lines),
                    })
                })
                .collect();
            done(json!({"order_id": order.id, "returns": view}), summary)
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

/// The arguments a confirmation runs with: as given, with the email that proved the order.
fn with_email(v: &Value, email: &str) -> Value {
    let mut args = v.as_object().cloned().unwrap_or_default();
    args.insert("email".into(), json!(email));
    Value::Object(args)
}

fn line_texts(o: &OrderDetail) -> Vec<String> {
    o.lines
        .iter()
        .map(|l| {
            format!(
                "{} × {} — {}",
                l.quantity,
                l.product_name,
                l.line_total().unwrap_or_default()
            )
        })
        .collect()
}

async fn propose_cancel(
    toolbox: &Toolbox,
    v: &Value,
    session: &mut Session,
    now: DateTime<Utc>,
) -> Outcome {
    let (order, email) = owned_order(toolbox, v, session).await?;
    // Every rule of the cancellation, in a transaction that is rolled back.
    toolbox
        .store
        .check_cancel_order(order.id, &email, now)
        .await?;
    let mut details = line_texts(&order);
    details.push(format!(
        "Refund: {} to the original payment method (banks take 5–10 business days)",
        order.total_cents
    ));
    details.push("The items go back in stock; this cannot be undone.".into());
    propose(
        toolbox,
        Draft {
            tool: ToolName::CancelOrder,
            arguments: json!({"order_id": order.id, "email": email}),
            title: format!("Cancel order {}", order.id),
            details,
            order_id: Some(order.id),
            amount: Some(order.total_cents.to_string()),
            facts: serde_json::to_value(order_view(&order)).unwrap_or_default(),
        },
        session,
        now,
    )
    .await
}

fn order_change(v: &Value) -> Result<OrderChange, ToolError> {
    let items = items(v, "items", 0)?;
    let mut change = OrderChange {
        set_quantities: items.iter().map(|i| (i.product_id, i.quantity)).collect(),
        ..Default::default()
    };
    if let Some(s) = opt_str(v, "street") {
        change.street = Some(args::text(&s, "street", 200).map_err(ToolError::Invalid)?);
    }
    if let Some(s) = opt_str(v, "city") {
        change.city = Some(args::text(&s, "city", 100).map_err(ToolError::Invalid)?);
    }
    if let Some(s) = opt_str(v, "state") {
        change.state = Some(args::state(&s).map_err(ToolError::Invalid)?);
    }
    if let Some(s) = opt_str(v, "zip") {
        change.zip = Some(args::zip(&s).map_err(ToolError::Invalid)?);
    }
    if let Some(s) = opt_str(v, "phone") {
        change.phone = Some(args::phone(&s).map_err(ToolError::Invalid)?);
    }
    if change.set_quantities.is_empty()
        && change.street.is_none()
        && change.city.is_none()
        && change.state.is_none()
        && change.zip.is_none()
        && change.phone.is_none()
    {
        return invalid("say what to change: items with new quantities, or the address");
    }
    Ok(change)
}

async fn propose_change(
    toolbox: &Toolbox,
    v: &Value,
    session: &mut Session,
    now: DateTime<Utc>,
) -> Outcome {
    let (order, email) = owned_order(toolbox, v, session).await?;
    let change = order_change(v)?;
    toolbox
        .store
        .check_modify_order(order.id, &email, &change, now)
        .await?;
    // The order as it will be: the same arithmetic the store does when it is confirmed.
    let mut lines: Vec<(String, i64, Cents)> = order
        .lines
        .iter()
        .map(|l| (l.product_name.clone(), l.quantity, l.unit_price_cents))
        .collect();
    let mut details = Vec::new();
    for &(product_id, quantity) in &change.set_quantities {
        match order.lines.iter().position(|l| l.product_id == product_id) {
            Some(i) => {
                details.push(if quantity == 0 {
                    format!("Remove {}", lines[i].0)
                } else {
                    format!("{}: {} → {}", lines[i].0, lines[i].1, quantity)
                });
                lines[i].1 = quantity;
            }
            None => {
                if let Some(p) = toolbox.store.product(product_id).await? {
                    details.push(format!("Add {quantity} × {}", p.name));
                    lines.push((p.name, quantity, p.price_cents));
                }
            }
        }
    }
    let mut subtotal = Cents(0);
    for (_, q, price) in &lines {
        subtotal = subtotal
            .checked_add(price.times(*q).unwrap_or_default())
            .unwrap_or(subtotal);
    }
    let shipping = commerce::shipping_for(subtotal);
    let total = subtotal.checked_add(shipping).unwrap_or(subtotal);
    if change.street.is_some() || change.zip.is_some() || change.city.is_some() {
        details.push(format!(
            "Ship to: {}, {}, {} {}",
            change.street.as_deref().unwrap_or(&order.street),
            change.city.as_deref().unwrap_or(&order.city),
            change.state.as_deref().unwrap_or(&order.state),
            change.zip.as_deref().unwrap_or(&order.zip)
        ));
    }
    if let Some(phone) = &change.phone {
        details.push(format!("Phone: {phone}"));
    }
    if !change.set_quantities.is_empty() {
        details.push(format!(
            "New total: {total} (shipping {shipping}; was {})",
            order.total_cents
        ));
    }
    let new_lines: Vec<Value> = lines
        .iter()
        .filter(|(_, q, _)| *q > 0)
        .map(|(name, q, price)| json!({"name": name, "quantity": q, "line_total": price.times(*q).unwrap_or_default().to_string()}))
        .collect();
    propose(
        toolbox,
        Draft {
            tool: ToolName::ModifyOrder,
            arguments: with_email(v, &email),
            title: format!("Change order {}", order.id),
            details,
            order_id: Some(order.id),
            amount: Some(total.to_string()),
            facts: json!({"order_id": order.id, "lines": new_lines, "subtotal": subtotal.to_string(),
                          "shipping": shipping.to_string(), "total": total.to_string(),
                          "previous_total": order.total_cents.to_string()}),
        },
        session,
        now,
    )
    .await
}

/// The lines of a return as the model and the replies read them.
fn return_lines(lines: &[store::commerce::ReturnLine]) -> Vec<Value> {
    lines
        .iter()
        .map(|l| json!({"product_id": l.product_id, "name": l.product_name, "quantity": l.quantity, "refund": l.refund_cents.to_string()}))
        .collect()
}

/// A return's order (proven by its email), reason and (product, quantity) lines, as proposing
/// and opening it both read them.
async fn return_request(
    toolbox: &Toolbox,
    v: &Value,
    session: &mut Session,
) -> Result<(OrderDetail, String, String, Vec<(i64, i64)>), ToolError> {
    let (order, email) = owned_order(toolbox, v, session).await?;
    let reason = opt_str(v, "reason").unwrap_or_else(|| "No reason given".to_string());
    let reason = args::text(&reason, "reason", 500).map_err(ToolError::Invalid)?;
    let lines = items(v, "items", 1)?
        .iter()
        .map(|i| (i.product_id, i.quantity))
        .collect();
    Ok((order, email, reason, lines))
}

async fn propose_return(
    toolbox: &Toolbox,
    v: &Value,
    session: &mut Session,
    now: DateTime<Utc>,
) -> Outcome {
    let (order, email, reason, lines) = return_request(toolbox, v, session).await?;
    let preview = toolbox
        .store
        .check_return(order.id, &email, &lines, &reason, now)
        .await?;
    let mut details: Vec<String> = preview
        .lines
        .iter()
        .map(|l| {
            format!(
                "Return {} × {} — refund {}",
                l.quantity, l.product_name, l.refund_cents
            )
        })
        .collect();
    details.push(format!(
        "Refund: {}, the price you paid, once the item is checked at our warehouse",
        preview.refund_cents
    ));
    details.push("A prepaid return label is emailed to you.".into());
    let mut arguments = with_email(v, &email);
    arguments["reason"] = json!(reason);
    propose(
        toolbox,
        Draft {
            tool: ToolName::InitiateReturn,
            arguments,
            title: format!("Return from order {}", order.id),
            details,
            order_id: Some(order.id),
            amount: Some(preview.refund_cents.to_string()),
            facts: json!({"order_id": order.id, "refund": preview.refund_cents.to_string(),
                          "lines": return_lines(&preview.lines)}),
        },
        session,
        now,
    )
    .await
}

/// A draft with nothing missing and no problem, and who it goes to (placing and proposing to
/// place check the same things).
async fn complete_draft(
    toolbox: &Toolbox,
    v: &Value,
    session: &mut Session,
) -> Result<(DraftCheck, Recipient), ToolError> {
    let mut check = check_draft(toolbox, v, session).await?;
    if !check.missing.is_empty() {
        return invalid(format!(
            "the order still needs: {}",
            check.missing.join(", ")
        ));
    }
    if !check.problems.is_empty() {
        return Err(ToolError::Refused(check.problems.join("; ")));
    }
    let recipient = check
        .recipient
        .take()
        .ok_or_else(|| ToolError::Invalid("the delivery details are incomplete".into()))?;
    Ok((check, recipient))
}

async fn propose_order(
    toolbox: &Toolbox,
    v: &Value,
    session: &mut Session,
    now: DateTime<Utc>,
) -> Outcome {
    let (check, recipient) = complete_draft(toolbox, v, session).await?;
    let shipping = commerce::shipping_for(check.subtotal);
    let total = check
        .subtotal
        .checked_add(shipping)
        .unwrap_or(check.subtotal);
    let mut details: Vec<String> = check
        .lines
        .iter()
        .map(|l| {
            format!(
                "{} × {} — {}",
                l["quantity"],
                l["name"].as_str().unwrap_or_default(),
                l["line_total"].as_str().unwrap_or_default()
            )
        })
        .collect();
    details.push(format!(
        "Subtotal {} · shipping {shipping} · total {total}",
        check.subtotal
    ));
    details.push(format!(
        "Ship to: {}, {}, {}, {} {}",
        recipient.name, recipient.street, recipient.city, recipient.state, recipient.zip
    ));
    details.push(format!(
        "Email {} · phone {}",
        recipient.email, recipient.phone
    ));
    let arguments = json!({
        "items": check.items.iter().map(|i| json!({"product_id": i.product_id, "quantity": i.quantity})).collect::<Vec<_>>(),
        "name": recipient.name, "email": recipient.email, "phone": recipient.phone,
        "street": recipient.street, "city": recipient.city, "state": recipient.state, "zip": recipient.zip,
    });
    propose(
        toolbox,
        Draft {
            tool: ToolName::PlaceOrder,
            arguments,
            title: format!("Place an order of {total}"),
            details,
            order_id: None,
            amount: Some(total.to_string()),
            facts: json!({"lines": check.lines, "subtotal": check.subtotal.to_string(),
                          "shipping": shipping.to_string(), "total": total.to_string()}),
        },
        session,
        now,
    )
    .await
}

async fn search_products(toolbox: &Toolbox, v: &Value) -> Outcome {
    let query = opt_str(v, "query").unwrap_or_default();
    if query.chars().count() > 200 {
        return invalid("query is longer than 200 characters");
    }
    let category = opt_str(v, "category")
        .map(|c| args::category(&c))
        .transpose()
        .map_err(ToolError::Invalid)?;
    let min_price = opt_num(v, "min_price")?
        .map(|d| args::dollars(d, "min_price"))
        .transpose()
        .map_err(ToolError::Invalid)?;
    let max_price = opt_num(v, "max_price")?
        .map(|d| args::dollars(d, "max_price"))
        .transpose()
        .map_err(ToolError::Invalid)?;
    if let (Some(lo), Some(hi)) = (min_price, max_price)
        && lo > hi
    {
        return invalid("min_price is above max_price");
    }
    let in_stock_only = get(v, "in_stock_only")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    // Words that only restate the category ("monitors") would exclude matches by name.
    let words: Vec<String> = kb::keyword::terms(&query)
        .into_iter()
        .filter(|w| {
            args::category(w).is_err()
                && !matches!(
                    w.as_str(),
                    "product"
                        | "cheap"
                        | "best"
                        | "good"
                        | "buy"
                        | "want"
                        | "need"
                        | "looking"
                        | "recommend"
                        | "show"
                        | "under"
                        | "below"
                        | "dollar"
                        | "price"
                )
        })
        .collect();
    let search = |words: Vec<String>| ProductSearch {
        words,
        category: category.clone(),
        min_price,
        max_price,
        in_stock_only,
        limit: 10,
    };
    let mut found = toolbox
        .store
        .search_products(&search(words.clone()))
        .await?;
    // All words at once may be too strict; fall back to any single word.
    if found.is_empty() && words.len() > 1 {
        for word in &words {
            for p in toolbox
                .store
                .search_products(&search(vec![word.clone()]))
                .await?
            {
                if !found.iter().any(|f| f.id == p.id) {
                    found.push(p);
                }
            }
        }
        found.truncate(10);
    }
    let summary = format!("{} product(s) found", found.len());
    let list: Vec<ProductBrief> = found.iter().map(ProductBrief::from).collect();
    done(json!({"products": list}), summary)
}

async fn resolve_product(toolbox: &Toolbox, v: &Value) -> Result<ProductRecord, ToolError> {
    if let Some(id) = opt_int(v, "product_id")? {
        return toolbox
            .store
            .product(id)
            .await?
            .ok_or_else(|| ToolError::Invalid(format!("there is no product {id}")));
    }
    let name = opt_str(v, "product")
        .ok_or_else(|| ToolError::Invalid("product_id or product is required".into()))?;
    let catalogue = toolbox.catalogue().await?;
    catalogue
        .resolve(&name)
        .cloned()
        .ok_or_else(|| ToolError::Invalid(format!("no single product matches \"{name}\"")))
}

async fn product_details(toolbox: &Toolbox, v: &Value) -> Outcome {
    let p = resolve_product(toolbox, v).await?;
    let summary = format!("{} ({}, {} in stock)", p.name, p.price_cents, p.stock);
    done(
        json!({
            "product_id": p.id, "sku": p.sku, "name": p.name, "category": p.category,
            "price": p.price_cents.to_string(), "stock": p.stock, "in_stock": p.stock > 0,
            "shipping_weight_lb": format!("{:.2}", p.shipping_weight_oz as f64 / 16.0),
            "return_window_days": commerce::return_window_days(&p.category),
            "description": p.description, "specifications": p.specifications,
        }),
        summary,
    )
}

async fn check_inventory(toolbox: &Toolbox, v: &Value) -> Outcome {
    let mut products = Vec::new();
    if let Some(Value::Array(ids)) = get(v, "product_ids") {
        for id in ids {
            let id = match id {
                Value::Number(n) => n.as_i64(),
                Value::String(s) => s.trim().parse().ok(),
                _ => None,
            }
            .ok_or_else(|| ToolError::Invalid("product_ids must be whole numbers".into()))?;
            products.push(
                toolbox
                    .store
                    .product(id)
                    .await?
                    .ok_or_else(|| ToolError::Invalid(format!("there is no product {id}")))?,
            );
        }
    }
    if let Some(Value::Array(names)) = get(v, "products") {
        let catalogue = toolbox.catalogue().await?;
        for name in names.iter().filter_map(Value::as_str) {
            let p = catalogue.resolve(name).ok_or_else(|| {
                ToolError::Invalid(format!("no single product matches \"{name}\""))
            })?;
            products.push(p.clone());
        }
    }
    if let Some(id) = opt_int(v, "product_id")? {
        products.push(
            toolbox
                .store
                .product(id)
                .await?
                .ok_or_else(|| ToolError::Invalid(format!("there is no product {id}")))?,
        );
    }
    if products.is_empty() {
        return invalid("name at least one product (product_ids or products)");
    }
    products.dedup_by_key(|p| p.id);
    let summary = products
        .iter()
        .map(|p| format!("{}: {}", p.name, p.stock))
        .collect::<Vec<_>>()
        .join("; ");
    let list: Vec<ProductBrief> = products.iter().map(ProductBrief::from).collect();
    done(json!({"products": list}), summary)
}

async fn weigh(
    toolbox: &Toolbox,
    items: &[ItemArg],
) -> Result<(i64, Vec<ProductRecord>), ToolError> {
    let mut ounces = 0i64;
    let mut products = Vec::new();
    for item in items {
        let p = toolbox
            .store
            .product(item.product_id)
            .await?
            .ok_or_else(|| {
                ToolError::Invalid(format!("there is no product {}", item.product_id))
            })?;
        ounces = ounces.saturating_add(p.shipping_weight_oz.saturating_mul(item.quantity));
        products.push(p);
    }
    Ok((ounces, products))
}

async fn estimate_shipping(toolbox: &Toolbox, v: &Value) -> Outcome {
    let zip = args::zip(&req_str(v, "zip")?).map_err(ToolError::Invalid)?;
    let items = items(v, "items", 1)?;
    if items.is_empty() {
        return invalid("items is required: the products (and quantities) to ship");
    }
    let (ounces, products) = weigh(toolbox, &items).await?;
    let rates = toolbox.store.shipping_rates_at(&zip).await?;
    if rates.is_empty() {
        return Err(ToolError::Refused(format!(
            "no carrier we use delivers to ZIP {zip} yet"
        )));
    }
    let mut quotes: Vec<CarrierQuote> = rates
        .iter()
        .filter_map(|r| {
            let price = r
                .base_rate_cents
                .checked_add(r.per_lb_cents.per_lb_for_ounces(ounces)?)?;
            Some(CarrierQuote {
                carrier: r.carrier.clone(),
                service: r.service_type.clone(),
                price: price.to_string(),
                price_cents: price.0,
                estimated_days: r.estimated_days,
            })
        })
        .collect();
    quotes.sort_by_key(|q| (q.price_cents, q.estimated_days));
    let subtotal = items
        .iter()
        .zip(&products)
        .try_fold(Cents(0), |acc, (i, p)| {
            acc.checked_add(p.price_cents.times(i.quantity)?)
        })
        .unwrap_or_default();
    let store_charge = commerce::shipping_for(subtotal);
    let cheapest = quotes
        .first()
        .map(|q| format!("{} {} {}", q.carrier, q.service, q.price));
    let fastest = quotes
        .iter()
        .min_by_key(|q| (q.estimated_days, q.price_cents))
        .map(|q| format!("{} {} in {} day(s)", q.carrier, q.service, q.estimated_days));
    let summary = format!(
        "{} option(s) to {zip}; cheapest {}",
        quotes.len(),
        cheapest.clone().unwrap_or_default()
    );
    done(
        json!({
            "zip": zip,
            "weight_lb": format!("{:.2}", ounces as f64 / 16.0),
            "options": quotes,
            "cheapest": cheapest,
            "fastest": fastest,
            "store_shipping_charge": store_charge.to_string(),
            "note": "Orders of $500 or more ship free; smaller orders pay a flat $9.99.",
        }),
        summary,
    )
}

struct DraftCheck {
    missing: Vec<&'static str>,
    problems: Vec<String>,
    lines: Vec<Value>,
    subtotal: Cents,
    recipient: Option<Recipient>,
    items: Vec<ItemArg>,
}

async fn check_draft(
    toolbox: &Toolbox,
    v: &Value,
    session: &Session,
) -> Result<DraftCheck, ToolError> {
    let items = items(v, "items", 1)?;
    let mut missing = Vec::new();
    let mut problems = Vec::new();
    if items.is_empty() {
        missing.push("items");
    }
    let mut lines = Vec::new();
    let mut subtotal = Cents(0);
    for item in &items {
        match toolbox.store.product(item.product_id).await? {
            None => problems.push(format!("there is no product {}", item.product_id)),
            Some(p) => {
                if p.stock < item.quantity {
                    problems.push(format!(
                        "only {} of {} in stock (asked for {})",
                        p.stock, p.name, item.quantity
                    ));
                }
                let line = p.price_cents.times(item.quantity).unwrap_or_default();
                subtotal = subtotal.checked_add(line).unwrap_or(subtotal);
                lines.push(json!({"product_id": p.id, "name": p.name, "quantity": item.quantity,
                                  "unit_price": p.price_cents.to_string(), "line_total": line.to_string()}));
            }
        }
    }
    let mut field =
        |key: &'static str, check: fn(&str) -> Result<String, String>| match opt_str(v, key) {
            None => {
                missing.push(key);
                None
            }
            Some(value) => match check(&value) {
                Ok(ok) => Some(ok),
                Err(e) => {
                    problems.push(e);
                    None
                }
            },
        };
    let name = field("name", |s| args::text(s, "name", 100));
    let email = field("email", args::email);
    let phone = field("phone", args::phone);
    let street = field("street", |s| args::text(s, "street", 200));
    let city = field("city", |s| args::text(s, "city", 100));
    let state = field("state", args::state);
    let zip = field("zip", args::zip);
    let _ = session;
    let recipient = match (name, email, phone, street, city, state, zip) {
        (
            Some(name),
            Some(email),
            Some(phone),
            Some(street),
            Some(city),
            Some(state),
            Some(zip),
        ) => Some(Recipient {
            name,
            email,
            phone,
            street,
            city,
            state,
            zip,
        }),
        _ => None,
    };
    Ok(DraftCheck {
        missing,
        problems,
        lines,
        subtotal,
        recipient,
        items,
    })
}

async fn draft_order(toolbox: &Toolbox, v: &Value, session: &mut Session) -> Outcome {
    let check = check_draft(toolbox, v, session).await?;
    let shipping = commerce::shipping_for(check.subtotal);
    let total = check
        .subtotal
        .checked_add(shipping)
        .unwrap_or(check.subtotal);
    let ready = check.missing.is_empty() && check.problems.is_empty();
    let summary = if ready {
        format!("ready: total {total}")
    } else if !check.problems.is_empty() {
        format!("problems: {}", check.problems.join("; "))
    } else {
        format!("missing: {}", check.missing.join(", "))
    };
    done(
        json!({
            "ready": ready,
            "missing": check.missing,
            "problems": check.problems,
            "lines": check.lines,
            "subtotal": check.subtotal.to_string(),
            "shipping": shipping.to_string(),
            "total": total.to_string(),
        }),
        summary,
    )
}

async fn place_order(
    toolbox: &Toolbox,
    v: &Value,
    session: &mut Session,
    now: DateTime<Utc>,
) -> Outcome {
    let (check, recipient) = complete_draft(toolbox, v, session).await?;
    // One order per conversation and content: a retried call finds the first one.
    let mut lines: Vec<(i64, i64)> = check
        .items
        .iter()
        .map(|i| (i.product_id, i.quantity))
        .collect();
    lines.sort();
    let key = format!(
        "{}:{}:{}",
        session.conversation_id,
        recipient.email,
        lines
            .iter()
            .map(|(p, q)| format!("{p}x{q}"))
            .collect::<Vec<_>>()
            .join(",")
    );
    let placed = toolbox
        .store
        .place_order(
            &NewOrder {
                recipient: recipient.clone(),
                lines,
                idempotency_key: Some(key),
            },
            now,
        )
        .await?;
    session.verified_email = Some(recipient.email.clone());
    session.customer_name = Some(recipient.name.clone());
    let summary = if placed.already_placed {
        format!(
            "order {} was already placed (not placed twice)",
            placed.order.id
        )
    } else {
        format!(
            "order {} placed, total {}",
            placed.order.id, placed.order.total_cents
        )
    };
    let mut view = serde_json::to_value(order_view(&placed.order))
        .map_err(|e| ToolError::Internal(e.to_string()))?;
    if let Value::Object(map) = &mut view {
        map.insert("already_placed".into(), Value::Bool(placed.already_placed));
    }
    Ok(Done {
        result: view,
        summary,
        citations: Vec::new(),
        proposal: None,
    })
}

async fn list_orders(toolbox: &Toolbox, v: &Value, session: &mut Session) -> Outcome {
    let email = match opt_str(v, "email") {
        Some(e) => args::email(&e).map_err(ToolError::Invalid)?,
        None => session
            .proven_email
            .clone()
            .ok_or_else(|| ToolError::Invalid("email is required".into()))?,
    };
    // Knowing an address is no proof of owning it: order numbers are listed only for an email
    // proven by a one-time code in this conversation.
    if !session
        .proven_email
        .as_deref()
        .is_some_and(|p| p.eq_ignore_ascii_case(&email))
    {
        return Err(ToolError::Identity(
            "To list the orders of an email address I first need to confirm it's yours: I can email a one-time code to it.".into(),
        ));
    }
    let orders = toolbox.store.orders_for_email(&email).await?;
    let summary = format!("{} order(s) for {email}", orders.len());
    let list: Vec<Value> = orders
        .iter()
        .map(|o| json!({"order_id": o.id, "status": o.status, "total": o.total_cents.to_string(),
                        "items": o.item_count, "placed": o.created_at.format("%Y-%m-%d").to_string()}))
        .collect();
    done(json!({"email": email, "orders": list}), summary)
}

async fn modify_order(
    toolbox: &Toolbox,
    v: &Value,
    session: &mut Session,
    now: DateTime<Utc>,
) -> Outcome {
    let (order, email) = owned_order(toolbox, v, session).await?;
    let change = order_change(v)?;
    let updated = toolbox
        .store
        .modify_order(order.id, &email, &change, now)
        .await?;
    let summary = format!(
        "order {} updated, total {}",
        updated.id, updated.total_cents
    );
    done(order_view(&updated), summary)
}

async fn initiate_return(
    toolbox: &Toolbox,
    v: &Value,
    session: &mut Session,
    now: DateTime<Utc>,
) -> Outcome {
    let (order, email, reason, lines) = return_request(toolbox, v, session).await?;
    let created = toolbox
        .store
        .initiate_return(order.id, &email, &lines, &reason, now)
        .await?;
    let summary = format!(
        "return {} opened for order {}, refund {}",
        created.id, created.order_id, created.refund_cents
    );
    done(
        json!({
            "return_id": created.id, "order_id": created.order_id, "status": created.status,
            "refund": created.refund_cents.to_string(), "reason": created.reason,
            "lines": return_lines(&created.lines),
            "next_step": "A prepaid return label is emailed; the refund follows inspection.",
        }),
        summary,
    )
}

async fn search_kb(toolbox: &Toolbox, v: &Value) -> Outcome {
    let query = args::text(&req_str(v, "query")?, "query", 500).map_err(ToolError::Invalid)?;
    let Some(kb) = &toolbox.kb else {
        return Err(ToolError::Internal(
            "the knowledge base is not available right now".into(),
        ));
    };
    let filter = kb::SearchFilter {
        audience: opt_str(v, "audience"),
        doc_type: opt_str(v, "doc_type"),
        category: opt_str(v, "category"),
    };
    let passages = kb.search(&query, &filter, 5).await.map_err(|e| {
        tracing::error!(error = %e, "knowledge base search failed");
        ToolError::Internal("the knowledge base is not answering right now".into())
    })?;
    let citations = passages
        .iter()
        .map(|p| Citation {
            id: p.id.clone(),
            title: p.title.clone(),
            score: p.score,
        })
        .collect();
    let summary = match passages.first() {
        Some(p) => format!(
            "{} passage(s); best: {} ({:.2})",
            passages.len(),
            p.title,
            p.score
        ),
        None => "nothing found".into(),
    };
    Ok(Done {
        result: json!({"passages": passages.iter().map(|p| json!({
            "id": p.id, "title": p.title, "audience": p.audience, "doc_type": p.doc_type,
            "category": p.category, "score": (p.score * 1000.0).round() / 1000.0, "content": p.content,
        })).collect::<Vec<_>>()}),
        summary,
        citations,
        proposal: None,
    })
}

async fn ticket_owner(
    toolbox: &Toolbox,
    v: &Value,
    session: &mut Session,
) -> Result<(String, String, Option<i64>), ToolError> {
    let email = opt_str(v, "email")
        .map(|e| args::email(&e))
        .transpose()
        .map_err(ToolError::Invalid)?
        .or_else(|| session.verified_email.clone());
    let order_id = opt_int(v, "order_id")?;
    if let Some(id) = order_id {
        // A ticket about an order is tied to it only for its owner.
        let owned = match (&email, toolbox.store.order_detail(id).await?) {
            (Some(e), Some(o)) => o.customer_email.eq_ignore_ascii_case(e),
            _ => false,
        };
        if !owned {
            return Err(identity_refusal(id));
        }
    }
    let name = opt_str(v, "name")
        .or_else(|| session.customer_name.clone())
        .unwrap_or_else(|| "Customer".into());
    Ok((
        name,
        email.unwrap_or_else(|| "unknown@customer.invalid".into()),
        order_id,
    ))
}

async fn create_ticket(
    toolbox: &Toolbox,
    v: &Value,
    session: &mut Session,
    now: DateTime<Utc>,
) -> Outcome {
    let (name, email, order_id) = ticket_owner(toolbox, v, session).await?;
    if email.ends_with(".invalid") {
        return invalid("email is required so the team can reply");
    }
    let subject =
        args::text(&req_str(v, "subject")?, "subject", 200).map_err(ToolError::Invalid)?;
    let description =
        args::text(&req_str(v, "description")?, "description", 4000).map_err(ToolError::Invalid)?;
    let category = args::ticket_category(&opt_str(v, "category").unwrap_or_default());
    let priority = args::priority(&opt_str(v, "priority").unwrap_or_else(|| "medium".into()))
        .map_err(ToolError::Invalid)?;
    let team = team_for(&category);
    let ticket = toolbox
        .store
        .create_ticket(
            &NewTicket {
                customer_name: name,
                customer_email: email,
                order_id,
                subject,
                description,
                category,
                priority,
                assigned_team: Some(team.into()),
                conversation_id: Some(session.conversation_id.clone()),
            },
            now,
        )
        .await?;
    let summary = format!("ticket {} ({}, {})", ticket.id, ticket.priority, team);
    done(
        json!({"ticket_id": ticket.id, "subject": ticket.subject, "priority": ticket.priority,
               "status": ticket.status, "team": ticket.assigned_team}),
        summary,
    )
}

fn team_for(category: &str) -> &'static str {
    match category {
        "billing" => "Billing",
        "returns" => "Returns Desk",
        "shipping" => "Logistics",
        "technical" | "bug_report" => "Tier 2 Support",
        "privacy" => "Privacy",
        _ => "Tier 1 General",
    }
}

async fn escalate(
    toolbox: &Toolbox,
    v: &Value,
    session: &mut Session,
    now: DateTime<Utc>,
) -> Outcome {
    let reason = args::text(&req_str(v, "reason")?, "reason", 2000).map_err(ToolError::Invalid)?;
    // An escalation never fails for a missing or unproven order: the person still gets a human,
    // the ticket just is not tied to the order.
    let (name, email, order_id) = match ticket_owner(toolbox, v, session).await {
        Ok(owner) => owner,
        Err(ToolError::Identity(_)) => {
            let name = session
                .customer_name
                .clone()
                .unwrap_or_else(|| "Customer".into());
            let email = session
                .verified_email
                .clone()
                .unwrap_or_else(|| "unknown@customer.invalid".into());
            (name, email, None)
        }
        Err(e) => return Err(e),
    };
    let priority = match opt_str(v, "priority").as_deref() {
        Some("urgent") => "urgent",
        _ => "high",
    };
    let subject: String = reason.chars().take(80).collect();
    let ticket = toolbox
        .store
        .create_ticket(
            &NewTicket {
                customer_name: name,
                customer_email: email,
                order_id,
                subject: format!("Escalation: {subject}"),
                description: reason,
                category: "general".into(),
                priority: priority.into(),
                assigned_team: Some("Escalations".into()),
                conversation_id: Some(session.conversation_id.clone()),
            },
            now,
        )
        .await?;
    toolbox
        .store
        .set_conversation_status(&session.conversation_id, "escalated")
        .await?;
    let summary = format!("escalated: ticket {} ({priority})", ticket.id);
    done(
        json!({"ticket_id": ticket.id, "priority": ticket.priority, "team": "Escalations",
               "conversation_status": "escalated"}),
        summary,
    )
}
