//! How a message reads, beyond the details it carries: a question or a request, a help
//! question, a plain yes or no, a negated, quoted or hypothetical action, several requests in
//! one message, typos in the words that matter, and what the intent model gets to read.

use super::extract::{address, email, email_pattern, re, target_quantity};
use regex::Regex;
use std::sync::OnceLock;

pub use super::help_question::is_help_question;
pub use super::stance::{Stance, is_request_to_act, stance};

/// The message as the intent model reads it: without email addresses, which name a person and
/// say nothing about what they want (a bare address must not read as any request).
pub fn for_model(text: &str) -> String {
    email_pattern().replace_all(text, " ").trim().to_string()
}

/// Whether a message has too few words for the intent model to read anything into it ("1014?",
/// an email, "sorry i meant 1028"): words of two or more letters, emails and numbers aside.
pub fn too_short_to_read(text: &str) -> bool {
    // Only a message that carries details (an email, a number) and little else: "hi" and
    // "thanks!" are short but say what they mean.
    if email(text).is_none() && !text.chars().any(|c| c.is_ascii_digit()) {
        return false;
    }
    for_model(text)
        .split(|c: char| !c.is_alphabetic() && c != '\'')
        .filter(|w| w.chars().filter(|c| c.is_alphabetic()).count() >= 2)
        .count()
        < 3
}

pub fn is_yes(text: &str) -> bool {
    let lower = text.trim().to_lowercase();
    let first = lower.trim_start_matches(|c: char| !c.is_alphanumeric());
    [
        "yes",
        "yeah",
        "yep",
        "sure",
        "ok",
        "okay",
        "confirm",
        "please do",
        "go ahead",
        "do it",
        "correct",
        "place it",
        "place the order",
        "sounds good",
        "y",
    ]
    .iter()
    .any(|w| {
        first == *w
            || first.starts_with(&format!("{w} "))
            || first.starts_with(&format!("{w},"))
            || first.starts_with(&format!("{w}!"))
            || first.starts_with(&format!("{w}."))
    })
}

/// A question rather than a statement or an instruction.
pub fn is_question(text: &str) -> bool {
    let lower = text.trim().to_lowercase();
    lower.contains('?')
        || [
            "what", "how", "when", "why", "where", "which", "is ", "are ", "do ", "does ", "can ",
            "could ", "will ", "would ", "should ",
        ]
        .iter()
        .any(|w| lower.starts_with(w))
        // Asked after a lead-in and without a question mark, as people type: "once you get it
        // back how long till i see the money".
        || [
            " how long", " how much", " how many", " how do", " how does", " how soon",
            " when will", " when do", " what is the", " what's the",
        ]
        .iter()
        .any(|w| lower.contains(w))
}

/// The separate requests of one message ("where is order 1013, and also how long is the
/// warranty?"): split only at clear joints, and only into parts of a few words each.
pub fn split_requests(text: &str) -> Vec<String> {
    static R: OnceLock<Regex> = OnceLock::new();
    let joint = re(
        &R,
        r"(?i)(?:,?\s+and also\s+|[,.;!?]\s*also[,:]?\s+|\s+also,\s+|\?\s+and\s+|\banother thing[,:]?\s+|\bsecond(?:ly)?[,:]\s+)",
    );
    let mut parts: Vec<String> = joint
        .split(text)
        .map(|p| p.trim().trim_start_matches([',', '.']).trim().to_string())
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() < 2 || parts.iter().any(|p| p.split_whitespace().count() < 3) {
        parts = vec![text.to_string()];
    }
    parts
}

/// The customer asks for the list of their orders, or cannot give an order number.
pub fn asks_for_order_list(text: &str) -> bool {
    let lower = text.to_lowercase().replace('’', "'");
    [
        "forgot",
        "lost",
        "don't have",
        "dont have",
        "do not have",
        "don't know",
        "dont know",
        "don't remember",
        "dont remember",
        "can't find",
        "cant find",
        "list",
        "all my orders",
        "all orders",
        "order history",
        "what orders",
        "which orders",
        "my orders",
        "orders do i",
        "orders have i",
        "orders did i",
        "what did i order",
        "code",
    ]
    .iter()
    .any(|w| lower.contains(w))
}

