//! Requests about an existing order: status, the list of a customer's orders (after a one-time
//! code), cancelling, changing and returning, and questions about what those would do.

use super::*;
use crate::understanding::reading;

impl Planner {
    pub(super) async fn order_intent(
        &self,
        intent: Intent,
        text: &str,
        state: &mut PlannerState,
        runner: &mut ToolRunner<'_>,
        catalogue: &Catalogue,
    ) -> PlannerReply {
        debug_assert!(intent.needs_order());
        let slots = &state.slots;
        let Some(order_id) = slots.order_id else {
            state.pending = Some(intent);
            let proven = slots.email.as_deref().is_some_and(|e| {
                runner
                    .session
                    .proven_email
                    .as_deref()
                    .is_some_and(|p| p.eq_ignore_ascii_case(e))
            });
            if proven {
                let mut reply = self.list_orders(text, state, runner).await;
                state.pending = Some(intent);
                reply.text.push_str("\nWhich order do you mean?");
                return reply;
            }
            return PlannerReply {
                text: "Sure — what is the order number? I'll also need the email address used to place the order. If you don't have the number, I can email you a one-time code and then list your orders.".into(),
                suggestions: vec!["I don't have my order number".into()],
                intent: None,
            };
        };
        let Some(email) = slots.email.clone() else {
            state.pending = Some(intent);
            return PlannerReply {
                text: format!(
                    "To protect your account, I need the email address used to place order {order_id} before I can look at it or change it."
                ),
                suggestions: Vec::new(),
                intent: None,
            };
        };
        let base = json!({"order_id": order_id, "email": email});
        let reply = self
            .order_action(intent, text, order_id, base, state, runner, catalogue)
            .await;
        // A refused identity leaves the question open: the customer may correct the email.
        if runner
            .outcomes
            .last()
            .is_some_and(|(_, o)| o.error_kind.as_deref() == Some("identity"))
        {
            state.pending = Some(intent);
        }
        reply
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) async fn order_action(
        &self,
        intent: Intent,
        text: &str,
        order_id: i64,
        base: Value,
        state: &mut PlannerState,
        runner: &mut ToolRunner<'_>,
        catalogue: &Catalogue,
    ) -> PlannerReply {
        let slots = state.slots.clone();
        match intent {
            Intent::OrderStatus => {
                state.pending = None;
                let outcome = runner.call(ToolName::GetOrderStatus, base).await;
                let Some(o) = outcome.read::<OrderView>() else {
                    return refusal_reply(&outcome);
                };
                let mut t = format!(
                    "Order {} is **{}** ({}).\n\n",
                    o.order_id, o.status, o.next_step
                );
                for l in &o.lines {
                    let _ = writeln!(t, "- {} × {} — {}", l.quantity, l.name, l.line_total);
                }
                let _ = write!(
                    t,
                    "\n{} · {} · **{}**\n\nPlaced {}",
                    format_args!("Subtotal: {}", o.subtotal),
                    format_args!("Shipping: {}", o.shipping),
                    format_args!("Total: {}", o.total),
                    o.placed
                );
                if let Some(d) = &o.delivered {
                    let _ = write!(t, ", delivered {d}");
                }
                let _ = write!(t, ". Shipping to {}.", o.ship_to);
                let status = o.status.clone();
                let suggestions = match status.as_str() {
                    "pending" => vec![
                        "Cancel this order".into(),
                        "Change the delivery address".into(),
                    ],
                    "processing" => vec!["Cancel this order".into()],
                    "delivered" => vec!["Start a return".into(), "Status of my return".into()],
                    _ => vec!["Talk to a human".into()],
                };
                PlannerReply {
                    text: t,
                    suggestions,
                    intent: None,
                }
            }
            Intent::CancelOrder => {
                state.pending = None;
                let outcome = runner.call(ToolName::CancelOrder, base).await;
                if !outcome.ok {
                    let mut reply = refusal_reply(&outcome);
                    if outcome
                        .error
                        .as_deref()
                        .is_some_and(|e| e.contains("shipped") || e.contains("delivered"))
                    {
                        reply.text.push_str("\n\nA shipped order can't be cancelled: once it's delivered you can return it within the return window for a refund of the price you paid.");
                        reply.suggestions = vec!["What is your return policy?".into()];
                    }
                    return reply;
                }
                proposal_reply(&outcome)
            }
            Intent::ModifyOrder => {
                let mut args = base.as_object().cloned().unwrap_or_default();
                let mut changed = false;
                if let Some(phone) = extract::phone(text) {
                    args.insert("phone".into(), json!(phone));
                    changed = true;
                }
                if let Some(street) = &slots.street {
                    args.insert("street".into(), json!(street));
                    args.insert("city".into(), json!(slots.city));
                    args.insert("state".into(), json!(slots.state));
                    args.insert("zip".into(), json!(slots.zip));
                    changed = true;
                }
                let mut mentioned = extract::items(text, catalogue);
                // "make that 4" names no product: it is about the one being changed.
                if mentioned.is_empty() && extract::target_quantity(text).is_some() {
                    mentioned = slots.items.clone();
                }
                // "the keyboard" names a kind of product: the order's one line of that kind.
                if mentioned.is_empty()
                    && let Some(kind) = extract::category(text)
                    && let Ok(Some(order)) = runner.toolbox().store.order_detail(order_id).await
                {
                    let lines: Vec<_> = order.lines.iter().filter(|l| l.category == kind).collect();
                    if let [line] = lines.as_slice() {
                        mentioned = vec![crate::tools::args::ItemArg {
                            product_id: line.product_id,
                            quantity: line.quantity,
                        }];
                    }
                }
                if !mentioned.is_empty() {
                    let lower = text.to_lowercase();
                    // The current order tells "add one more" from "make it 3".
                    let current = runner
                        .toolbox()
                        .store
                        .order_detail(order_id)
                        .await
                        .ok()
                        .flatten();
                    let mut items = Vec::new();
                    for m in &mentioned {
                        let had = current
                            .as_ref()
                            .and_then(|o| o.lines.iter().find(|l| l.product_id == m.product_id))
                            .map(|l| l.quantity)
                            .unwrap_or(0);
                        let quantity = if lower.contains("remove")
                            || lower.contains("drop ")
                            || lower.contains("take off")
                            || lower.contains("cancel")
                        {
                            0
                        } else if let Some(q) = extract::target_quantity(text) {
                            q
                        } else if lower.contains("add")
                            || lower.contains("another")
                            || lower.contains("more")
                        {
                            had + m.quantity
                        } else {
                            m.quantity
                        };
                        items.push(json!({"product_id": m.product_id, "quantity": quantity}));
                    }
                    args.insert("items".into(), Value::Array(items));
                    changed = true;
                }
                if !changed {
                    // Only a pending order can change: say so before asking what to change.
                    let status = runner.call(ToolName::GetOrderStatus, base.clone()).await;
                    let Some(order) = status.read::<OrderView>() else {
                        return refusal_reply(&status);
                    };
                    if order.status != "pending" {
                        state.pending = None;
                        return PlannerReply {
                            text: format!(
                                "Order {order_id} is **{}**, so it can't be changed any more: only pending orders can. It is {}.",
                                order.status, order.next_step
                            ),
                            suggestions: vec!["Talk to a human".into()],
                            intent: None,
                        };
                    }
                    state.pending = Some(Intent::ModifyOrder);
                    return PlannerReply {
                        text: format!(
                            "What would you like to change on order {order_id}? You can change quantities (e.g. \"make the earbuds 2\"), remove a product, or give a new address as \"street, city, ST 12345\"."
                        ),
                        suggestions: Vec::new(),
                        intent: None,
                    };
                }
                state.pending = None;
                let outcome = runner
                    .call(ToolName::ModifyOrder, Value::Object(args))
                    .await;
                if !outcome.ok {
                    return refusal_reply(&outcome);
                }
                proposal_reply(&outcome)
            }
            Intent::ReturnRequest => {
                state.pending = None;
                let mut args = base.as_object().cloned().unwrap_or_default();
                let mentioned = extract::items(text, catalogue);
                let items: Vec<Value> = if mentioned.is_empty() {
                    state.slots.items.iter()
                } else {
                    mentioned.iter()
                }
                .map(|i| json!({"product_id": i.product_id, "quantity": i.quantity}))
                .collect();
                if !items.is_empty() {
                    args.insert("items".into(), Value::Array(items));
                }
                let reason = state
                    .slots
                    .reason
                    .clone()
                    .unwrap_or_else(|| "Requested in the support chat".to_string());
                args.insert("reason".into(), json!(reason));
                let outcome = runner
                    .call(ToolName::InitiateReturn, Value::Object(args))
                    .await;
                if !outcome.ok {
                    let mut reply = refusal_reply(&outcome);
                    if outcome
                        .error
                        .as_deref()
                        .is_some_and(|e| e.contains("within"))
                    {
                        let kb = runner.call(ToolName::SearchKnowledgeBase, json!({"query": "return window by category and warranty after the window", "audience": "customer", "category": "returns"})).await;
                        reply.text.push_str("\n\nIf it has a fault, it is still covered by the manufacturer warranty, and I can open a warranty ticket for you.");
                        if let Some(found) = kb.read::<KnowledgeResult>()
                            && let Some(p) = found.passages.first()
                        {
                            runner.cite(&p.id);
                            let _ = write!(reply.text, "\n\n> {} [1]", p.content);
                        }
                        reply.suggestions =
                            vec!["Open a warranty ticket".into(), "Talk to a human".into()];
                    }
                    return reply;
                }
                proposal_reply(&outcome)
            }
            Intent::ReturnStatus => {
                state.pending = None;
                let outcome = runner.call(ToolName::GetReturnStatus, base).await;
                let Some(ReturnsResult {
                    order_id: returned_order,
                    returns,
                }) = outcome.read()
                else {
                    return refusal_reply(&outcome);
                };
                if returns.is_empty() {
                    return PlannerReply {
                        text: format!(
                            "There are no returns on order {returned_order} yet. Would you like to start one?"
                        ),
                        suggestions: vec!["Start a return".into()],
                        intent: None,
                    };
                }
                let mut t = format!("Returns for order {returned_order}:\n\n");
                for ret in &returns {
                    let _ = writeln!(
                        t,
                        "- Return {} — **{}** — refund {} ({})",
                        ret.return_id, ret.status, ret.refund, ret.reason
                    );
                }
                if returns.iter().any(|r| r.status == "approved") {
                    t.push_str("\nApproved refunds go back to the original payment method; banks take 5–10 business days to show them.");
                }
                PlannerReply {
                    text: t,
                    suggestions: Vec::new(),
                    intent: None,
                }
            }
            _ => PlannerReply {
                text: String::new(),
                suggestions: Vec::new(),
                intent: None,
            },
        }
    }

