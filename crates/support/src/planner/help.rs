//! Help questions (the knowledge base), tickets and handing the conversation to a person.

use super::*;

impl Planner {
    pub(super) async fn knowledge(
        &self,
        text: &str,
        runner: &mut ToolRunner<'_>,
        category: Option<&str>,
    ) -> PlannerReply {
        let mut args = json!({"query": text, "audience": "customer"});
        if let Some(c) = category {
            args["category"] = json!(c);
        }
        let outcome = runner.call(ToolName::SearchKnowledgeBase, args).await;
        let Some(found) = outcome.read::<KnowledgeResult>() else {
            return refusal_reply(&outcome);
        };
        let relevant: Vec<&PassageView> =
            found.passages.iter().filter(|p| p.score >= 0.35).collect();
        let Some(best) = relevant.first() else {
            return PlannerReply {
                text: "I couldn't find an answer to that in our help center. I can open a ticket so the team follows up, or hand you to a person.".into(),
                suggestions: vec!["Open a support ticket".into(), "Talk to a human".into()],
                intent: None,
            };
        };
        runner.cite(&best.id);
        let mut t = format!("{} [1]", best.content);
        if let Some(second) = relevant.get(1)
            && second.score >= best.score - 0.1
        {
            runner.cite(&second.id);
            let _ = write!(t, "\n\n{} [2]", second.content);
        }
        PlannerReply {
            text: t,
            suggestions: vec!["Talk to a human".into()],
            intent: None,
        }
    }

    pub(super) async fn ticket(
        &self,
        text: &str,
        classification: &Classification,
        state: &mut PlannerState,
        runner: &mut ToolRunner<'_>,
    ) -> PlannerReply {
        let Some(email) = state.slots.email.clone() else {
            state.pending = Some(Intent::Ticket);
            if state.slots.reason.is_none() {
                state.slots.reason = Some(text.to_string());
                state.slots.reason_category = Some(classification.category.clone());
            }
            return PlannerReply { text: "I'll open a ticket for the team. What email address should they reply to (and the order number, if it's about an order)?".into(), suggestions: Vec::new(), intent: None };
        };
        state.pending = None;
        // The problem as first described (an earlier message, classified when it came), or this one.
        let (description, category) = match (&state.slots.reason, &state.slots.reason_category) {
            (Some(reason), Some(category)) if reason.len() > text.len() => {
                (reason.clone(), category.clone())
            }
            _ => (text.to_string(), classification.category.clone()),
        };
        let mut args = json!({"email": email, "subject": crate::understanding::classify::summarize(&description), "description": description, "category": category, "priority": "medium"});
        if let Some(id) = state.slots.order_id {
            args["order_id"] = json!(id);
        }
        if let Some(name) = &state.slots.name {
            args["name"] = json!(name);
        }
        let outcome = runner.call(ToolName::CreateSupportTicket, args).await;
        let Some(ticket) = outcome.read::<TicketView>() else {
            return refusal_reply(&outcome);
        };
        PlannerReply {
            text: format!(
                "I've opened ticket **{}** for the {} team; they'll reply by email. Is there anything else?",
                ticket.ticket_id,
                ticket.team.as_deref().unwrap_or("support")
            ),
            suggestions: Vec::new(),
            intent: None,
        }
    }

    pub(super) async fn escalate(
        &self,
        text: &str,
        classification: &Classification,
        state: &mut PlannerState,
        runner: &mut ToolRunner<'_>,
    ) -> PlannerReply {
        state.pending = None;
        let reason = classification
            .escalation_reason
            .clone()
            .unwrap_or_else(|| "customer asked for a person".into());
        escalate_with(runner, state, text, &reason, "high").await
    }
}

/// Hands the conversation to a person (also used when classification flags a message).
pub async fn escalate_with(
    runner: &mut ToolRunner<'_>,
    state: &PlannerState,
    text: &str,
    reason: &str,
    priority: &str,
) -> PlannerReply {
    let mut args = json!({"reason": format!("{reason}: {}", crate::understanding::classify::summarize(text)), "priority": priority});
    // The message that escalates may itself carry the order and email.
    if let Some(email) = extract::email(text)
        .or_else(|| state.slots.email.clone())
        .or_else(|| runner.session.verified_email.clone())
    {
        args["email"] = json!(email);
    }
    if let Some(id) = extract::order_id(text).or(state.slots.order_id) {
        args["order_id"] = json!(id);
    }
    let outcome = runner.call(ToolName::EscalateToHuman, args).await;
    let Some(ticket) = outcome.read::<TicketView>() else {
        return PlannerReply {
            text: format!(
                "I tried to reach a person but couldn't open the ticket ({}). Please try again, or email support.",
                outcome.error.unwrap_or_default()
            ),
            suggestions: Vec::new(),
            intent: Some(Intent::Escalate),
        };
    };
    if ticket.already_open {
        return PlannerReply {
            text: format!(
                "You're already with our team: ticket **{}** is open and a person will reply here. Anything you add now goes to them too.",
                ticket.ticket_id
            ),
            suggestions: Vec::new(),
            intent: Some(Intent::Escalate),
        };
    }
    let ticket = ticket.ticket_id;
    PlannerReply {
        text: format!(
            "I've passed this to a member of our team with everything we discussed — they'll reply here. Your ticket number is **{ticket}** ({priority} priority)."
        ),
        suggestions: Vec::new(),
        intent: Some(Intent::Escalate),
    }
}
