//! What a message says about acting on an order: a request, a question about acting, or none;
//! negated and quoted actions do not count.

use super::extract::re;
use super::reading::{fix_typos, wants_quantity};
use regex::Regex;
use std::sync::OnceLock;

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
