//! What customers say about the answers: a vote on a reply or on a passage it cited, a rating of
//! a resolved conversation; and the figures the desk's analytics show (CSAT, thumbs-down rate by
//! intent and by passage, low-rated conversations).

use crate::services::ServiceError;
use domain::api::feedback::{
    ConversationRating, DownRate, FeedbackFigures, LowRated, MyFeedback, ReplyFeedback, Vote,
};
use domain::api::support::ReplyMetadata;
use std::collections::BTreeMap;
use store::Store;
use store::feedback::FeedbackRow;

fn unavailable(e: store::StoreError) -> ServiceError {
    tracing::error!(error = %e, "feedback store error");
    ServiceError::unavailable("Your feedback could not be saved; try again.")
}

/// A customer's comment as stored: trimmed, or nothing when transcripts are not kept.
fn words(comment: Option<&str>, keep_words: bool) -> String {
    if keep_words {
        comment.unwrap_or("").trim().to_owned()
    } else {
        String::new()
    }
}

/// Records a vote on one of the agent's replies in `conversation_id` (or on one passage it
/// cited). Voting again replaces the earlier vote.
/// With `keep_words` false (`STORE_TRANSCRIPTS=false`) the reason is not stored, only the vote.
pub async fn vote(
    store: &Store,
    conversation_id: &str,
    feedback: &ReplyFeedback,
    keep_words: bool,
) -> Result<(), ServiceError> {
    feedback
        .check()
        .map_err(|refusal| ServiceError::Invalid(refusal.message))?;
    let no_reply = || {
        ServiceError::not_found(
            "There is no reply of the assistant with that id in this conversation.",
        )
    };
    let (role, metadata) = store
        .message_of(conversation_id, feedback.message_id)
        .await
        .map_err(unavailable)?
        .ok_or_else(no_reply)?;
    if role != "assistant" {
        return Err(no_reply());
    }
    let cited: Vec<String> = serde_json::from_str::<ReplyMetadata>(&metadata)
        .ok()
        .and_then(|m| m.citations)
        .unwrap_or_default()
        .into_iter()
        .map(|c| c.id)
        .collect();
    let passage = feedback.passage.clone().unwrap_or_default();
    if !passage.is_empty() && !cited.contains(&passage) {
        return Err(ServiceError::not_found(
            "That reply did not cite that passage.",
        ));
    }
    let intent = store
        .customer_message_before(conversation_id, feedback.message_id)
        .await
        .map_err(unavailable)?
        .and_then(|m| serde_json::from_str::<serde_json::Value>(&m).ok())
        .and_then(|m| m["classification"]["category"].as_str().map(str::to_owned))
        .unwrap_or_default();
    store
        .put_feedback(&FeedbackRow {
            conversation_id: conversation_id.to_owned(),
            message_id: feedback.message_id,
            kind: "reply".into(),
            passage,
            score: if feedback.helpful { 1 } else { -1 },
            reason: words(feedback.reason.as_deref(), keep_words),
            intent,
            passages: cited.join(" "),
            created_at: chrono::Utc::now(),
        })
        .await
        .map_err(unavailable)
}

/// Records the customer's rating of a resolved conversation (rating again replaces it). With
/// `keep_words` false the comment is not stored, only the rating.
pub async fn rate(
    store: &Store,
    conversation_id: &str,
    rating: &ConversationRating,
    keep_words: bool,
) -> Result<(), ServiceError> {
    rating
        .check()
        .map_err(|refusal| ServiceError::Invalid(refusal.message))?;
    let conversation = store
        .conversation(conversation_id)
        .await
        .map_err(unavailable)?
        .ok_or_else(|| ServiceError::not_found("There is no such conversation."))?;
    if conversation.status != "closed" {
        return Err(ServiceError::Conflict(
            "A conversation is rated once it is resolved.".into(),
        ));
    }
    store
        .put_feedback(&FeedbackRow {
            conversation_id: conversation_id.to_owned(),
            message_id: 0,
            kind: "rating".into(),
            passage: String::new(),
            score: i64::from(rating.rating),
            reason: words(rating.comment.as_deref(), keep_words),
            intent: String::new(),
            passages: String::new(),
            created_at: chrono::Utc::now(),
        })
        .await
        .map_err(unavailable)
}

/// Tells the desks a rating came in (event `rated`), so their figures follow; a rating of 1 or
/// 2 also alerts the team.
pub async fn announce_rating(
    service: &crate::services::support::SupportService,
    conversation_id: &str,
    rating: u8,
) {
    service.hub().publish_to_staff(
        "rated",
        &serde_json::json!({ "conversation_id": conversation_id, "rating": rating }),
    );
    if rating <= 2 {
        service
            .alerts()
            .raise(crate::services::alerts::Alert::LowRating {
                conversation_id: conversation_id.to_owned(),
                rating,
            })
            .await;
    }
}

