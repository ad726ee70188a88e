//! The desk's conversation search over many messages: seeds `--messages` (default 10,000)
//! support messages in `--conversations` (default 1,000) conversations into a fresh SQLite file
//! and, when it answers, a fresh PostgreSQL schema, then times searches as the desk makes them
//! (one word, two words, a prefix, a word with a filter, a word matching nothing), each the
//! page of 50 and its total. Prints p50 and p99 per backend.
//!
//!   scripts/bench-search.sh
//!   cargo run --release -p store --bin search-bench -- --messages 10000 --runs 200

// A benchmark stops at the first failure: expect says where.
#![allow(clippy::expect_used)]

use std::time::Instant;
use store::search::{ConversationSearch, Priority};
use store::testing::TestDatabase;

const SUBJECTS: &[&str] = &[
    "monitor",
    "keyboard",
    "headphones",
    "laptop",
    "charger",
    "webcam",
    "speaker",
    "tablet",
    "router",
    "mouse",
    "printer",
    "camera",
];
const TROUBLES: &[&str] = &[
    "arrived scratched",
    "stopped charging",
    "was never delivered",
    "makes a buzzing noise",
    "is missing a cable",
    "was charged twice",
    "needs a refund",
    "cannot connect to wifi",
];
const CATEGORIES: &[&str] = &["returns", "shipping", "technical", "billing"];
const PRIORITIES: &[&str] = &["low", "medium", "high", "urgent"];

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn seed(store: &store::Store, conversations: usize, messages: usize) {
    let per = (messages / conversations.max(1)).max(2);
    for c in 0..conversations {
        let id = format!("bench-{c:05}");
        let subject = SUBJECTS[c % SUBJECTS.len()];
        let trouble = TROUBLES[(c / SUBJECTS.len()) % TROUBLES.len()];
        let meta = format!(
            r#"{{"classification":{{"category":"{}","priority":"{}","sentiment":"neutral","escalate":false}}}}"#,
            CATEGORIES[c % CATEGORIES.len()],
            PRIORITIES[c % PRIORITIES.len()]
        );
        store
            .ensure_conversation(&id, "support", &format!("My {subject} {trouble}"))
            .await
            .expect("conversation");
        for m in 0..per {
            let (role, text, meta) = if m % 2 == 0 {
                (
                    "user",
                    format!("My {subject} {trouble}, order {} (message {m}).", 1000 + c),
                    meta.as_str(),
                )
            } else {
                (
                    "assistant",
                    format!("Sorry to hear your {subject} {trouble}. I have opened case {c}-{m}."),
                    "{}",
                )
            };
            store
                .append_message(&id, role, &text, meta)
                .await
                .expect("message");
        }
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or(f64::NAN)
}

async fn run(label: &str, db: TestDatabase, conversations: usize, messages: usize, runs: usize) {
    let store = &db.store;
    let started = Instant::now();
    seed(store, conversations, messages).await;
    println!(
        "{label}: seeded {messages} messages in {conversations} conversations in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let searches: Vec<(&str, ConversationSearch)> = vec![
        ("one word", search("scratched")),
        ("two words", search("charger refund")),
        ("prefix", search("headph")),
        ("order number", search("1042")),
        (
            "word + priority",
            ConversationSearch {
                priority: Some(Priority::Urgent),
                ..search("buzzing")
            },
        ),
        ("no match", search("zeppelin")),
        ("no words (newest page)", search("")),
    ];
    let mut all = Vec::new();
    for (name, query) in &searches {
        let mut times = Vec::with_capacity(runs);
        let mut total = 0;
        for _ in 0..runs {
            let t = Instant::now();
            let found = store.search_conversations(query).await.expect("search");
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            total = found.total;
        }
        times.sort_by(f64::total_cmp);
        println!(
            "{label}: {name:<24} {total:>5} found   p50 {:>7.2} ms   p99 {:>7.2} ms",
            percentile(&times, 0.5),
            percentile(&times, 0.99)
        );
        all.extend(times);
    }
    all.sort_by(f64::total_cmp);
    println!(
        "{label}: every search            p50 {:.2} ms   p99 {:.2} ms ({} searches)",
        percentile(&all, 0.5),
        percentile(&all, 0.99),
        all.len()
    );
    db.cleanup().await;
}

fn search(text: &str) -> ConversationSearch {
    ConversationSearch {
        text: text.to_owned(),
        limit: 50,
        ..ConversationSearch::default()
    }
}

#[tokio::main]
async fn main() {
    let messages = arg("--messages", 10_000);
    let conversations = arg("--conversations", 1_000);
    let runs = arg("--runs", 100).max(1);
    let anchor = chrono::Utc::now();
    run(
        "SQLite",
        TestDatabase::sqlite(anchor).await,
        conversations,
        messages,
        runs,
    )
    .await;
    match TestDatabase::postgres(anchor).await {
        Some(db) => run("PostgreSQL", db, conversations, messages, runs).await,
        None => println!("PostgreSQL: not reachable (TEST_POSTGRES_URL); skipped"),
    }
}
