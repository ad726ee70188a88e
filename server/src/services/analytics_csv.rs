//! Every table of the desk's analytics as CSV (`GET /api/desk/analytics.csv?table=…`): the key
//! figures, days, categories, priorities, sentiments, intents (with automation), tools, people,
//! thumbs-down by intent and by passage, and the low-rated conversations.

use domain::api::desk::{Analytics, Timing};
use domain::csv::table_to_csv;

fn opt(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.3}")).unwrap_or_default()
}

fn ms(t: &Timing) -> [String; 2] {
    [opt(t.median_ms), opt(t.p90_ms)]
}

/// The table named `name` as CSV; `None` for a name not in
/// [`domain::api::analytics_export::TABLES`].
pub fn table(a: &Analytics, name: &str) -> Option<String> {
    let counts = |rows: &[domain::api::desk::Count]| {
        table_to_csv(
            &["label", "count"],
            &rows
                .iter()
                .map(|c| vec![c.label.clone(), c.count.to_string()])
                .collect::<Vec<_>>(),
        )
    };
    let downs = |rows: &[domain::api::feedback::DownRate]| {
        table_to_csv(
            &["label", "thumbs_down", "votes"],
            &rows
                .iter()
                .map(|d| vec![d.label.clone(), d.down.to_string(), d.total.to_string()])
                .collect::<Vec<_>>(),
        )
    };
    Some(match name {
        "summary" => {
            let f = &a.feedback;
            let rows: Vec<Vec<String>> = [
                ("from", a.from.to_rfc3339()),
                ("to", a.to.to_rfc3339()),
                ("conversations", a.conversations.to_string()),
                ("customer_messages", a.customer_messages.to_string()),
                ("automated", a.automated.to_string()),
                ("escalated", a.escalated.to_string()),
                ("human_replied", a.human_replied.to_string()),
                ("resolved", a.resolved.to_string()),
                ("automation_rate", opt(a.automation_rate)),
                ("escalation_rate", opt(a.escalation_rate)),
                ("first_response_median_ms", opt(a.first_response.median_ms)),
                ("first_response_p90_ms", opt(a.first_response.p90_ms)),
                (
                    "human_first_response_median_ms",
                    opt(a.human_first_response.median_ms),
                ),
                ("resolution_median_ms", opt(a.resolution.median_ms)),
                ("resolution_p90_ms", opt(a.resolution.p90_ms)),
                ("ratings", f.ratings.to_string()),
                ("average_rating", opt(f.average_rating)),
                ("csat", opt(f.csat)),
                ("thumbs_up", f.thumbs_up.to_string()),
                ("thumbs_down", f.thumbs_down.to_string()),
            ]
            .into_iter()
            .map(|(k, v)| vec![k.to_owned(), v])
            .collect();
            table_to_csv(&["metric", "value"], &rows)
        }
        "days" => table_to_csv(
            &["date", "conversations", "escalated"],
            &a.by_day
                .iter()
                .map(|d| {
                    vec![
                        d.date.to_string(),
                        d.conversations.to_string(),
                        d.escalated.to_string(),
                    ]
                })
                .collect::<Vec<_>>(),
        ),
        "categories" => counts(&a.by_category),
        "priorities" => counts(&a.by_priority),
        "sentiments" => counts(&a.by_sentiment),
        "intents" => table_to_csv(
            &["intent", "conversations", "automated", "automation_rate"],
            &a.by_intent
                .iter()
                .map(|i| {
                    vec![
                        i.intent.clone(),
                        i.conversations.to_string(),
                        i.automated.to_string(),
                        opt(i.automation_rate),
                    ]
                })
                .collect::<Vec<_>>(),
        ),
        "tools" => table_to_csv(
            &["tool", "calls", "failed"],
            &a.tools
                .iter()
                .map(|t| vec![t.tool.clone(), t.calls.to_string(), t.failed.to_string()])
                .collect::<Vec<_>>(),
        ),
        "agents" => table_to_csv(
            &[
                "name",
                "handled",
                "resolved",
                "first_reply_median_ms",
                "first_reply_p90_ms",
                "resolution_median_ms",
                "resolution_p90_ms",
                "csat",
                "ratings",
            ],
            &a.by_agent
                .iter()
                .map(|p| {
                    let [fm, fp] = ms(&p.first_reply);
                    let [rm, rp] = ms(&p.resolution);
                    vec![
                        p.name.clone(),
                        p.handled.to_string(),
                        p.resolved.to_string(),
                        fm,
                        fp,
                        rm,
                        rp,
                        opt(p.csat),
                        p.ratings.to_string(),
                    ]
                })
                .collect::<Vec<_>>(),
        ),
        "down_by_intent" => downs(&a.feedback.down_by_intent),
        "down_by_passage" => downs(&a.feedback.down_by_passage),
        "low_rated" => table_to_csv(
            &["conversation_id", "title", "rating", "comment", "at"],
            &a.feedback
                .low_rated
                .iter()
                .map(|l| {
                    vec![
                        l.conversation_id.clone(),
                        l.title.clone(),
                        l.rating.to_string(),
                        l.comment.clone(),
                        l.at.to_rfc3339(),
                    ]
                })
                .collect::<Vec<_>>(),
        ),
        _ => return None,
    })
}
