//! Classification of every customer message: category, priority, sentiment, a summary and
//! whether a person must take over. Offline it is rules plus similarity to labelled examples;
//! with an LLM the agent asks for the same structure as JSON (see `agent`).

use crate::understanding::semantic::Semantic;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Classification {
    pub category: String,
    pub priority: String,
    pub sentiment: String,
    pub summary: String,
    pub escalate: bool,
    /// Why it escalates (the trigger words or the request), empty otherwise.
    pub escalation_reason: Option<String>,
    pub estimated_resolution_time: String,
    /// "rules+minilm" or the LLM that produced it.
    pub source: String,
}

pub use domain::api::support::CATEGORIES;

/// (trigger, priority, reason) — any one hands the conversation to a person.
const ESCALATION_TRIGGERS: &[(&str, &str, &str)] = &[
    ("chargeback", "high", "mentions a chargeback"),
    ("charge back", "high", "mentions a chargeback"),
    ("dispute the charge", "high", "mentions a card dispute"),
    ("lawyer", "urgent", "mentions a lawyer"),
    ("attorney", "urgent", "mentions a lawyer"),
    ("legal action", "urgent", "threatens legal action"),
    ("sue you", "urgent", "threatens legal action"),
    ("lawsuit", "urgent", "threatens legal action"),
    ("injury", "urgent", "reports an injury"),
    ("injured", "urgent", "reports an injury"),
    ("burned me", "urgent", "reports an injury"),
    ("burnt", "urgent", "reports a safety risk"),
    ("caught fire", "urgent", "reports a safety risk"),
    ("smoke", "urgent", "reports a safety risk"),
    ("sparks", "urgent", "reports a safety risk"),
    ("swollen battery", "urgent", "reports a safety risk"),
    ("battery swelled", "urgent", "reports a safety risk"),
    ("fraud", "urgent", "reports fraud"),
    ("scam", "urgent", "reports fraud"),
    (
        "unauthorized charge",
        "urgent",
        "reports an unrecognised charge",
    ),
    (
        "unauthorised charge",
        "urgent",
        "reports an unrecognised charge",
    ),
    (
        "don't recognize",
        "urgent",
        "reports an unrecognised charge",
    ),
    // Card disputes and charges the customer does not recognise, however they put it.
    ("dispute", "high", "mentions a card dispute"),
    ("with my bank", "high", "involves the customer's bank"),
    ("call my bank", "high", "involves the customer's bank"),
    ("contact my bank", "high", "involves the customer's bank"),
    ("to my bank", "high", "involves the customer's bank"),
    ("dont recognize", "urgent", "reports an unrecognised charge"),
    (
        "don't recognise",
        "urgent",
        "reports an unrecognised charge",
    ),
    ("dont recognise", "urgent", "reports an unrecognised charge"),
    (
        "do not recognize",
        "urgent",
        "reports an unrecognised charge",
    ),
    (
        "didn't authorize",
        "urgent",
        "reports an unrecognised charge",
    ),
    (
        "didnt authorize",
        "urgent",
        "reports an unrecognised charge",
    ),
    ("never ordered", "urgent", "reports an unrecognised charge"),
    ("never placed", "urgent", "reports an unrecognised charge"),
    ("hacked", "urgent", "reports a compromised account"),
    (
        "someone placed an order",
        "urgent",
        "reports a compromised account",
    ),
    ("someone used my", "urgent", "reports a compromised account"),
    ("stolen card", "urgent", "reports fraud"),
    // Hazards: stems, so "smoking", "swelling" and "bulging" count too.
    ("smok", "urgent", "reports a safety risk"),
    ("swollen", "urgent", "reports a safety risk"),
    ("swell", "urgent", "reports a safety risk"),
    ("bloated", "urgent", "reports a safety risk"),
    ("bulging", "urgent", "reports a safety risk"),
    ("puffed up", "urgent", "reports a safety risk"),
    ("exploded", "urgent", "reports a safety risk"),
    ("explod", "urgent", "reports a safety risk"),
    ("melted", "urgent", "reports a safety risk"),
    ("melting", "urgent", "reports a safety risk"),
    ("on fire", "urgent", "reports a safety risk"),
    ("fire", "urgent", "reports a safety risk"),
    ("flames", "urgent", "reports a safety risk"),
    ("electric shock", "urgent", "reports a safety risk"),
    ("shocked me", "urgent", "reports a safety risk"),
    ("gave me a burn", "urgent", "reports an injury"),
    ("burned my", "urgent", "reports an injury"),
    ("burnt my", "urgent", "reports an injury"),
    ("hurt me", "urgent", "reports an injury"),
    ("see a doctor", "urgent", "reports an injury"),
    ("hospital", "urgent", "reports an injury"),
    ("human", "high", "asks for a person"),
    ("persn", "high", "asks for a person"),
    ("a person", "high", "asks for a person"),
    ("live agent", "high", "asks for a person"),
    ("representative", "high", "asks for a person"),
    ("real person", "high", "asks for a person"),
    ("speak to someone", "high", "asks for a person"),
    ("talk to someone", "high", "asks for a person"),
    ("speak to a person", "high", "asks for a person"),
    ("talk to a person", "high", "asks for a person"),
    ("an agent", "high", "asks for a person"),
    ("a manager", "high", "asks for a person"),
    ("supervisor", "high", "asks for a person"),
];

