//! How a message reads, beyond the details it carries: a question or a request, a help
//! question, a plain yes or no, a negated, quoted or hypothetical action, several requests in
//! one message, typos in the words that matter, and what the intent model gets to read.

use super::extract::{address, email, email_pattern, order_id, re, target_quantity};
use regex::Regex;
use std::sync::OnceLock;

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

/// What a message says about acting on an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stance {
    /// It asks for an action ("please cancel order 1024").
    Request,
    /// It asks what would happen, or quotes, translates or reports words that ask for one
    /// ("thinking about cancelling… when would I get my money back?").
    Hypothetical,
    /// It names no action at all ("there's a dead pixel, what can I do?").
    NoAction,
}

const ACTION_WORDS: &[&str] = &[
    // Cancelling, however it is put.
    "cancel",
    "don't want",
    "dont want",
    "do not want",
    "no longer want",
    "no longer need",
    "don't need",
    "dont need",
    "get rid of",
    "call off",
    "scrap",
    "stop the order",
    "stop my order",
    "don't send",
    "dont send",
    "do not send",
    "don't ship",
    "dont ship",
    // Returning and changing.
    "drop ",
    "take off",
    "take out",
    "give back",
    "switch",
    "reduce",
    "increase",
    "fewer",
    "one more",
    "another one",
    "only need",
    "ship to",
    "deliver to",
    "return",
    "refund",
    "send back",
    "send it back",
    "send them back",
    "take it back",
    "take them back",
    "money back",
    "exchange",
    "change",
    "modify",
    "update",
    "remove",
    "add ",
    "swap",
    "replace",
    "make it",
    "make that",
    "instead",
    "new address",
    "different address",
    "address to",
    "ship it to",
    "deliver it to",
    "send it to",
];

/// Whether the message asks for an action, wonders about one, or names none. Only a request can
/// lead to a proposal.
pub fn stance(text: &str) -> Stance {
    let lower = fix_typos(&text.to_lowercase());
    if lower.contains("translat") {
        return Stance::Hypothetical;
    }
    let quoted_aside = without_quotes(&lower);
    // "I don't want to cancel, just tell me when it ships": a negated action is no request.
    let own = without_negated_actions(&quoted_aside);
    if own != quoted_aside && !ACTION_WORDS.iter().any(|a| own.contains(a)) && !wants_quantity(&own)
    {
        return Stance::NoAction;
    }
    if !ACTION_WORDS.iter().any(|a| own.contains(a)) && !wants_quantity(&own) {
        // Every action word was inside quotation marks, or there was none.
        return if ACTION_WORDS.iter().any(|a| lower.contains(a)) {
            Stance::Hypothetical
        } else {
            Stance::NoAction
        };
    }
    const REQUEST: &[&str] = &[
        "i want to",
        "i wanna",
        "i'd like to",
        "id like to",
        "i would like to",
        "i need to",
        "please",
        "pls",
        "can you",
        "can u",
        "could you",
        "go ahead",
        "let's",
        "i've decided",
        "i have decided",
    ];
    const HYPOTHETICAL: &[&str] = &[
        "what if",
        "what happens if",
        "what would happen",
        "what happens when",
        "if i ",
        "thinking about",
        "thinking of",
        "considering",
        "do i get",
        "will i get",
        "would i",
        "hypothetically",
        "in case i",
        "wondering",
        "should i",
        "said to",
        "told me to",
        "says to",
        "said i should",
        "not sure yet",
    ];
    let hypothetical = HYPOTHETICAL.iter().any(|h| own.contains(h));
    let reported = ["said to", "told me to", "says to", "wrote", "not sure yet"]
        .iter()
        .any(|h| own.contains(h));
    if reported || (hypothetical && !REQUEST.iter().any(|r| own.contains(r))) {
        Stance::Hypothetical
    } else {
        Stance::Request
    }
}

/// Whether the message itself asks for an action (see [`stance`]).
pub fn is_request_to_act(text: &str) -> bool {
    stance(text) == Stance::Request
}

