//! Tools that reach people and documents: the knowledge base, tickets and escalation.

use super::*;

pub(super) async fn search_kb(toolbox: &Toolbox, v: &Value) -> Outcome {
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
    let mut found = Done::of(
        KnowledgeResult {
            passages: passages
                .iter()
                .map(|p| PassageView {
                    id: p.id.clone(),
                    title: p.title.clone(),
                    audience: p.audience.clone(),
                    doc_type: p.doc_type.clone(),
                    category: p.category.clone(),
                    score: (f64::from(p.score) * 1000.0).round() / 1000.0,
                    content: p.content.clone(),
                })
                .collect(),
        },
        summary,
    )?;
    found.citations = citations;
    Ok(found)
}

pub(super) async fn ticket_owner(
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

pub(super) async fn create_ticket(
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
        TicketView {
            ticket_id: ticket.id,
            priority: ticket.priority.clone(),
            team: ticket.assigned_team.clone(),
            subject: Some(ticket.subject.clone()),
            status: Some(ticket.status.clone()),
            conversation_status: None,
            already_open: false,
        },
        summary,
    )
}

pub(super) fn team_for(category: &str) -> &'static str {
    match category {
        "billing" => "Billing",
        "returns" => "Returns Desk",
        "shipping" => "Logistics",
        "technical" | "bug_report" => "Tier 2 Support",
        "privacy" => "Privacy",
        _ => "Tier 1 General",
    }
}

pub(super) async fn escalate(
    toolbox: &Toolbox,
    v: &Value,
    session: &mut Session,
    now: DateTime<Utc>,
) -> Outcome {
    let reason = args::text(&req_str(v, "reason")?, "reason", 2000).map_err(ToolError::Invalid)?;
    if let Some(ticket) = open_escalation(toolbox, &session.conversation_id).await? {
        let summary = format!("already with the team: ticket {}", ticket.id);
        return done(
            TicketView {
                ticket_id: ticket.id,
                priority: ticket.priority.as_str().into(),
                team: ticket.assigned_team,
                subject: None,
                status: Some(ticket.status.as_str().into()),
                conversation_status: Some("escalated".into()),
                already_open: true,
            },
            summary,
        );
    }
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
        TicketView {
            ticket_id: ticket.id,
            priority: ticket.priority.clone(),
            team: Some("Escalations".into()),
            subject: None,
            status: None,
            conversation_status: Some("escalated".into()),
            already_open: false,
        },
        summary,
    )
}

/// The escalation ticket still open for a conversation that waits for a person, if any: asking
/// again for a person while one is on the way is the same request, not a new ticket.
async fn open_escalation(
    toolbox: &Toolbox,
    conversation_id: &str,
) -> Result<Option<store::operations::Ticket>, ToolError> {
    if toolbox
        .store
        .conversation_status(conversation_id)
        .await?
        .as_deref()
        != Some("escalated")
    {
        return Ok(None);
    }
    let tickets = toolbox
        .store
        .tickets_for_conversation(conversation_id)
        .await?;
    Ok(tickets.into_iter().rev().find(|t| {
        t.assigned_team.as_deref() == Some("Escalations")
            && t.status != store::operations::TicketStatus::Resolved
    }))
}
