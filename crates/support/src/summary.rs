//! A short summary of a conversation for the team, made offline from what the transcript
//! holds: what the customer asked first and how it was read (category, priority, mood), what
//! the agent looked up or did (its successful tool calls), why it was handed to a person, and
//! who has answered. It is extractive: every fact comes from a stored message or its metadata,
//! nothing is invented. The desk stores one when a person takes a conversation over and when
//! it is resolved.

use crate::transcript::ReplyMetadata;
use crate::understanding::classify::{self, Classification};
use store::chat::StoredMessage;

/// The longest summary kept.
pub const MAX_SUMMARY_CHARS: usize = 700;

fn classification_of(message: &StoredMessage) -> Option<Classification> {
    let value: serde_json::Value = serde_json::from_str(&message.metadata).ok()?;
    serde_json::from_value(value.get("classification")?.clone()).ok()
}

fn join(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The summary of `messages` (oldest first); `customer` is the conversation's email, if known.
pub fn summarize(messages: &[StoredMessage], customer: Option<&str>) -> String {
    let said: Vec<&StoredMessage> = messages.iter().filter(|m| m.role == "user").collect();
    let Some(first) = said.first() else {
        return "The customer has not written anything yet.".into();
    };
    let who = customer.map_or("The customer".to_owned(), |e| format!("The customer ({e})"));
    let mut sentences = vec![format!(
        "{who} wrote: “{}”",
        classify::summarize(&first.content)
    )];
    if let Some(c) = said.iter().rev().find_map(|m| classification_of(m)) {
        let mut read = format!(
            "Read as {}, {} priority, {}",
            c.category.replace('_', " "),
            c.priority,
            c.sentiment
        );
        if let Some(reason) = c.escalation_reason.as_deref().filter(|r| !r.is_empty()) {
            read.push_str(&format!("; handed to a person: {reason}"));
        }
        sentences.push(format!("{read}."));
    }
    let mut done: Vec<String> = Vec::new();
    for m in messages.iter().filter(|m| m.role == "assistant") {
        let Ok(meta) = serde_json::from_str::<ReplyMetadata>(&m.metadata) else {
            continue;
        };
        for tool in meta.tools.iter().filter(|t| t.ok) {
            let line = if tool.summary.is_empty() {
                tool.tool.replace('_', " ")
            } else {
                tool.summary.clone()
            };
            if !done.contains(&line) {
                done.push(line);
            }
        }
    }
    if !done.is_empty() {
        let shown: Vec<String> = done.iter().take(5).cloned().collect();
        let more = done.len().saturating_sub(shown.len());
        sentences.push(format!(
            "The agent found or did: {}{}.",
            join(&shown),
            if more > 0 {
                format!(" (and {more} more)")
            } else {
                String::new()
            }
        ));
    }
    let replies = messages.iter().filter(|m| m.role == "assistant").count();
    let team = messages.iter().filter(|m| m.role == "agent").count();
    sentences.push(format!(
        "{} customer message{}, {replies} from the agent, {team} from the team.",
        said.len(),
        if said.len() == 1 { "" } else { "s" }
    ));
    let text = sentences.join(" ");
    if text.chars().count() > MAX_SUMMARY_CHARS {
        format!(
            "{}…",
            text.chars().take(MAX_SUMMARY_CHARS - 1).collect::<String>()
        )
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(role: &str, content: &str, metadata: &str) -> StoredMessage {
        StoredMessage {
            id: 0,
            role: role.into(),
            content: content.into(),
            metadata: metadata.into(),
            created_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn a_summary_holds_only_what_the_transcript_says() {
        let messages = vec![
            message(
                "user",
                "Where is order 1013? It is late and I am annoyed.",
                r#"{"classification":{"category":"orders","priority":"high","sentiment":"negative","summary":"Where is order 1013?","escalate":false,"escalation_reason":null,"estimated_resolution_time":"","source":"rules"}}"#,
            ),
            message(
                "assistant",
                "Order 1013 shipped yesterday.",
                r#"{"backend":"planner","tools":[{"tool":"get_order_status","arguments":{},"ok":true,"summary":"order 1013: shipped","result":{},"citations":[],"elapsed_ms":1.0}],"citations":[],"suggestions":[],"planner":null,"elapsed_ms":2.0}"#,
            ),
            message("agent", "Hi, Ada here.", "{}"),
        ];
        let text = summarize(&messages, Some("lucas@example.com"));
        assert!(text.contains("lucas@example.com"), "{text}");
        assert!(text.contains("Where is order 1013?"), "{text}");
        assert!(text.contains("orders, high priority, negative"), "{text}");
        assert!(text.contains("order 1013: shipped"), "{text}");
        assert!(
            text.contains("1 customer message, 1 from the agent, 1 from the team"),
            "{text}"
        );
        assert_eq!(
            summarize(&[], None),
            "The customer has not written anything yet."
        );
    }
}
