//! Requests about the catalogue: search, details, stock, shipping quotes and new orders.

use super::*;

impl Planner {
    pub(super) async fn product_search(
        &self,
        text: &str,
        runner: &mut ToolRunner<'_>,
    ) -> PlannerReply {
        let mut args = Map::new();
        let (min, max) = extract::price_range(text);
        if let Some(c) = extract::category(text) {
            args.insert("category".into(), json!(c));
        }
        if let Some(min) = min {
            args.insert("min_price".into(), json!(min));
        }
        if let Some(max) = max {
            args.insert("max_price".into(), json!(max));
        }
        // What customers say for a feature the catalogue names otherwise.
        let text = &text
            .to_lowercase()
            .replace("underwater", "waterproof")
            .replace("under water", "waterproof")
            .replace("swimming", "waterproof")
            .replace("diving", "waterproof");
        let words: Vec<String> = kb::keyword::terms(text)
            .into_iter()
            .filter(|w| w.chars().any(char::is_alphabetic) && !SEARCH_NOISE.contains(&w.as_str()))
            .collect();
        if !words.is_empty() && !args.contains_key("category") {
            args.insert("query".into(), json!(words.join(" ")));
        } else if args.contains_key("category") {
            // Features ("noise cancelling", "wireless") narrow within the category.
            let features: Vec<&String> = words
                .iter()
                .filter(|w| FEATURES.contains(&w.as_str()))
                .collect();
            if !features.is_empty() {
                args.insert(
                    "query".into(),
                    json!(
                        features
                            .iter()
                            .map(|w| w.as_str())
                            .collect::<Vec<_>>()
                            .join(" ")
                    ),
                );
            }
        }
        let outcome = runner
            .call(ToolName::SearchProducts, Value::Object(args))
            .await;
        let Some(ProductList { products }) = outcome.read() else {
            return refusal_reply(&outcome);
        };
        if products.is_empty() {
            return PlannerReply { text: "I couldn't find a product matching that. We sell headphones, cameras, monitors, keyboards, speakers and accessories — could you describe what you need differently, or widen the budget?".into(), suggestions: vec!["Show me headphones".into(), "Show me monitors".into()], intent: None };
        }
        let mut t = String::from("Here's what I found:\n\n");
        for p in products.iter().take(5) {
            let stock = if p.in_stock {
                "in stock"
            } else {
                "out of stock"
            };
            let _ = writeln!(t, "- **{}** — {} ({})", p.name, p.price, stock);
        }
        if products.len() > 5 {
            let _ = write!(t, "\n…and {} more.", products.len() - 5);
        }
        let suggestions = products
            .iter()
            .take(2)
            .map(|p| format!("Tell me about the {}", p.name))
            .collect();
        PlannerReply {
            text: t,
            suggestions,
            intent: None,
        }
    }

    pub(super) async fn product_details(
        &self,
        text: &str,
        state: &mut PlannerState,
        runner: &mut ToolRunner<'_>,
        catalogue: &Catalogue,
    ) -> PlannerReply {
        state.pending = None;
        // Several products named ("how much are the vista 27 and the arc 34"): one line each.
        let named: Vec<i64> = catalogue
            .mentions(text)
            .iter()
            .map(|m| m.product_id)
            .take(4)
            .collect();
        if named.len() > 1 {
            let mut t = String::new();
            for id in &named {
                let outcome = runner
                    .call(ToolName::GetProductDetails, json!({"product_id": id}))
                    .await;
                let Some(p) = outcome.read::<ProductView>() else {
                    return refusal_reply(&outcome);
                };
                let stock = if p.in_stock {
                    format!("{} in stock", p.stock)
                } else {
                    "out of stock".into()
                };
                let _ = writeln!(t, "- **{}** — {} · {stock}", p.name, p.price);
            }
            return PlannerReply {
                text: t.trim_end().to_string(),
                suggestions: vec!["Estimate shipping".into(), "Compare them".into()],
                intent: None,
            };
        }
        let Some(product) = pick_product(text, state, catalogue) else {
            return self.knowledge(text, runner, None).await;
        };
        let outcome = runner
            .call(ToolName::GetProductDetails, json!({"product_id": product}))
            .await;
        let Some(p) = outcome.read::<ProductView>() else {
            return refusal_reply(&outcome);
        };
        let mut t = format!(
            "**{}** — {} · {}\n\n{}\n\nSpecifications: {}",
            p.name,
            p.price,
            if p.in_stock {
                format!("{} in stock", p.stock)
            } else {
                "out of stock".into()
            },
            p.description,
            p.specifications
        );
        // A specific question ("is it waterproof?") gets the product's help-center passage too.
        let lower = text.to_lowercase();
        if lower.contains('?')
            || lower.starts_with("does")
            || lower.starts_with("is ")
            || lower.starts_with("can")
        {
            let kb = runner
                .call(
                    ToolName::SearchKnowledgeBase,
                    json!({"query": text, "category": p.category}),
                )
                .await;
            if let Some(found) = kb.read::<KnowledgeResult>()
                && let Some(passage) = found.passages.first()
            {
                runner.cite(&passage.id);
                let _ = write!(t, "\n\n{} [1]", passage.content);
            }
        }
        PlannerReply {
            text: t,
            suggestions: vec![
                format!("Is the {} in stock?", p.name),
                "Estimate shipping".into(),
            ],
            intent: None,
        }
    }

