//! Tools about an existing order: listing a proven customer's orders, and proposing and
//! carrying out a cancellation, a change or a return.

use super::*;

/// The arguments a confirmation runs with: as given, with the email that proved the order.
pub(super) fn with_email(v: &Value, email: &str) -> Value {
    let mut args = v.as_object().cloned().unwrap_or_default();
    args.insert("email".into(), json!(email));
    Value::Object(args)
}

pub(super) fn line_texts(o: &OrderDetail) -> Vec<String> {
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

pub(super) async fn propose_cancel(
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

pub(super) fn order_change(v: &Value) -> Result<OrderChange, ToolError> {
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

pub(super) async fn propose_change(
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
pub(super) fn return_lines(lines: &[store::commerce::ReturnLine]) -> Vec<ReturnLineView> {
    lines
        .iter()
        .map(|l| ReturnLineView {
            product_id: l.product_id,
            name: l.product_name.clone(),
            quantity: l.quantity,
            refund: l.refund_cents.to_string(),
        })
        .collect()
}

/// A return's order (proven by its email), reason and (product, quantity) lines, as proposing
/// and opening it both read them.
pub(super) async fn return_request(
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

pub(super) async fn propose_return(
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

pub(super) async fn list_orders(toolbox: &Toolbox, v: &Value, session: &mut Session) -> Outcome {
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
    let orders = orders
        .iter()
        .map(|o| OrderSummaryView {
            order_id: o.id,
            status: o.status.clone(),
            total: o.total_cents.to_string(),
            items: o.item_count,
            placed: o.created_at.format("%Y-%m-%d").to_string(),
        })
        .collect();
    done(OrderList { email, orders }, summary)
}

pub(super) async fn modify_order(
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

pub(super) async fn initiate_return(
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
