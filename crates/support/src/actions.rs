//! What the customer reads about an irreversible action: the proposal ("this is what will
//! happen; nothing has changed yet") and, once they confirmed or declined it, what happened.
//! Shared by the offline planner and the agent's confirmation step, whichever path proposed it.

use crate::tools::{Proposal, ToolName, ToolOutcome};
use serde_json::Value;
use std::fmt::Write as _;

/// A field of a tool result as text ("" when absent).
pub(crate) fn s(v: &Value, key: &str) -> String {
    match v.get(key) {
        Some(Value::String(x)) => x.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// The words under an action card.
pub fn proposal_text(p: &Proposal) -> String {
    let mut t = match ToolName::parse(&p.action) {
        Some(ToolName::CancelOrder) => format!(
            "I can cancel order {} for you. Here's what would happen:\n\n",
            p.order_id.unwrap_or_default()
        ),
        Some(ToolName::ModifyOrder) => format!(
            "Here's the change to order {} I've prepared:\n\n",
            p.order_id.unwrap_or_default()
        ),
        Some(ToolName::InitiateReturn) => format!(
            "I can open this return for order {}:\n\n",
            p.order_id.unwrap_or_default()
        ),
        _ => "Here's your order, ready to place:\n\n".to_string(),
    };
    for line in &p.details {
        let _ = writeln!(t, "- {line}");
    }
    let question = match ToolName::parse(&p.action) {
        Some(ToolName::CancelOrder) => "Shall I cancel it?",
        Some(ToolName::ModifyOrder) => "Shall I make this change?",
        Some(ToolName::InitiateReturn) => "Shall I open the return?",
        _ => "Shall I place the order?",
    };
    let _ = write!(
        t,
        "\n**Nothing has changed yet.** {question} Press **Confirm** to go ahead or **Cancel** to leave everything as it is (you can also reply yes or no)."
    );
    t
}

pub fn proposal_suggestions() -> Vec<String> {
    vec!["Yes, go ahead".into(), "No, leave it".into()]
}

/// What happened when a confirmed proposal ran (a refusal when the order changed meanwhile).
pub fn confirmed_text(outcome: &ToolOutcome) -> String {
    if !outcome.ok {
        return format!(
            "I couldn't do that after all: {}. Nothing was changed.",
            outcome.error.clone().unwrap_or_default()
        );
    }
    let o = &outcome.result;
    match ToolName::parse(&outcome.tool) {
        Some(ToolName::CancelOrder) => format!(
            "Done — order {} is now **cancelled**. The items are back in stock and {} will be refunded to your original payment method (banks take 5–10 business days).",
            s(o, "order_id"),
            s(o, "total")
        ),
        Some(ToolName::ModifyOrder) => {
            let mut t = format!(
                "Order {} is updated. It now contains:\n\n",
                s(o, "order_id")
            );
            push_lines(&mut t, o, "line_total", "");
            let _ = write!(
                t,
                "\nNew total: **{}** (shipping {}). Shipping to {}.",
                s(o, "total"),
                s(o, "shipping"),
                s(o, "ship_to")
            );
            t
        }
        Some(ToolName::InitiateReturn) => {
            let mut t = format!(
                "I've opened return **{}** for order {} (status: {}).\n\n",
                s(o, "return_id"),
                s(o, "order_id"),
                s(o, "status")
            );
            push_lines(&mut t, o, "refund", "refund ");
            let _ = write!(
                t,
                "\nRefund: **{}**, the price you paid. A prepaid return label is on its way by email; the refund is issued once the item is checked at our warehouse.",
                s(o, "refund")
            );
            t
        }
        _ => {
            let lead = if o.get("already_placed").and_then(Value::as_bool) == Some(true) {
                "That order was already placed — I haven't placed it twice."
            } else {
                "Your order is placed!"
            };
            format!(
                "{lead} Order number **{}**, total **{}**, status {}. We'll email you when it ships.",
                s(o, "order_id"),
                s(o, "total"),
                s(o, "status")
            )
        }
    }
}

pub fn confirmed_suggestions(outcome: &ToolOutcome) -> Vec<String> {
    match ToolName::parse(&outcome.tool) {
        _ if !outcome.ok => vec!["Talk to a human".into()],
        Some(ToolName::InitiateReturn) => vec!["Status of my return".into()],
        Some(ToolName::PlaceOrder) => {
            vec![format!(
                "Status of order {}",
                s(&outcome.result, "order_id")
            )]
        }
        Some(ToolName::ModifyOrder) => vec!["Check order status".into()],
        _ => vec!["Browse products".into()],
    }
}

pub fn declined_text(p: &Proposal) -> String {
    match ToolName::parse(&p.action) {
        Some(ToolName::PlaceOrder) => {
            "No problem, I haven't placed anything. What else can I help with?".into()
        }
        _ => format!(
            "OK — I haven't changed anything{}. What else can I help with?",
            p.order_id
                .map(|id| format!("; order {id} stays as it is"))
                .unwrap_or_default()
        ),
    }
}

/// Writes one bullet per line of an order or return: "- 2 × Name — $10.00".
pub fn push_lines(t: &mut String, value: &Value, amount_key: &str, prefix: &str) {
    for l in value
        .get("lines")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let _ = writeln!(
            t,
            "- {} × {} — {prefix}{}",
            s(l, "quantity"),
            s(l, "name"),
            s(l, amount_key)
        );
    }
}
