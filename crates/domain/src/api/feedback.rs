//! Customer feedback: thumbs on a reply (with an optional reason), "was this helpful" on a
//! passage a reply cited, a 1-5 rating of a resolved conversation; and what the desk's analytics
//! make of them.

use super::v1::Refusal;
use crate::time::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The longest reason a customer may give for a thumbs-down, in characters.
pub const MAX_REASON_CHARS: usize = 500;
/// The longest comment with a rating, in characters.
pub const MAX_COMMENT_CHARS: usize = 1_000;
/// The longest passage id (a knowledge-base chunk id).
pub const MAX_PASSAGE_CHARS: usize = 120;

/// A thumbs up or down on one of the agent's replies, or on one passage it cited.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReplyFeedback {
    /// The reply's message id (`messages[].id` in the transcript).
    pub message_id: i64,
    /// true: it helped; false: it did not.
    pub helpful: bool,
    /// What was wrong, in the customer's words (optional, up to 500 characters).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub reason: Option<String>,
    /// One passage the reply cited (`citations[].id`): the vote is on that source.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 120))]
    pub passage: Option<String>,
}

/// How the customer rates a resolved conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConversationRating {
    /// 1 (very poor) to 5 (excellent).
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 5))]
    pub rating: u8,
    /// Optional, up to 1000 characters.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 1000))]
    pub comment: Option<String>,
}

impl ReplyFeedback {
    /// The rules the schema states; the sentence names what to fix.
    pub fn check(&self) -> Result<(), Refusal> {
        if self
            .reason
            .as_ref()
            .is_some_and(|r| r.chars().count() > MAX_REASON_CHARS)
        {
            return Err(Refusal {
                field: "reason",
                message: format!("Keep the reason to {MAX_REASON_CHARS} characters."),
            });
        }
        if self
            .passage
            .as_ref()
            .is_some_and(|p| p.chars().count() > MAX_PASSAGE_CHARS)
        {
            return Err(Refusal {
                field: "passage",
                message: "That is not a passage id.".into(),
            });
        }
        Ok(())
    }
}

impl ConversationRating {
    pub fn check(&self) -> Result<(), Refusal> {
        if !(1..=5).contains(&self.rating) {
            return Err(Refusal {
                field: "rating",
                message: "Rate from 1 to 5.".into(),
            });
        }
        if self
            .comment
            .as_ref()
            .is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS)
        {
            return Err(Refusal {
                field: "comment",
                message: format!("Keep the comment to {MAX_COMMENT_CHARS} characters."),
            });
        }
        Ok(())
    }
}

/// The answer to a vote or a rating.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeedbackRecorded {
    pub recorded: bool,
}

/// One vote the customer gave, for the page after a reload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vote {
    pub message_id: i64,
    #[serde(default)]
    pub passage: Option<String>,
    pub helpful: bool,
}

/// What this browser's customer already said about their conversation.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyFeedback {
    pub votes: Vec<Vote>,
    #[serde(default)]
    pub rating: Option<u8>,
}

/// Thumbs-down share of one group (an intent, a passage).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DownRate {
    pub label: String,
    pub down: usize,
    pub total: usize,
}

/// A conversation rated 1 or 2.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LowRated {
    pub conversation_id: String,
    pub title: String,
    pub rating: u8,
    pub comment: String,
    pub at: DateTime<Utc>,
}

/// The desk's feedback figures for a period.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FeedbackFigures {
    pub ratings: usize,
    pub average_rating: Option<f64>,
    /// The share of ratings that are 4 or 5 (CSAT).
    pub csat: Option<f64>,
    pub thumbs_up: usize,
    pub thumbs_down: usize,
    /// Thumbs on replies, by the intent of the message they answered, most disliked first.
    pub down_by_intent: Vec<DownRate>,
    /// Votes on replies that cited a passage, and on the passage itself, by passage.
    pub down_by_passage: Vec<DownRate>,
    pub low_rated: Vec<LowRated>,
}
