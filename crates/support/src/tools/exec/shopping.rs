//! Tools about the catalogue: search, details, stock, shipping quotes, drafts and new orders.

use super::*;

/// A draft with nothing missing and no problem, and who it goes to (placing and proposing to
/// place check the same things).
pub(super) async fn complete_draft(
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

pub(super) async fn propose_order(
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
        .map(|l| format!("{} × {} — {}", l.quantity, l.name, l.line_total))
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

pub(super) async fn search_products(toolbox: &Toolbox, v: &Value) -> Outcome {
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
    let products = found.iter().map(ProductBrief::from).collect();
    done(ProductList { products }, summary)
}

pub(super) async fn resolve_product(
    toolbox: &Toolbox,
    v: &Value,
) -> Result<ProductRecord, ToolError> {
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

pub(super) async fn product_details(toolbox: &Toolbox, v: &Value) -> Outcome {
    let p = resolve_product(toolbox, v).await?;
    let summary = format!("{} ({}, {} in stock)", p.name, p.price_cents, p.stock);
    done(
        ProductView {
            product_id: p.id,
            sku: p.sku.clone(),
            name: p.name.clone(),
            category: p.category.clone(),
            price: p.price_cents.to_string(),
            stock: p.stock,
            in_stock: p.stock > 0,
            shipping_weight_lb: format!("{:.2}", p.shipping_weight_oz as f64 / 16.0),
            return_window_days: commerce::return_window_days(&p.category),
            description: p.description.clone(),
            specifications: p.specifications.clone(),
        },
        summary,
    )
}

pub(super) async fn check_inventory(toolbox: &Toolbox, v: &Value) -> Outcome {
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
    let products = products.iter().map(ProductBrief::from).collect();
    done(ProductList { products }, summary)
}

pub(super) async fn weigh(
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

pub(super) async fn estimate_shipping(toolbox: &Toolbox, v: &Value) -> Outcome {
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
        ShippingQuote {
            zip,
            weight_lb: format!("{:.2}", ounces as f64 / 16.0),
            options: quotes,
            cheapest,
            fastest,
            store_shipping_charge: store_charge.to_string(),
            note: "Orders of $500 or more ship free; smaller orders pay a flat $9.99.".into(),
        },
        summary,
    )
}

pub(super) struct DraftCheck {
    missing: Vec<&'static str>,
    problems: Vec<String>,
    lines: Vec<DraftLine>,
    subtotal: Cents,
    recipient: Option<Recipient>,
    items: Vec<ItemArg>,
}

pub(super) async fn check_draft(
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
                lines.push(DraftLine {
                    product_id: p.id,
                    name: p.name.clone(),
                    quantity: item.quantity,
                    unit_price: p.price_cents.to_string(),
                    line_total: line.to_string(),
                });
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

pub(super) async fn draft_order(toolbox: &Toolbox, v: &Value, session: &mut Session) -> Outcome {
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
        DraftView {
            ready,
            missing: check.missing.iter().map(|m| m.to_string()).collect(),
            problems: check.problems,
            lines: check.lines,
            subtotal: check.subtotal.to_string(),
            shipping: shipping.to_string(),
            total: total.to_string(),
        },
        summary,
    )
}

pub(super) async fn place_order(
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
