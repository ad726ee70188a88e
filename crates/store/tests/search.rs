//! The desk's conversation search on real databases: words found through the full-text index
//! (stemmed, by prefix, in any order), exact email and id matches, each filter, pages that do
//! not overlap, nothing a person types breaking the query, and erased messages gone from the
//! index too.
// A test stops at a failed step: unwrap and expect are what it means here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(dead_code)] // shared by several test binaries; each uses part of it
mod support;

use store::feedback::FeedbackRow;
use store::operations::ConversationView;
use store::search::{ConversationSearch, Holder, Priority, RatingBand};

fn classified(category: &str, priority: &str) -> String {
    format!(
        r#"{{"classification":{{"category":"{category}","priority":"{priority}","sentiment":"neutral","escalate":false}}}}"#
    )
}

async fn conversation(store: &store::Store, id: &str, customer: &str, agent: &str, meta: &str) {
    store
        .ensure_conversation(id, "support", customer)
        .await
        .unwrap();
    store
        .append_message(id, "user", customer, meta)
        .await
        .unwrap();
    store
        .append_message(id, "assistant", agent, "{}")
        .await
        .unwrap();
}

fn ids(found: &store::search::Found) -> Vec<&str> {
    let mut ids: Vec<&str> = found.conversations.iter().map(|c| c.id.as_str()).collect();
    ids.sort_unstable();
    ids
}

fn words(text: &str) -> ConversationSearch {
    ConversationSearch {
        text: text.to_owned(),
        limit: 50,
        ..ConversationSearch::default()
    }
}