    pub(super) async fn list_orders(
        &self,
        text: &str,
        state: &mut PlannerState,
        runner: &mut ToolRunner<'_>,
    ) -> PlannerReply {
        let wants_list = reading::asks_for_order_list(text) || state.code_for_list;
        let Some(email) = state.slots.email.clone() else {
            state.pending = Some(Intent::ListOrders);
            return PlannerReply {
                text: "What email address did you use for your orders? I'll email a one-time code to it to make sure it's yours.".into(),
                suggestions: Vec::new(),
                intent: None,
            };
        };
        state.pending = None;
        let proven = runner
            .session
            .proven_email
            .as_deref()
            .is_some_and(|p| p.eq_ignore_ascii_case(&email));
        if !proven && !wants_list {
            // "I want to know about my order": the number is the simple way; the code is offered.
            state.pending = Some(Intent::OrderStatus);
            return PlannerReply {
                text: "Sure — what is the order number? If you don't have it, I can email a one-time code to your address and then list your orders.".into(),
                suggestions: vec!["I don't have my order number".into()],
                intent: None,
            };
        }
        if !proven {
            // Knowing an address proves nothing: a code mailed to it does.
            let sent = runner
                .call(ToolName::SendVerificationCode, json!({"email": email}))
                .await;
            let Some(code) = sent.read::<CodeSent>() else {
                return refusal_reply(&sent);
            };
            state.code_for = Some(email);
            state.code_for_list = true;
            let demo = code.delivery == crate::tools::mail::DEMO_INBOX;
            return PlannerReply {
                text: format!(
                    "To keep your orders private, I've emailed a 6-digit code to {}. Type it here and I'll list your orders (it expires in 10 minutes).{}",
                    code.sent_to,
                    if demo {
                        " This demo sends no real email: the message is in the [demo inbox](/support/inbox)."
                    } else {
                        ""
                    }
                ),
                suggestions: vec!["Send a new code".into()],
                intent: None,
            };
        }
        let outcome = runner
            .call(ToolName::ListCustomerOrders, json!({"email": email}))
            .await;
        let Some(OrderList { orders, .. }) = outcome.read() else {
            return refusal_reply(&outcome);
        };
        if orders.is_empty() {
            return PlannerReply {
                text: format!(
                    "I couldn't find any orders for {email}. Could you check the address, or did you use another email?"
                ),
                suggestions: Vec::new(),
                intent: None,
            };
        }
        let mut t = format!("Orders for {email}:\n\n");
        for o in &orders {
            let _ = writeln!(
                t,
                "- Order {} — {} — {} ({} item(s), placed {})",
                o.order_id, o.status, o.total, o.items, o.placed
            );
        }
        PlannerReply {
            text: t,
            suggestions: orders
                .iter()
                .take(3)
                .map(|o| format!("Status of order {}", o.order_id))
                .collect(),
            intent: None,
        }
    }