    pub(super) async fn inventory(
        &self,
        text: &str,
        state: &mut PlannerState,
        runner: &mut ToolRunner<'_>,
        catalogue: &Catalogue,
    ) -> PlannerReply {
        let mentioned = extract::items(text, catalogue);
        let ids: Vec<i64> = if mentioned.is_empty() {
            state.slots.items.iter().map(|i| i.product_id).collect()
        } else {
            mentioned.iter().map(|i| i.product_id).collect()
        };
        if ids.is_empty() {
            state.pending = Some(Intent::Inventory);
            return PlannerReply {
                text: "Which product would you like me to check?".into(),
                suggestions: Vec::new(),
                intent: None,
            };
        }
        state.pending = None;
        let outcome = runner
            .call(ToolName::CheckInventory, json!({"product_ids": ids}))
            .await;
        let Some(ProductList { products }) = outcome.read() else {
            return refusal_reply(&outcome);
        };
        let mut t = String::new();
        let mut out_of_stock_category = None;
        for p in products {
            let stock = p.stock;
            if stock == 0 {
                let _ = writeln!(t, "- **{}** is out of stock right now.", p.name);
                out_of_stock_category = Some(p.category);
            } else if stock < 5 {
                let _ = writeln!(t, "- **{}** is in stock, but only {stock} left.", p.name);
            } else {
                let _ = writeln!(t, "- **{}** is in stock ({stock} available).", p.name);
            }
        }
        if let Some(category) = out_of_stock_category {
            let alternatives = runner
                .call(
                    ToolName::SearchProducts,
                    json!({"category": category, "in_stock_only": true}),
                )
                .await;
            let names: Vec<String> = alternatives
                .read::<ProductList>()
                .map(|l| l.products)
                .unwrap_or_default()
                .iter()
                .take(3)
                .map(|p| format!("{} ({})", p.name, p.price))
                .collect();
            if !names.is_empty() {
                let _ = write!(
                    t,
                    "\nSimilar products that are available: {}.",
                    names.join(", ")
                );
            }
        }
        PlannerReply {
            text: t,
            suggestions: vec!["Estimate shipping".into()],
            intent: None,
        }
    }

    pub(super) async fn shipping(
        &self,
        state: &mut PlannerState,
        runner: &mut ToolRunner<'_>,
    ) -> PlannerReply {
        let slots = &state.slots;
        if slots.items.is_empty() || slots.zip.is_none() {
            state.pending = Some(Intent::Shipping);
            let ask = match (slots.items.is_empty(), slots.zip.is_none()) {
                (true, true) => "Which products would you like to ship, and to which ZIP code?",
                (true, false) => "Which products (and how many) would you like to ship?",
                _ => "To which ZIP code?",
            };
            return PlannerReply {
                text: ask.into(),
                suggestions: Vec::new(),
                intent: None,
            };
        }
        state.pending = None;
        let items: Vec<Value> = slots
            .items
            .iter()
            .map(|i| json!({"product_id": i.product_id, "quantity": i.quantity}))
            .collect();
        let outcome = runner
            .call(
                ToolName::EstimateShipping,
                json!({"zip": slots.zip, "items": items}),
            )
            .await;
        let Some(r) = outcome.read::<ShippingQuote>() else {
            return refusal_reply(&outcome);
        };
        let mut t = format!("Shipping {} lb to {}:\n\n", r.weight_lb, r.zip);
        for o in &r.options {
            let _ = writeln!(
                t,
                "- {} {} — {} ({} day(s))",
                o.carrier, o.service, o.price, o.estimated_days
            );
        }
        let _ = write!(
            t,
            "\nCheapest: {}. Fastest: {}. For your order itself, shipping is **{}** (orders of $500 or more ship free; smaller ones pay a flat $9.99).",
            r.cheapest.unwrap_or_default(),
            r.fastest.unwrap_or_default(),
            r.store_shipping_charge
        );
        PlannerReply {
            text: t,
            suggestions: vec!["Place this order".into()],
            intent: None,
        }
    }