/// A message that changes a detail of what was just proposed ("make that 4", "actually 3",
/// a new address, another product instead).
pub fn amends(text: &str) -> bool {
    if is_confirmation(text) || is_refusal(text) || text.contains('?') || is_help_question(text) {
        return false;
    }
    // A concrete new detail, not just "actually…": a question after a card is a new topic.
    target_quantity(text).is_some() || address(text).is_some()
}

/// "I want 2", "make it three", "need 4 instead": a new quantity asked for.
pub fn wants_quantity(text: &str) -> bool {
    static R: OnceLock<Regex> = OnceLock::new();
    re(
        &R,
        r"(?i)\b(?:want|need|make it|change it to|should be)\s+(?:\d{1,2}|two|three|four|five)\b",
    )
    .is_match(text)
}

/// The words a request turns on, spelt as meant: a word one letter short, one letter over or
/// with two letters swapped ("cancle", "retrun", "ordr", "staus") becomes the word. Words that
/// only extend it ("orders", "cancelled") stay as they are.
pub fn fix_typos(lower: &str) -> String {
    const WORDS: &[&str] = &[
        "cancel", "return", "status", "order", "address", "refund", "shipping", "delivery",
        "deliver", "receive", "package", "change", "tracking", "warranty", "exchange",
    ];
    lower
        .split(' ')
        .map(|token| {
            let word: String = token.chars().filter(|c| c.is_alphabetic()).collect();
            if word.len() < 4 || WORDS.contains(&word.as_str()) {
                return token.to_string();
            }
            match WORDS
                .iter()
                .find(|w| !word.starts_with(**w) && one_edit_apart(&word, w))
            {
                Some(w) => token.replacen(&word, w, 1),
                None => token.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// One letter inserted, one deleted, or two neighbours swapped (no substitutions: "older" is
/// not "order").
fn one_edit_apart(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    match a.len() as isize - b.len() as isize {
        0 => {
            let diff: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
            diff.len() == 2
                && diff[1] == diff[0] + 1
                && a[diff[0]] == b[diff[1]]
                && a[diff[1]] == b[diff[0]]
        }
        1 | -1 => {
            let (long, short) = if a.len() > b.len() {
                (&a, &b)
            } else {
                (&b, &a)
            };
            (0..long.len()).any(|skip| {
                long.iter()
                    .enumerate()
                    .filter(|(i, _)| *i != skip)
                    .map(|(_, c)| c)
                    .eq(short.iter())
            })
        }
        _ => false,
    }
}

/// A plain "yes" to the card just shown, and nothing else: short, no question, no second request
/// ("ok, but what about…" or "yes and change the address" are not a confirmation).
pub fn is_confirmation(text: &str) -> bool {
    let lower = text.trim().to_lowercase();
    let words = lower.split_whitespace().count();
    is_yes(&lower)
        && words <= 6
        && !lower.contains('?')
        && ![
            " but ", " and ", "thank", "n't", " not ", "what", "how", "instead", "change",
        ]
        .iter()
        .any(|w| format!(" {lower} ").contains(w))
}

/// A plain "no" to the card just shown.
pub fn is_refusal(text: &str) -> bool {
    let lower = text.trim().to_lowercase();
    let bare = lower.trim_end_matches(['.', '!', ' ']);
    (is_no(&lower) || ["cancel", "leave it", "keep it", "no, leave it"].contains(&bare))
        && lower.split_whitespace().count() <= 8
        && !lower.contains('?')
        && !lower.chars().any(|c| c.is_ascii_digit())
        && !lower.contains("instead")
}

pub fn is_no(text: &str) -> bool {
    let lower = text.trim().to_lowercase();
    [
        "no",
        "nope",
        "don't",
        "do not",
        "not now",
        "never mind",
        "nevermind",
        "stop",
    ]
    .iter()
    .any(|w| {
        lower == *w
            || lower.starts_with(&format!("{w} "))
            || lower.starts_with(&format!("{w},"))
            || lower.starts_with(&format!("{w}."))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_negated_action_is_no_request() {
        assert_eq!(
            stance("i dont want to cancel order 1028, i just want to know when it ships"),
            Stance::NoAction
        );
        assert_eq!(
            stance("no need to return it, is it normal?"),
            Stance::NoAction
        );
        assert_eq!(stance("please cancel order 1028"), Stance::Request);
        assert_eq!(
            stance("don't cancel the hub, cancel the charger"),
            Stance::Request
        );
    }

    #[test]
    fn stance_tells_requests_from_questions_quotes_and_reports() {
        assert_eq!(stance("Please cancel order 1024"), Stance::Request);
        assert_eq!(
            stance("cancel order 1027, diego.alvarez@example.com"),
            Stance::Request
        );
        assert_eq!(
            stance(
                "I'm thinking about cancelling order 1024 - if I did, when would I get my money back?"
            ),
            Stance::Hypothetical
        );
        assert_eq!(
            stance("what happens if I cancel an order?"),
            Stance::Hypothetical
        );
        assert_eq!(
            stance("should I cancel order 1025 or wait?"),
            Stance::Hypothetical
        );
        assert_eq!(
            stance("Translate to Spanish: \"please cancel order 1027\""),
            Stance::Hypothetical
        );
        assert_eq!(
            stance("my friend wrote 'cancel order 1024' in our chat, is that how it works?"),
            Stance::Hypothetical
        );
        assert_eq!(
            stance("my husband said to cancel order 1028"),
            Stance::Hypothetical
        );
        assert_eq!(
            stance("there's a dead pixel on my monitor"),
            Stance::NoAction
        );
        // An apostrophe inside a word is not a quotation mark.
        assert_eq!(
            stance("I don't want it, cancel order 1024 please"),
            Stance::Request
        );
    }

    #[test]
    fn help_questions_are_recognised() {
        assert!(is_help_question("is this hiss normal?"));
        assert!(is_help_question("boomgo wont connect to my phone"));
        assert!(is_help_question("how long is the warranty on the camera"));
        assert!(is_help_question(
            "it's cheaper now, can I get the difference back?"
        ));
        assert!(!is_help_question("where is order 1013"));
        assert!(!is_help_question("show me keyboards under $100"));
    }

    #[test]
    fn a_confirmation_is_a_plain_yes_and_nothing_more() {
        assert!(is_confirmation("yes"));
        assert!(is_confirmation("Yes, go ahead"));
        assert!(is_confirmation("confirm"));
        assert!(!is_confirmation("ok thanks"));
        assert!(!is_confirmation("yes and change the address too"));
        assert!(!is_confirmation("yes? what would it cost"));
        assert!(is_refusal("no"));
        assert!(is_refusal("No, leave it"));
        assert!(!is_refusal("no, cancel order 1026 instead"));
    }

    #[test]
    fn typos_in_request_words_read_as_meant() {
        assert_eq!(
            fix_typos("pls cancle my ordr 1024"),
            "pls cancel my order 1024"
        );
        assert_eq!(fix_typos("i want to retrun it"), "i want to return it");
        assert_eq!(fix_typos("staus?"), "status?");
        // Extensions and other words stay.
        assert_eq!(
            fix_typos("my orders were cancelled"),
            "my orders were cancelled"
        );
        assert_eq!(fix_typos("an older order"), "an older order");
    }

    #[test]
    fn the_model_reads_no_email_and_nothing_into_a_few_words() {
        assert_eq!(
            for_model("status of 1013 lucas.rossi@example.com"),
            "status of 1013"
        );
        assert!(too_short_to_read("zoe.anderson@example.com"));
        assert!(too_short_to_read("1014?"));
        assert!(too_short_to_read("sorry i meant 1028"));
        assert!(!too_short_to_read("where is my order"));
        assert!(!too_short_to_read("can't find my parcel"));
        assert!(!too_short_to_read("hey there"));
    }

    #[test]
    fn a_question_after_a_lead_in_is_a_question() {
        assert!(is_question(
            "once you get my return back how long till i see the money"
        ));
        assert!(!is_question("cancel order 1024 please"));
    }

    #[test]
    fn what_a_word_means_is_a_help_question() {
        assert!(is_help_question("what does processing mean for an order?"));
        assert!(is_help_question(
            "why do you need my email to look up an order"
        ));
        assert!(!is_help_question("what does the aurora cost"));
        assert!(is_help_question(
            "once you get my return back how long till i see the money"
        ));
    }
}