    /// The one-time code the customer was asked to type, when this message carries it.
    pub(super) async fn code_step(
        &self,
        text: &str,
        state: &mut PlannerState,
        runner: &mut ToolRunner<'_>,
    ) -> Option<PlannerReply> {
        let email = state.code_for.clone()?;
        let code = extract::one_time_code(text)?;
        let outcome = runner
            .call(
                ToolName::VerifyEmailCode,
                json!({"email": email, "code": code}),
            )
            .await;
        if !outcome.ok {
            let message = outcome.error.clone().unwrap_or_default();
            if !message.contains("attempt(s) left") {
                state.code_for = None;
            }
            return Some(PlannerReply {
                text: message,
                suggestions: vec!["Send a new code".into()],
                intent: None,
            });
        }
        state.code_for = None;
        state.slots.email = Some(email);
        state.code_for_list = false;
        let mut reply = self.list_orders(text, state, runner).await;
        reply.text = format!("Thanks — your email is confirmed.\n\n{}", reply.text);
        Some(reply)
    }

    /// "What if I cancelled…", or a request quoted, translated or reported: facts, no action.
    pub(super) async fn hypothetical(
        &self,
        intent: Intent,
        text: &str,
        state: &mut PlannerState,
        runner: &mut ToolRunner<'_>,
    ) -> PlannerReply {
        let topic = match intent {
            Intent::CancelOrder => "cancelling an order and when the refund arrives",
            Intent::ModifyOrder => "changing an order's items or address before it ships",
            _ => "return policy, return window and refunds",
        };
        let mut reply = self
            .knowledge(&format!("{text} ({topic})"), runner, None)
            .await;
        let mut facts = String::new();
        if let (Some(order_id), Some(email)) = (state.slots.order_id, state.slots.email.clone()) {
            let o = runner
                .call(
                    ToolName::GetOrderStatus,
                    json!({"order_id": order_id, "email": email}),
                )
                .await;
            if let Some(o) = o.read::<OrderView>() {
                let _ = write!(
                    facts,
                    "Order {order_id} is **{}** ({}); its total is {}.\n\n",
                    o.status, o.next_step, o.total
                );
            }
        }
        // The example names the customer's own order when it is known.
        let order = state
            .slots
            .order_id
            .map_or_else(|| "my order".to_string(), |id| format!("order {id}"));
        let verb = match intent {
            Intent::CancelOrder => format!("cancel {order}"),
            Intent::ModifyOrder => format!("change {order}"),
            _ => format!("return the item from {order}"),
        };
        reply.text = format!(
            "Nothing has been changed — here's how it works.\n\n{facts}{}\n\nIf you decide to go ahead, just tell me (for example \"{verb}\" with your email) and I'll show you exactly what will happen before anything changes.",
            reply.text
        );
        reply
    }
}
