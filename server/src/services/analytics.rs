//! Support analytics over a period, computed from the stored conversations and messages:
//! automation and escalation rates, first-response times, volume by category, priority and
//! sentiment, per-day volume, tool usage, automation by intent, and the feedback figures.

use chrono::{DateTime, NaiveDate, Utc};
use domain::api::support::ReplyMetadata;
use std::collections::{BTreeMap, HashMap};
use store::operations::{AnalyticsConversation, AnalyticsMessage};

pub use domain::api::desk::{
    AgentFigures, Analytics, Count, Day, IntentAutomation, Timing, ToolUse,
};

/// The figures of the last `days` days (1-365), with the feedback figures.
pub async fn load(
    store: &store::Store,
    days: i64,
) -> Result<Analytics, crate::services::ServiceError> {
    if !(1..=365).contains(&days) {
        return Err(crate::services::ServiceError::invalid(
            "Choose a period of 1 to 365 days.",
        ));
    }
    let unavailable = |e: store::StoreError| {
        tracing::error!(error = %e, "analytics: cannot read the rows");
        crate::services::ServiceError::unavailable("Computing the analytics failed; try again.")
    };
    let to = Utc::now() + chrono::Duration::seconds(1);
    let from = to - chrono::Duration::days(days);
    let (conversations, messages) = store.analytics_rows(from, to).await.map_err(unavailable)?;
    let feedback = store
        .feedback_between(from, to)
        .await
        .map_err(unavailable)?;
    let mut titles = BTreeMap::new();
    for row in feedback
        .iter()
        .filter(|r| r.kind == "rating" && r.score <= 2)
    {
        if let Some(c) = store
            .conversation(&row.conversation_id)
            .await
            .map_err(unavailable)?
        {
            titles.insert(c.id, c.title);
        }
    }
    let ratings: HashMap<String, i64> = feedback
        .iter()
        .filter(|r| r.kind == "rating")
        .map(|r| (r.conversation_id.clone(), r.score))
        .collect();
    let mut analytics = compute(from, to, &conversations, &messages, &ratings);
    analytics.feedback = crate::services::feedback::figures(&feedback, &titles);
    Ok(analytics)
}

fn timing(mut values: Vec<f64>) -> Timing {
    values.sort_by(f64::total_cmp);
    // Linear interpolation between the closest ranks (the median of two values is their mean).
    let at = |q: f64| -> Option<f64> {
        if values.is_empty() {
            return None;
        }
        let rank = (values.len() - 1) as f64 * q;
        let (low, high) = (rank.floor() as usize, rank.ceil() as usize);
        Some(values[low] + (values[high] - values[low]) * (rank - low as f64))
    };
    Timing {
        count: values.len(),
        median_ms: at(0.5),
        p90_ms: at(0.9),
    }
}

fn counts(map: HashMap<String, usize>) -> Vec<Count> {
    let mut out: Vec<Count> = map
        .into_iter()
        .map(|(label, count)| Count { label, count })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then(a.label.cmp(&b.label)));
    out
}

/// Per person of the team: conversations they replied in, how fast they first replied, how long
/// those took to resolve, and their CSAT (`ratings`: conversation id to its 1-5 rating).
fn by_agent(
    conversations: &[AnalyticsConversation],
    by_conversation: &HashMap<&str, Vec<&AnalyticsMessage>>,
    ratings: &HashMap<String, i64>,
) -> Vec<AgentFigures> {
    #[derive(Default)]
    struct Tally {
        handled: usize,
        resolved: usize,
        first_reply: Vec<f64>,
        resolution: Vec<f64>,
        rated: Vec<i64>,
    }
    let mut agents: BTreeMap<String, Tally> = BTreeMap::new();
    for c in conversations {
        let msgs = by_conversation
            .get(c.id.as_str())
            .map(Vec::as_slice)
            .unwrap_or_default();
        let start = msgs.first().map_or(c.created_at, |m| m.created_at);
        let since = c.escalated_at.unwrap_or(start);
        let mut seen: Vec<String> = Vec::new();
        for m in msgs.iter().filter(|m| m.role == "agent") {
            let meta: ReplyMetadata = serde_json::from_str(&m.metadata).unwrap_or_default();
            let Some(name) = meta.author.filter(|a| !a.is_empty()) else {
                continue;
            };
            if seen.contains(&name) {
                continue;
            }
            seen.push(name.clone());
            let tally = agents.entry(name).or_default();
            tally.handled += 1;
            if m.created_at >= since {
                tally
                    .first_reply
                    .push((m.created_at - since).num_milliseconds() as f64);
            }
            if c.status == "closed" {
                tally.resolved += 1;
                tally
                    .resolution
                    .push((c.updated_at - start).num_milliseconds().max(0) as f64);
            }
            if let Some(r) = ratings.get(&c.id) {
                tally.rated.push(*r);
            }
        }
    }
    agents
        .into_iter()
        .map(|(name, t)| AgentFigures {
            name,
            handled: t.handled,
            resolved: t.resolved,
            first_reply: timing(t.first_reply),
            resolution: timing(t.resolution),
            csat: (!t.rated.is_empty())
                .then(|| t.rated.iter().filter(|r| **r >= 4).count() as f64 / t.rated.len() as f64),
            ratings: t.rated.len(),
        })
        .collect()
}