/// A help question: a product problem ("won't connect", "is this hiss normal", "dead pixel") or
/// a question about how the store works (warranty, price drops, return shipping, payment,
/// privacy, lost parcels). The knowledge base answers these, not the product or order tools.
pub fn is_help_question(text: &str) -> bool {
    let lower = text.to_lowercase().replace('’', "'");
    const PROBLEM: &[&str] = &[
        "not working",
        "stopped working",
        "won't",
        "wont ",
        "doesn't",
        "doesnt",
        "does not",
        "can't",
        "cant ",
        "isn't",
        "keeps ",
        "keep falling",
        "dead pixel",
        "stuck pixel",
        "hiss",
        "buzz",
        "crackl",
        "static",
        "flicker",
        "no sound",
        "no signal",
        "no picture",
        "nothing on the",
        "doesnt show",
        "type twice",
        "twice",
        "too hot",
        "overheat",
        "shuts off",
        "shutting off",
        "turns off",
        "drain",
        "charges slow",
        "charges super slow",
        "slow to charge",
        "blinks",
        "blinking",
        "blurry",
        "out of focus",
        "laggy",
        "lagging",
        "distort",
        "noisy",
        "sagging",
        "sags",
        "wobbl",
        "loose",
        "cracked",
        "too quiet",
        "too dim",
        "echo",
        "freez",
        "crash",
        "error message",
        "slow",
        "only the left",
        "only the right",
        "only one side",
        "one ear",
        "no audio",
        "no bass",
        "cuts out",
        "drops out",
        "only lasts",
        "lasts only",
        "battery life",
        "dies fast",
        "cant find my network",
        "can't find my network",
        "is that normal",
        "is this normal",
        "is it normal",
        "what can i do",
        "what do i do",
        "what should i do",
        "how do i fix",
        "how to fix",
        "troubleshoot",
    ];
    const POLICY: &[&str] = &[
        "tracking number",
        "tracking link",
        "tracking code",
        "original box",
        "original packaging",
        "condition",
        "free shipping",
        "money come back",
        "get my money",
        "refund take",
        "refunds take",
        "until the refund",
        "until my refund",
        "until when",
        "how late can",
        "after i order",
        "after ordering",
        "after i've ordered",
        "return window",
        "return policy",
        "how many days",
        "how long do i have",
        "warranty",
        "guarantee",
        "policy",
        "price drop",
        "cheaper",
        "price match",
        "difference back",
        "return shipping",
        "shipping refunded",
        "do you take",
        "do u take",
        "do you accept",
        "paypal",
        "apple pay",
        "klarna",
        "two charges",
        "charged twice",
        "double charge",
        "ship to canada",
        "ship internationally",
        "international",
        "personal data",
        "my data",
        "privacy",
        "says delivered",
        "said delivered",
        "no package",
        "package was stolen",
        "never got my package",
        "how long do refunds",
        "how long does delivery",
        "how long is the",
        "restocking fee",
        "why do you need",
        "why do i need",
    ];
    // "How long till I see the money?" about no order in particular: how refunds work.
    let refund_timing = order_id(text).is_none()
        && [
            "how long",
            "how soon",
            "how many days",
            "when will i",
            "when do i",
            " till ",
            "until",
        ]
        .iter()
        .any(|w| lower.contains(w))
        && ["money", "refund", "paid back", "credited", "reimburs"]
            .iter()
            .any(|w| lower.contains(w));
    // "What does processing mean?": a question about words, answered by the help center.
    let meaning = (lower.starts_with("what does") || lower.starts_with("what do "))
        && (lower.contains(" mean") || lower.contains("stand for"));
    meaning || refund_timing || PROBLEM.iter().chain(POLICY).any(|w| lower.contains(w))
}

/// The text without actions the customer says they do not want ("i don't want to cancel",
/// "no need to return it").
fn without_negated_actions(lower: &str) -> String {
    static R: OnceLock<Regex> = OnceLock::new();
    re(
        &R,
        r"(?:\bdon'?t|\bdo not|\bnot|\bno need to|\bnever)\s+(?:(?:want|wanna|need|going|trying|looking|planning|asking)\s+(?:to\s+)?)?(?:cancel|return|change|modify|send (?:it |them )?back)\w*",
    )
    .replace_all(lower, " ")
    .into_owned()
}

/// The text with quoted passages removed ("…", “…”, and '…' around several words).
fn without_quotes(lower: &str) -> String {
    let mut out = String::with_capacity(lower.len());
    let mut closing: Option<char> = None;
    let chars: Vec<char> = lower.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        match closing {
            Some(end) if c == end => closing = None,
            Some(_) => {}
            None => match c {
                '"' => closing = Some('"'),
                '“' => closing = Some('”'),
                '«' => closing = Some('»'),
                // An apostrophe inside a word ("don't") is not a quotation mark.
                '\'' if i == 0 || !chars[i - 1].is_alphanumeric() => closing = Some('\''),
                _ => out.push(c),
            },
        }
    }
    out
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