/// The customer's own votes and rating on their conversation.
pub async fn mine(store: &Store, conversation_id: &str) -> Result<MyFeedback, ServiceError> {
    let rows = store
        .conversation_feedback(conversation_id)
        .await
        .map_err(unavailable)?;
    let mut mine = MyFeedback::default();
    for row in rows {
        match row.kind.as_str() {
            "rating" => mine.rating = u8::try_from(row.score).ok(),
            _ => mine.votes.push(Vote {
                message_id: row.message_id,
                passage: (!row.passage.is_empty()).then_some(row.passage),
                helpful: row.score > 0,
            }),
        }
    }
    Ok(mine)
}

fn rates(map: BTreeMap<String, (usize, usize)>) -> Vec<DownRate> {
    let mut out: Vec<DownRate> = map
        .into_iter()
        .map(|(label, (down, total))| DownRate { label, down, total })
        .collect();
    // Most disliked first (by share, then by count).
    out.sort_by(|a, b| {
        let share = |r: &DownRate| r.down as f64 / r.total.max(1) as f64;
        share(b)
            .total_cmp(&share(a))
            .then(b.down.cmp(&a.down))
            .then(a.label.cmp(&b.label))
    });
    out
}

/// The figures of the votes and ratings given in a period; `titles` names the conversations.
pub fn figures(rows: &[FeedbackRow], titles: &BTreeMap<String, String>) -> FeedbackFigures {
    let mut by_intent: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut by_passage: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let (mut up, mut down) = (0, 0);
    let mut ratings = Vec::new();
    let mut low_rated = Vec::new();
    for row in rows {
        if row.kind == "rating" {
            ratings.push(row.score as f64);
            if row.score <= 2 {
                low_rated.push(LowRated {
                    conversation_id: row.conversation_id.clone(),
                    title: titles
                        .get(&row.conversation_id)
                        .cloned()
                        .unwrap_or_default(),
                    rating: u8::try_from(row.score).unwrap_or(0),
                    comment: row.reason.clone(),
                    at: row.created_at,
                });
            }
            continue;
        }
        let disliked = usize::from(row.score < 0);
        let count = |map: &mut BTreeMap<String, (usize, usize)>, label: &str| {
            let entry = map.entry(label.to_owned()).or_default();
            entry.0 += disliked;
            entry.1 += 1;
        };
        if row.passage.is_empty() {
            if row.score > 0 {
                up += 1;
            } else {
                down += 1;
            }
            let intent = if row.intent.is_empty() {
                "unclassified"
            } else {
                &row.intent
            };
            count(&mut by_intent, intent);
            // A vote on the whole reply counts against each passage it cited.
            for passage in row.passages.split_whitespace() {
                count(&mut by_passage, passage);
            }
        } else {
            count(&mut by_passage, &row.passage);
        }
    }
    low_rated.sort_by_key(|l| std::cmp::Reverse(l.at));
    let n = ratings.len();
    FeedbackFigures {
        ratings: n,
        average_rating: (n > 0).then(|| ratings.iter().sum::<f64>() / n as f64),
        csat: (n > 0).then(|| ratings.iter().filter(|r| **r >= 4.0).count() as f64 / n as f64),
        thumbs_up: up,
        thumbs_down: down,
        down_by_intent: rates(by_intent),
        down_by_passage: rates(by_passage),
        low_rated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(kind: &str, score: i64, intent: &str, passage: &str, passages: &str) -> FeedbackRow {
        FeedbackRow {
            conversation_id: format!("c{score}{intent}{passage}"),
            message_id: 1,
            kind: kind.into(),
            passage: passage.into(),
            score,
            reason: String::new(),
            intent: intent.into(),
            passages: passages.into(),
            created_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn csat_is_the_share_of_fours_and_fives_and_dislikes_group_by_intent_and_passage() {
        let rows = vec![
            row("rating", 5, "", "", ""),
            row("rating", 4, "", "", ""),
            row("rating", 2, "", "", ""),
            row("reply", 1, "returns", "", "returns-1"),
            row("reply", -1, "returns", "", "returns-1 shipping-2"),
            row("reply", -1, "order_status", "", ""),
            row("reply", -1, "", "shipping-2", "shipping-2"),
        ];
        let f = figures(&rows, &BTreeMap::new());
        assert_eq!(f.ratings, 3);
        assert_eq!(f.csat, Some(2.0 / 3.0));
        assert_eq!(f.average_rating, Some(11.0 / 3.0));
        assert_eq!((f.thumbs_up, f.thumbs_down), (1, 2));
        assert_eq!(f.down_by_intent[0].label, "order_status");
        let returns = f
            .down_by_intent
            .iter()
            .find(|r| r.label == "returns")
            .unwrap();
        assert_eq!((returns.down, returns.total), (1, 2));
        let shipping = f
            .down_by_passage
            .iter()
            .find(|r| r.label == "shipping-2")
            .unwrap();
        assert_eq!((shipping.down, shipping.total), (2, 2));
        assert_eq!(f.low_rated.len(), 1);
        assert_eq!(f.low_rated[0].rating, 2);
    }
}