#[tokio::test]
async fn conversations_are_found_by_their_words_and_filters() {
    for db in support::all().await {
        let store = &db.store;
        conversation(
            store,
            "search-refund",
            "I am still waiting for my refunds on the broken monitor",
            "Refunds take five business days.",
            &classified("returns", "high"),
        )
        .await;
        conversation(
            store,
            "search-shipping",
            "How much is shipping of a keyboard to Chicago?",
            "Shipping to 60601 costs $7.99.",
            &classified("shipping", "low"),
        )
        .await;
        store
            .set_conversation_customer("search-shipping", "kim@example.com")
            .await
            .unwrap();
        // A tool record mentioning a word is not a message anyone wrote: not searched.
        store
            .append_message("search-shipping", "tool", "zeppelin", "{}")
            .await
            .unwrap();

        // Stemmed ("refund" finds "refunds"), by prefix ("monit"), in any order, any case.
        assert_eq!(
            ids(&store.search_conversations(&words("REFUND")).await.unwrap()),
            vec!["search-refund"]
        );
        let found = store
            .search_conversations(&words("monit refund"))
            .await
            .unwrap();
        assert_eq!(ids(&found), vec!["search-refund"]);
        // Where it matched: the newest matching message, the words marked (stems and prefixes).
        assert_eq!(found.snippets.len(), 1, "{:?}", found.snippets);
        let snippet = &found.snippets[0];
        assert_eq!(snippet.conversation_id, "search-refund");
        let marked: Vec<String> = snippet
            .parts
            .iter()
            .filter(|p| p.hit)
            .map(|p| p.text.to_lowercase())
            .collect();
        assert!(
            marked.iter().any(|w| w.starts_with("refund")),
            "{snippet:?} on {:?}",
            store.backend()
        );
        let plain: String = snippet.parts.iter().map(|p| p.text.as_str()).collect();
        assert!(
            plain.contains("Refunds take five") || plain.contains("refunds on the broken"),
            "{plain}"
        );
        // No words, no snippets.
        let filtered = store
            .search_conversations(&ConversationSearch {
                limit: 50,
                ..ConversationSearch::default()
            })
            .await
            .unwrap();
        assert!(filtered.snippets.is_empty());
        assert_eq!(
            ids(&store.search_conversations(&words("60601")).await.unwrap()),
            vec!["search-shipping"]
        );
        assert!(
            ids(&store
                .search_conversations(&words("zeppelin"))
                .await
                .unwrap())
            .is_empty()
        );
        // Both words must be in one conversation's messages.
        assert!(
            ids(&store
                .search_conversations(&words("refund chicago"))
                .await
                .unwrap())
            .is_empty()
        );
        // An email or an id matches exactly.
        assert_eq!(
            ids(&store
                .search_conversations(&words("kim@example.com"))
                .await
                .unwrap()),
            vec!["search-shipping"]
        );
        assert_eq!(
            ids(&store
                .search_conversations(&words("search-refund"))
                .await
                .unwrap()),
            vec!["search-refund"]
        );
        // What a person might type that means something to a query language changes nothing.
        for odd in [
            "\"",
            "refund\" OR \"x",
            "*",
            "a:* | b",
            "'); DROP TABLE messages; --",
            "NEAR(refund)",
            "^refund",
        ] {
            store
                .search_conversations(&words(odd))
                .await
                .unwrap_or_else(|e| panic!("{odd}: {e}"));
        }

        // Filters.
        let category = ConversationSearch {
            category: Some("returns".into()),
            ..words("")
        };
        assert_eq!(
            ids(&store.search_conversations(&category).await.unwrap()),
            vec!["search-refund"]
        );
        let priority = ConversationSearch {
            priority: Some(Priority::Low),
            ..words("")
        };
        assert_eq!(
            ids(&store.search_conversations(&priority).await.unwrap()),
            vec!["search-shipping"]
        );
        store
            .put_feedback(&FeedbackRow {
                conversation_id: "search-refund".into(),
                message_id: 0,
                kind: "rating".into(),
                passage: String::new(),
                score: 2,
                reason: "slow".into(),
                intent: String::new(),
                passages: String::new(),
                created_at: chrono::Utc::now(),
            })
            .await
            .unwrap();
        let low = ConversationSearch {
            rating: Some(RatingBand::Low),
            ..words("")
        };
        assert_eq!(
            ids(&store.search_conversations(&low).await.unwrap()),
            vec!["search-refund"]
        );
        let high = ConversationSearch {
            rating: Some(RatingBand::High),
            ..words("")
        };
        assert!(ids(&store.search_conversations(&high).await.unwrap()).is_empty());
        let unrated = ConversationSearch {
            rating: Some(RatingBand::Unrated),
            text: "shipping".into(),
            ..words("")
        };
        assert_eq!(
            ids(&store.search_conversations(&unrated).await.unwrap()),
            vec!["search-shipping"]
        );
        let nobody = ConversationSearch {
            holder: Some(Holder::Nobody),
            ..words("refund")
        };
        assert_eq!(
            ids(&store.search_conversations(&nobody).await.unwrap()),
            vec!["search-refund"]
        );
        let someone = ConversationSearch {
            holder: Some(Holder::Staff(1)),
            ..words("refund")
        };
        assert!(ids(&store.search_conversations(&someone).await.unwrap()).is_empty());
        let later = ConversationSearch {
            from: Some(chrono::Utc::now() + chrono::Duration::days(1)),
            ..words("refund")
        };
        assert!(ids(&store.search_conversations(&later).await.unwrap()).is_empty());
        let escalated = ConversationSearch {
            view: ConversationView::Escalated,
            ..words("refund")
        };
        assert!(ids(&store.search_conversations(&escalated).await.unwrap()).is_empty());

        // Pages: no overlap, and the total counts every match.
        for n in 0..7 {
            conversation(
                store,
                &format!("page-{n}"),
                "Where is my parcel?",
                "On its way.",
                "{}",
            )
            .await;
        }
        let mut seen = Vec::new();
        for page in 0..3 {
            let found = store
                .search_conversations(&ConversationSearch {
                    offset: page * 3,
                    limit: 3,
                    ..words("parcel")
                })
                .await
                .unwrap();
            assert_eq!(found.total, 7);
            seen.extend(found.conversations.into_iter().map(|c| c.id));
        }
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 7, "{seen:?}");

        // An erased customer's words leave the index with their messages.
        store
            .set_conversation_customer("search-refund", "gone@example.com")
            .await
            .unwrap();
        store.erase_customer("gone@example.com").await.unwrap();
        assert!(ids(&store.search_conversations(&words("refund")).await.unwrap()).is_empty());
        db.cleanup().await;
    }
}
