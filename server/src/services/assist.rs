//! Agent assist on the desk: the agent's suggested reply to the conversation in front of a
//! person (see `support::assist`), its summary when a person takes it over or resolves it
//! (`support::summary`), and canned replies from the knowledge base's macros filled
//! with the conversation's facts: `{customer_email}`, `{order_id}`, `{ticket_id}` and
//! `{agent_name}`. A fact the conversation does not hold stays a bracketed blank
//! (`[order number]`) for the person to fill in.

use crate::services::ServiceError;
use domain::api::desk::{CannedReply, SuggestedReply};
use domain::api::support::{Citation, ToolTrace};
use store::Store;
use support::SupportAgent;

/// What a canned reply can be filled with.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    pub customer_email: Option<String>,
    pub order_id: Option<i64>,
    pub ticket_id: Option<i64>,
    pub agent_name: String,
}

/// The placeholders, with what stands in for each when the fact is unknown.
const PLACEHOLDERS: &[(&str, &str)] = &[
    ("{customer_email}", "[customer's email]"),
    ("{order_id}", "[order number]"),
    ("{ticket_id}", "[ticket number]"),
    ("{agent_name}", "[your name]"),
];

/// The template with every placeholder replaced.
pub fn fill(template: &str, facts: &Facts) -> String {
    PLACEHOLDERS
        .iter()
        .fold(template.to_owned(), |text, (placeholder, blank)| {
            let value = match *placeholder {
                "{customer_email}" => facts.customer_email.clone(),
                "{order_id}" => facts.order_id.map(|id| id.to_string()),
                "{ticket_id}" => facts.ticket_id.map(|id| id.to_string()),
                _ => Some(facts.agent_name.clone()).filter(|n| !n.is_empty()),
            };
            text.replace(placeholder, &value.unwrap_or_else(|| (*blank).to_owned()))
        })
}

/// The numbers a customer wrote that could be order numbers (3 to 6 digits), last first.
fn numbers_in(text: &str) -> Vec<i64> {
    let mut found: Vec<i64> = text
        .split(|c: char| !c.is_ascii_digit())
        .filter(|w| (3..=6).contains(&w.len()))
        .filter_map(|w| w.parse().ok())
        .collect();
    found.reverse();
    found
}

/// The conversation's facts: its customer's email, the last order the customer named that
/// exists, its newest ticket, and who is answering.
pub async fn facts(
    store: &Store,
    conversation_id: &str,
    agent_name: &str,
) -> Result<Facts, store::StoreError> {
    let info = store.conversation(conversation_id).await?;
    let messages = store.recent_messages(conversation_id, 200).await?;
    let mut order_id = None;
    'search: for message in messages.iter().rev().filter(|m| m.role == "user") {
        for n in numbers_in(&message.content) {
            if store.order_detail(n).await?.is_some() {
                order_id = Some(n);
                break 'search;
            }
        }
    }
    let ticket_id = store
        .tickets_for_conversation(conversation_id)
        .await?
        .last()
        .map(|t| t.id);
    Ok(Facts {
        customer_email: info.and_then(|c| c.customer_email),
        order_id,
        ticket_id,
        agent_name: agent_name.to_owned(),
    })
}

/// Every macro of the knowledge base (shipped, then uploaded), filled with `facts`.
pub async fn canned_replies(
    store: &Store,
    facts: &Facts,
) -> Result<Vec<CannedReply>, store::StoreError> {
    let shipped = kb::chunks::catalogue()
        .iter()
        .filter(|c| c.doc_type == "macro")
        .map(|c| (c.id.clone(), c.title.clone(), c.content.clone()));
    let uploaded: Vec<(String, String, String)> = store
        .uploaded_chunks()
        .await?
        .into_iter()
        .filter(|c| c.doc_type == "macro")
        .map(|c| (c.id, c.title, c.content))
        .collect();
    Ok(shipped
        .chain(uploaded)
        .map(|(id, title, text)| CannedReply {
            id,
            title: title.strip_prefix("Macro: ").unwrap_or(&title).to_owned(),
            text: fill(&text, facts),
        })
        .collect())
}

/// Writes the conversation's summary for the team (when a person takes it over, and when it is
/// resolved). Only the desk reads it: a failure is logged and the action goes on.
pub async fn write_summary(store: &Store, conversation_id: &str) {
    let made = async {
        let messages = store.recent_messages(conversation_id, 1_000).await?;
        let customer = store
            .conversation(conversation_id)
            .await?
            .and_then(|c| c.customer_email);
        let text = support::summary::summarize(&messages, customer.as_deref());
        store.save_handover_summary(conversation_id, &text).await
    };
    if let Err(e) = made.await {
        tracing::warn!(error = %e, conversation = conversation_id, "cannot write a conversation summary");
    }
}

/// The agent's suggestion for the conversation, as the desk shows it; `NotFound` when the
/// customer has not written yet.
pub async fn suggest(
    agent: &SupportAgent,
    conversation_id: &str,
) -> Result<SuggestedReply, ServiceError> {
    let suggestion = agent
        .suggest_reply(conversation_id, chrono::Utc::now())
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "desk: a suggested reply failed");
            ServiceError::unavailable("The agent could not draft a reply; try again.")
        })?
        .ok_or_else(|| {
            ServiceError::not_found("The customer has not written anything to answer yet.")
        })?;
    Ok(SuggestedReply {
        text: suggestion.text,
        answers: suggestion.answers,
        tools: suggestion
            .tools
            .iter()
            .filter_map(|o| serde_json::to_value(o).ok())
            .filter_map(|v| serde_json::from_value::<ToolTrace>(v).ok())
            .collect(),
        citations: suggestion
            .citations
            .iter()
            .map(|c| Citation {
                id: c.id.clone(),
                title: c.title.clone(),
            })
            .collect(),
        backend: suggestion.backend,
        elapsed_ms: (suggestion.elapsed_ms * 10.0).round() / 10.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_facts_fill_in_and_unknown_ones_stay_blanks() {
        let facts = Facts {
            customer_email: Some("kim@example.com".into()),
            order_id: Some(1013),
            ticket_id: None,
            agent_name: "Ada".into(),
        };
        assert_eq!(
            fill(
                "Order {order_id} for {customer_email}, ticket {ticket_id}. {agent_name}",
                &facts
            ),
            "Order 1013 for kim@example.com, ticket [ticket number]. Ada"
        );
        assert_eq!(fill("No placeholders.", &facts), "No placeholders.");
    }

    #[test]
    fn order_numbers_are_read_last_first() {
        assert_eq!(
            numbers_in("order 1011, no wait, #1013 (zip 60601)"),
            vec![60601, 1013, 1011]
        );
        assert_eq!(numbers_in("call me at 12 or 1234567"), Vec::<i64>::new());
    }
}