/// How sure the intent model must be that a message needs a person when no rule fired: high,
/// so ordinary complaints stay with the agent.
const ESCALATION_PROBABILITY: f32 = 0.6;

/// Triggers that match any word starting with them ("smok": smoke, smoking, smoked).
const STEMS: &[&str] = &["smok", "swell", "explod"];

const ANGRY: &[&str] = &[
    "furious",
    "ridiculous",
    "unacceptable",
    "outrageous",
    "worst",
    "terrible",
    "disgusting",
    "scam",
    "useless",
    "angry",
    "pathetic",
    "!!!",
];
const FRUSTRATED: &[&str] = &[
    "still",
    "again",
    "annoyed",
    "frustrated",
    "disappointed",
    "waiting",
    "not working",
    "doesn't work",
    "does not work",
    "broken",
    "never arrived",
    "late",
    "why hasn't",
    "why has",
];
const POSITIVE: &[&str] = &[
    "thanks",
    "thank you",
    "great",
    "love",
    "awesome",
    "perfect",
    "appreciate",
    "excellent",
];

/// Labelled examples per category for the similarity vote.
pub const EXAMPLES: &[(&str, &str)] = &[
    ("orders", "Where is my order?"),
    ("orders", "I want to cancel my order"),
    ("orders", "Can I change the quantity on my order?"),
    ("orders", "I'd like to buy two of these"),
    ("shipping", "How much is shipping to my ZIP code?"),
    (
        "shipping",
        "My package hasn't arrived and tracking is stuck",
    ),
    ("shipping", "Can you ship to Alaska?"),
    ("returns", "I want to return the headphones I bought"),
    ("returns", "What is your return policy?"),
    ("returns", "Has my refund for the return been approved?"),
    ("product_question", "Is the speaker waterproof?"),
    ("product_question", "Which monitor is best for gaming?"),
    ("product_question", "Do you have this keyboard in stock?"),
    ("billing", "I was charged twice for my order"),
    ("billing", "When will my refund reach my card?"),
    ("billing", "Which payment methods do you accept?"),
    ("technical", "My headphones won't pair with my phone"),
    ("technical", "The monitor flickers at 144 Hz"),
    ("technical", "The subwoofer blinks red and will not connect"),
    (
        "account_management",
        "How do I change the email on my account?",
    ),
    ("account_management", "Please delete my personal data"),
    ("feature_request", "You should let people order by phone"),
    ("bug_report", "Your website checkout page shows an error"),
    (
        "integration",
        "Does the smart speaker work with Home Assistant?",
    ),
    ("general", "Hello, can you help me?"),
];