    pub(super) async fn place_order(
        &self,
        text: &str,
        state: &mut PlannerState,
        runner: &mut ToolRunner<'_>,
        catalogue: &Catalogue,
    ) -> PlannerReply {
        // "make it 2" with one product in the basket changes its quantity.
        let named = extract::items(text, catalogue);
        if named.is_empty()
            && state.slots.items.len() == 1
            && let Some(q) = extract::target_quantity(text)
            && (1..=20).contains(&q)
        {
            state.slots.items[0].quantity = q;
        }
        // New products named in this message replace or join the basket.
        for item in named {
            match state
                .slots
                .items
                .iter_mut()
                .find(|i| i.product_id == item.product_id)
            {
                Some(existing) => existing.quantity = item.quantity,
                None => state.slots.items.push(item),
            }
        }
        let slots = &state.slots;
        let mut args = Map::new();
        args.insert(
            "items".into(),
            json!(
                slots
                    .items
                    .iter()
                    .map(|i| json!({"product_id": i.product_id, "quantity": i.quantity}))
                    .collect::<Vec<_>>()
            ),
        );
        for (key, value) in [
            ("name", &slots.name),
            ("email", &slots.email),
            ("phone", &slots.phone),
            ("street", &slots.street),
            ("city", &slots.city),
            ("state", &slots.state),
            ("zip", &slots.zip),
        ] {
            if let Some(v) = value {
                args.insert(key.into(), json!(v));
            }
        }
        state.pending = Some(Intent::PlaceOrder);
        let outcome = runner
            .call(ToolName::DraftOrder, Value::Object(args.clone()))
            .await;
        let Some(DraftView {
            missing,
            problems,
            lines,
            subtotal,
            shipping,
            total,
            ..
        }) = outcome.read()
        else {
            return refusal_reply(&outcome);
        };
        let mut t = String::new();
        if !lines.is_empty() {
            t.push_str("Your order so far:\n\n");
            for l in &lines {
                let _ = writeln!(t, "- {} × {} — {}", l.quantity, l.name, l.line_total);
            }
            let _ = writeln!(
                t,
                "\nSubtotal {subtotal} · shipping {shipping} · **total {total}**\n"
            );
        }
        if !problems.is_empty() {
            let _ = write!(t, "There's a problem: {}.", problems.join("; "));
            return PlannerReply {
                text: t,
                suggestions: Vec::new(),
                intent: None,
            };
        }
        if missing.is_empty() {
            // Everything is known: the order becomes a proposal the customer confirms.
            state.pending = None;
            let proposed = runner.call(ToolName::PlaceOrder, Value::Object(args)).await;
            if !proposed.ok {
                return refusal_reply(&proposed);
            }
            return proposal_reply(&proposed);
        }
        let wanted: Vec<&str> = missing
            .iter()
            .map(|m| match m.as_str() {
                "items" => "which products (and how many)",
                "name" => "your full name (\"my name is …\")",
                "email" => "your email",
                "phone" => "a phone number",
                "street" | "city" | "state" | "zip" => {
                    "the delivery address as \"street, city, ST 12345\""
                }
                _ => "more details",
            })
            .collect();
        let mut wanted_unique: Vec<&str> = Vec::new();
        for w in wanted {
            if !wanted_unique.contains(&w) {
                wanted_unique.push(w);
            }
        }
        let _ = write!(t, "To place it I still need {}.", wanted_unique.join(", "));
        PlannerReply {
            text: t,
            suggestions: Vec::new(),
            intent: None,
        }
    }
}

/// Words of a request that say nothing about the product wanted.
pub(super) const SEARCH_NOISE: &[&str] = &[
    "looking",
    "recommend",
    "suggest",
    "sell",
    "show",
    "cheapest",
    "best",
    "under",
    "below",
    "over",
    "need",
    "want",
    "like",
    "good",
    "some",
    "something",
    "option",
    "product",
    "buy",
    "dollar",
    "price",
    "between",
    "budget",
    "less",
    "than",
    "more",
    "please",
    "one",
    "any",
    "also",
    "list",
];
pub(super) const FEATURES: &[&str] = &[
    "noise",
    "cancelling",
    "anc",
    "wireless",
    "bluetooth",
    "waterproof",
    "portable",
    "4k",
    "gaming",
    "ergonomic",
    "mechanical",
    "curved",
    "ultrawide",
    "smart",
    "studio",
    "action",
];

pub(super) fn pick_product(text: &str, state: &PlannerState, catalogue: &Catalogue) -> Option<i64> {
    catalogue
        .mentions(text)
        .first()
        .map(|m| m.product_id)
        .or_else(|| state.slots.items.first().map(|i| i.product_id))
}