pub fn compute(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    conversations: &[AnalyticsConversation],
    messages: &[AnalyticsMessage],
    ratings: &HashMap<String, i64>,
) -> Analytics {
    let mut by_conversation: HashMap<&str, Vec<&AnalyticsMessage>> = HashMap::new();
    for m in messages {
        by_conversation
            .entry(&m.conversation_id)
            .or_default()
            .push(m);
    }
    let (mut category, mut priority, mut sentiment) =
        (HashMap::new(), HashMap::new(), HashMap::new());
    let mut tools: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut first_response = Vec::new();
    let mut human_first_response = Vec::new();
    let mut days: BTreeMap<NaiveDate, (usize, usize)> = BTreeMap::new();
    let mut resolution = Vec::new();
    let (mut automated, mut escalated, mut human_replied, mut resolved, mut customer_messages) =
        (0, 0, 0, 0, 0);
    // Intent (the first classified customer message's category) -> (conversations, automated).
    let mut intents: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for c in conversations {
        let msgs = by_conversation
            .get(c.id.as_str())
            .map(Vec::as_slice)
            .unwrap_or_default();
        let first_user = msgs.iter().find(|m| m.role == "user").map(|m| m.created_at);
        let first_reply = msgs
            .iter()
            .find(|m| m.role == "assistant" || m.role == "agent")
            .map(|m| m.created_at);
        if let (Some(asked), Some(answered)) = (first_user, first_reply)
            && answered >= asked
        {
            first_response.push((answered - asked).num_milliseconds() as f64);
        }
        let human = msgs.iter().any(|m| m.role == "agent");
        if let Some(at) = c.escalated_at
            && let Some(reply) = msgs
                .iter()
                .find(|m| m.role == "agent" && m.created_at >= at)
        {
            human_first_response.push((reply.created_at - at).num_milliseconds() as f64);
        }
        let was_escalated = c.escalated_at.is_some() || c.status == "escalated";
        escalated += usize::from(was_escalated);
        human_replied += usize::from(human);
        automated += usize::from(!was_escalated && !human);
        let intent = msgs
            .iter()
            .filter(|m| m.role == "user")
            .find_map(|m| {
                serde_json::from_str::<ReplyMetadata>(&m.metadata)
                    .ok()
                    .and_then(|meta| meta.classification)
                    .map(|c| c.category)
            })
            .unwrap_or_else(|| "unclassified".to_owned());
        let entry = intents.entry(intent).or_default();
        entry.0 += 1;
        entry.1 += usize::from(!was_escalated && !human);
        resolved += usize::from(c.status == "closed");
        if c.status == "closed" {
            let start = first_user.unwrap_or(c.created_at);
            resolution.push((c.updated_at - start).num_milliseconds().max(0) as f64);
        }
        let day = days.entry(c.created_at.date_naive()).or_default();
        day.0 += 1;
        day.1 += usize::from(was_escalated);
        for m in msgs {
            let meta: ReplyMetadata = serde_json::from_str(&m.metadata).unwrap_or_default();
            match m.role.as_str() {
                "user" => {
                    customer_messages += 1;
                    if let Some(class) = &meta.classification {
                        for (value, map) in [
                            (&class.category, &mut category),
                            (&class.priority, &mut priority),
                            (&class.sentiment, &mut sentiment),
                        ] {
                            *map.entry(value.clone()).or_insert(0) += 1;
                        }
                    }
                }
                "assistant" => {
                    for t in meta.tools.iter().flatten() {
                        let entry = tools.entry(t.tool.clone()).or_default();
                        entry.0 += 1;
                        entry.1 += usize::from(!t.ok);
                    }
                }
                _ => {}
            }
        }
    }
    let total = conversations.len();
    let rate = |n: usize| (total > 0).then(|| n as f64 / total as f64);
    let mut tools: Vec<ToolUse> = tools
        .into_iter()
        .map(|(tool, (calls, failed))| ToolUse {
            tool,
            calls,
            failed,
        })
        .collect();
    tools.sort_by(|a, b| b.calls.cmp(&a.calls).then(a.tool.cmp(&b.tool)));
    Analytics {
        from,
        to,
        conversations: total,
        customer_messages,
        automated,
        escalated,
        human_replied,
        resolved,
        automation_rate: rate(automated),
        escalation_rate: rate(escalated),
        first_response: timing(first_response),
        human_first_response: timing(human_first_response),
        by_day: days
            .into_iter()
            .map(|(date, (conversations, escalated))| Day {
                date,
                conversations,
                escalated,
            })
            .collect(),
        by_category: counts(category),
        by_priority: counts(priority),
        by_sentiment: counts(sentiment),
        tools,
        // Votes and ratings are their own rows: `services::feedback::figures`.
        feedback: Default::default(),
        resolution: timing(resolution),
        by_agent: by_agent(conversations, &by_conversation, ratings),
        by_intent: by_intent(intents),
    }
}