fn contains_any(text: &str, words: &[&str]) -> bool {
    words.iter().any(|w| text.contains(w))
}

fn word_present(text: &str, word: &str) -> bool {
    text.split(|c: char| !c.is_alphanumeric() && c != '\'')
        .any(|w| w == word)
}

fn rule_category(lower: &str) -> Option<&'static str> {
    let rules: &[(&[&str], &str)] = &[
        (
            &[
                "charged twice",
                "double charge",
                "refund",
                "payment",
                "invoice",
                "billing",
                "credit card",
                "paypal",
                "chargeback",
            ],
            "billing",
        ),
        (
            &["return", "send it back", "send back", "exchange"],
            "returns",
        ),
        (
            &[
                "shipping", "ship to", "deliver", "tracking", "package", "carrier", "zip",
            ],
            "shipping",
        ),
        (&["cancel", "order", "buy", "purchase", "modify"], "orders"),
        (
            &[
                "pair",
                "connect",
                "flicker",
                "not working",
                "won't",
                "doesn't work",
                "no sound",
                "crackl",
                "reset",
                "firmware",
                "battery",
                "no signal",
                "dead pixel",
                "disconnect",
            ],
            "technical",
        ),
        (
            &[
                "home assistant",
                "integration",
                "api",
                "alexa",
                "google home",
            ],
            "integration",
        ),
        (
            &[
                "delete my data",
                "delete all my",
                "erase my data",
                "personal data",
                "privacy",
            ],
            "privacy",
        ),
        (
            &["my account", "password", "change my email"],
            "account_management",
        ),
        (
            &[
                "feature request",
                "you should add",
                "please add",
                "would be nice",
            ],
            "feature_request",
        ),
        (
            &["website", "checkout page", "bug", "error on the site"],
            "bug_report",
        ),
        (
            &[
                "in stock",
                "spec",
                "waterproof",
                "compatible",
                "recommend",
                "which",
                "does the",
                "is the",
                "price of",
                "how much is the",
            ],
            "product_question",
        ),
    ];
    rules
        .iter()
        .find(|(words, _)| contains_any(lower, words))
        .map(|(_, c)| *c)
}

/// The strongest escalation trigger in the (lower-case) message: (priority, reason).
pub fn rule_escalation(lower: &str) -> Option<(&'static str, &'static str)> {
    let mut escalation: Option<(&'static str, &'static str)> = None;
    for (trigger, priority, reason) in ESCALATION_TRIGGERS {
        let hit = if STEMS.contains(trigger) {
            lower
                .split(|c: char| !c.is_alphanumeric())
                .any(|w| w.starts_with(trigger))
        } else if trigger.contains(' ') || trigger.len() > 6 {
            lower.contains(trigger)
        } else {
            word_present(lower, trigger)
        };
        if hit {
            let stronger = match escalation {
                None => true,
                Some((p, _)) => p != "urgent" && *priority == "urgent",
            };
            if stronger {
                escalation = Some((priority, reason));
            }
        }
    }
    escalation
}

