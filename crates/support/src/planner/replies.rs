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

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(kind: &str, error: &str) -> ToolOutcome {
        ToolOutcome {
            tool: "cancel_order".into(),
            arguments: json!({}),
            ok: false,
            summary: String::new(),
            result: json!({}),
            error: Some(error.into()),
            error_kind: Some(kind.into()),
            citations: Vec::new(),
            elapsed_ms: 0.0,
            proposal: None,
            confirmed_proposal: None,
        }
    }

    #[test]
    fn a_refusal_is_worded_by_what_refused_it() {
        let identity = refusal_reply(&failed("identity", "That email is not on order 1013."));
        assert_eq!(identity.text, "That email is not on order 1013.");
        let refused = refusal_reply(&failed("refused", "order 1015 has shipped"));
        assert!(
            refused
                .text
                .starts_with("I'm sorry — I can't do that: order 1015 has shipped")
        );
        let invalid = refusal_reply(&failed("invalid", "quantity must be 1-20"));
        assert!(invalid.text.starts_with("I couldn't do that"));
        let internal = refusal_reply(&failed("internal", "the database is busy"));
        assert!(
            internal
                .text
                .starts_with("Something went wrong on our side")
        );
        assert_eq!(internal.suggestions, vec!["Talk to a human".to_string()]);
    }
}