/// Most asked first; the rate of each.
fn by_intent(intents: BTreeMap<String, (usize, usize)>) -> Vec<IntentAutomation> {
    let mut rows: Vec<IntentAutomation> = intents
        .into_iter()
        .map(|(intent, (conversations, automated))| IntentAutomation {
            intent,
            conversations,
            automated,
            automation_rate: (conversations > 0).then(|| automated as f64 / conversations as f64),
        })
        .collect();
    rows.sort_by(|a, b| {
        b.conversations
            .cmp(&a.conversations)
            .then(a.intent.cmp(&b.intent))
    });
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 10, 0, 0)
            .single()
            .expect("valid")
            + chrono::Duration::seconds(s.into())
    }

    fn msg(c: &str, role: &str, meta: &str, s: u32) -> AnalyticsMessage {
        AnalyticsMessage {
            conversation_id: c.into(),
            role: role.into(),
            metadata: meta.into(),
            created_at: at(s),
        }
    }

    #[test]
    fn rates_times_and_volumes_come_from_the_transcripts() {
        let conversations = vec![
            AnalyticsConversation {
                id: "a".into(),
                status: "open".into(),
                created_at: at(0),
                escalated_at: None,
                updated_at: at(2),
            },
            AnalyticsConversation {
                id: "b".into(),
                status: "closed".into(),
                created_at: at(0),
                escalated_at: Some(at(10)),
                updated_at: at(125),
            },
        ];
        let user = |cat: &str, pri: &str| {
            format!(
                r#"{{"classification":{{"category":"{cat}","priority":"{pri}","sentiment":"neutral"}}}}"#
            )
        };
        let messages = vec![
            msg("a", "user", &user("orders", "low"), 0),
            msg(
                "a",
                "assistant",
                r#"{"tools":[{"tool":"get_order","ok":true},{"tool":"search_kb","ok":false}]}"#,
                2,
            ),
            msg("b", "user", &user("returns", "high"), 5),
            msg(
                "b",
                "assistant",
                r#"{"tools":[{"tool":"escalate_to_human","ok":true}]}"#,
                9,
            ),
            msg("b", "agent", r#"{"author":"Ada Admin","staff_id":1}"#, 70),
            msg("b", "agent", r#"{"author":"Ada Admin","staff_id":1}"#, 90),
        ];
        let ratings = HashMap::from([("b".to_owned(), 5)]);
        let a = compute(at(0), at(86_400), &conversations, &messages, &ratings);
        // b: asked at 5 s, resolved at 125 s; Ada first replied 60 s after the escalation.
        assert_eq!(a.resolution.median_ms, Some(120_000.0));
        assert_eq!(a.by_agent.len(), 1);
        let ada = &a.by_agent[0];
        assert_eq!(
            (ada.name.as_str(), ada.handled, ada.resolved),
            ("Ada Admin", 1, 1)
        );
        assert_eq!(ada.first_reply.median_ms, Some(60_000.0));
        assert_eq!(ada.resolution.median_ms, Some(120_000.0));
        assert_eq!((ada.csat, ada.ratings), (Some(1.0), 1));
        assert_eq!(a.conversations, 2);
        assert_eq!(
            (a.automated, a.escalated, a.human_replied, a.resolved),
            (1, 1, 1, 1)
        );
        assert_eq!(a.automation_rate, Some(0.5));
        assert_eq!(a.escalation_rate, Some(0.5));
        assert_eq!(a.first_response.count, 2);
        assert_eq!(a.first_response.median_ms, Some(3_000.0));
        assert_eq!(a.first_response.p90_ms, Some(3_800.0));
        assert_eq!(a.human_first_response.median_ms, Some(60_000.0));
        assert_eq!(a.by_category.len(), 2);
        assert_eq!(a.by_priority.iter().map(|c| c.count).sum::<usize>(), 2);
        assert_eq!(
            a.by_sentiment,
            vec![Count {
                label: "neutral".into(),
                count: 2
            }]
        );
        assert_eq!(a.tools[0].calls, 1);
        let search = a
            .tools
            .iter()
            .find(|t| t.tool == "search_kb")
            .expect("counted");
        assert_eq!(search.failed, 1);
        assert_eq!(a.by_day.len(), 1);
        assert_eq!(a.by_day[0].escalated, 1);
        let empty = compute(at(0), at(1), &[], &[], &HashMap::new());
        assert_eq!(empty.automation_rate, None);
    }
}