/// Classifies one customer message offline.
pub async fn classify(text: &str, semantic: Option<&Semantic>) -> Classification {
    let lower = text.to_lowercase();
    let mut escalation = rule_escalation(&lower);
    // Worded like nothing in the rules: the labelled examples of messages that need a person.
    if escalation.is_none()
        && let Some(semantic) = semantic
        && let Some(probability) = semantic.escalation_probability(text).await
        && probability >= ESCALATION_PROBABILITY
    {
        escalation = Some(("high", "reads like a case for a person (intent model)"));
    }
    let sentiment = if contains_any(&lower, ANGRY)
        || (text.chars().filter(|c| c.is_alphabetic()).count() > 12
            && text.chars().filter(|c| c.is_uppercase()).count() * 10
                > text.chars().filter(|c| c.is_alphabetic()).count() * 7)
    {
        "angry"
    } else if contains_any(&lower, FRUSTRATED) {
        "frustrated"
    } else if contains_any(&lower, POSITIVE) {
        "positive"
    } else {
        "neutral"
    };
    let mut category = rule_category(&lower).map(str::to_string);
    let mut source = "rules".to_string();
    if category.is_none()
        && let Some(semantic) = semantic
        && let Some((label, score)) = semantic.nearest_label(text).await
        && score > 0.35
    {
        category = Some(label);
        source = "rules+minilm".into();
    }
    let category = category.unwrap_or_else(|| "general".into());
    let priority = match escalation {
        Some((p, _)) => p.to_string(),
        None => match (category.as_str(), sentiment) {
            (_, "angry") => "high".into(),
            ("billing", _) => "high".into(),
            (_, "frustrated") => "medium".into(),
            ("orders" | "shipping" | "returns" | "technical", _) => "medium".into(),
            _ => "low".into(),
        },
    };
    let estimated_resolution_time = match priority.as_str() {
        "urgent" => "1 hour",
        "high" => "4 hours",
        "medium" => "1 business day",
        _ => "immediate",
    }
    .to_string();
    Classification {
        category,
        priority,
        sentiment: sentiment.into(),
        summary: summarize(text),
        escalate: escalation.is_some(),
        escalation_reason: escalation.map(|(_, r)| r.to_string()),
        estimated_resolution_time,
        source,
    }
}

/// A press of Confirm or Cancel, or a bare yes or no to a card: nothing to classify.
pub fn neutral(text: &str) -> Classification {
    Classification {
        category: "orders".into(),
        priority: "low".into(),
        sentiment: "neutral".into(),
        summary: summarize(text),
        escalate: false,
        escalation_reason: None,
        estimated_resolution_time: "immediate".into(),
        source: "confirmation".into(),
    }
}

/// The first sentence, at most 120 characters.
pub fn summarize(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let first = one_line
        .split_inclusive(['.', '?', '!'])
        .next()
        .unwrap_or(&one_line)
        .trim();
    if first.chars().count() > 120 {
        format!("{}…", first.chars().take(119).collect::<String>())
    } else {
        first.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn escalation_triggers_are_found_with_their_priority() {
        let c = classify("I'll call my lawyer if this isn't fixed", None).await;
        assert!(c.escalate);
        assert_eq!(c.priority, "urgent");
        let c = classify("I'm going to file a chargeback", None).await;
        assert!(c.escalate);
        assert_eq!(c.priority, "high");
        assert_eq!(c.category, "billing");
        let c = classify("Can I talk to a human please?", None).await;
        assert!(c.escalate);
        let c = classify("The charger got hot and there was smoke", None).await;
        assert_eq!(c.priority, "urgent");
    }

    #[tokio::test]
    async fn ordinary_messages_do_not_escalate() {
        let c = classify(
            "Where is order 1013? My email is lucas.rossi@example.com",
            None,
        )
        .await;
        assert!(!c.escalate, "{c:?}");
        assert_eq!(c.category, "orders");
        let c = classify("Is the BoomGo waterproof?", None).await;
        assert_eq!(c.category, "product_question");
        assert_eq!(c.priority, "low");
        // "humane" is not "human"
        assert!(!classify("a humane question", None).await.escalate);
    }

    #[tokio::test]
    async fn sentiment_reads_tone() {
        assert_eq!(
            classify("This is RIDICULOUS, still nothing!!!", None)
                .await
                .sentiment,
            "angry"
        );
        assert_eq!(
            classify("It's still not working", None).await.sentiment,
            "frustrated"
        );
        assert_eq!(
            classify("Thanks, that's great", None).await.sentiment,
            "positive"
        );
    }
}
