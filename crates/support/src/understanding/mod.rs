//! Understanding one message: what it asks for (the intent model and keyword evidence), the
//! details it carries (extraction), how it reads (category, priority, sentiment, escalation).

pub mod classify;
pub mod extract;
pub mod help_question;
pub mod intent;
pub mod intent_model;
pub mod keywords;
pub mod language;
pub mod reading;
pub mod semantic;
pub mod stance;
