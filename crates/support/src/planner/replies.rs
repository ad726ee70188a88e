//! Words for tool results the planner shows: money, action cards and refusals.

use super::*;

/// The card's words for a call that proposed an action.
pub(super) fn proposal_reply(outcome: &ToolOutcome) -> PlannerReply {
    match &outcome.proposal {
        Some(p) => PlannerReply {
            text: crate::actions::proposal_text(p),
            suggestions: crate::actions::proposal_suggestions(),
            intent: None,
        },
        None => PlannerReply {
            text: crate::actions::confirmed_text(outcome),
            suggestions: crate::actions::confirmed_suggestions(outcome),
            intent: None,
        },
    }
}

pub(super) fn refusal_reply(outcome: &ToolOutcome) -> PlannerReply {
    let message = outcome
        .error
        .clone()
        .unwrap_or_else(|| "that didn't work".into());
    let text = match outcome.error_kind.as_deref() {
        Some("identity") => message,
        Some("refused") => format!("I'm sorry — I can't do that: {message}."),
        Some("invalid") => format!("I couldn't do that: {message}."),
        _ => format!("Something went wrong on our side: {message}"),
    };
    PlannerReply {
        text,
        suggestions: vec!["Talk to a human".into()],
        intent: None,
    }
}
