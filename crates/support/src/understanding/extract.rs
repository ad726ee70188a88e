//! Pulling structured slots out of a customer's words: order numbers, emails, ZIP codes, phone
//! numbers, addresses, names, price ranges, categories and products with their quantities.

use crate::catalogue::Catalogue;
use crate::tools::args::ItemArg;
use regex::Regex;
use std::sync::OnceLock;

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| match Regex::new(pattern) {
        Ok(r) => r,
        // The patterns are constants covered by tests; this never runs.
        Err(e) => panic!("bad built-in pattern {pattern}: {e}"),
    })
}

fn email_pattern() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    re(
        &R,
        r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
    )
}

pub fn email(text: &str) -> Option<String> {
    email_pattern()
        .find(text)
        .map(|m| m.as_str().to_lowercase())
}

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

/// Digits standing alone: not part of a phone number, a price, a dimension or a longer number.
fn standalone_numbers(text: &str, len: std::ops::RangeInclusive<usize>) -> Vec<(usize, String)> {
    static R: OnceLock<Regex> = OnceLock::new();
    let bytes = text.as_bytes();
    re(&R, r"\d+")
        .find_iter(text)
        .filter(|m| len.contains(&m.as_str().len()))
        .filter(|m| {
            let before = m.start().checked_sub(1).map(|i| bytes[i]);
            let after = bytes.get(m.end()).copied();
            let glued = |b: Option<u8>| {
                matches!(
                    b,
                    Some(b'-' | b'.' | b'$' | b',' | b'/' | b':' | b'+' | b'(' | b')')
                )
            };
            let rest = text[m.end()..].trim_start().to_lowercase();
            let has_unit = [
                "hz", "gb", "mm", "inch", "%", "days", "day", "\"", "mp", "w", "lb", "oz",
            ]
            .iter()
            .any(|u| {
                rest.starts_with(u) && !rest[u.len()..].starts_with(|c: char| c.is_alphanumeric())
            });
            // Glued to a phone number, price or date on the left; on the right only a sentence's
            // full stop or comma may follow.
            let glued_after = glued(after) && after != Some(b'.') && after != Some(b',');
            let decimal =
                after == Some(b'.') && bytes.get(m.end() + 1).is_some_and(u8::is_ascii_digit);
            !(glued(before) || glued_after || decimal || has_unit)
        })
        .map(|m| (m.start(), m.as_str().to_string()))
        .collect()
}

/// The order number, when the text names one ("order 1013", "#1013", or a lone 4-digit number).
pub fn order_id(text: &str) -> Option<i64> {
    static R: OnceLock<Regex> = OnceLock::new();
    let explicit = re(
        &R,
        r"(?i)(?:order|#|number|no\.)\s*(?:number|no\.?|#|id)?\s*(?:is|:)?\s*#?\s*(\d{3,7})\b",
    );
    if let Some(c) = explicit.captures(text)
        && let Some(m) = c.get(1)
    {
        return m.as_str().parse().ok();
    }
    standalone_numbers(text, 4..=4)
        .into_iter()
        .map(|(_, n)| n)
        .find(|n| !n.starts_with('0'))
        .and_then(|n| n.parse().ok())
}

pub fn zip(text: &str) -> Option<String> {
    static R: OnceLock<Regex> = OnceLock::new();
    if let Some(c) = re(&R, r"(?i)\bzip(?:\s*code)?\s*(?:is|:)?\s*(\d{5})\b").captures(text) {
        return c.get(1).map(|m| m.as_str().to_string());
    }
    // ZIP+4 ("60601-1234"): the first five digits are the ZIP code.
    static PLUS4: OnceLock<Regex> = OnceLock::new();
    if let Some(c) = re(&PLUS4, r"\b(\d{5})-\d{4}\b").captures(text) {
        return c.get(1).map(|m| m.as_str().to_string());
    }
    standalone_numbers(text, 5..=5)
        .into_iter()
        .map(|(_, n)| n)
        .next()
}

pub fn phone(text: &str) -> Option<String> {
    static R: OnceLock<Regex> = OnceLock::new();
    re(&R, r"\+?\d{0,2}[\s.-]?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]\d{4}\b")
        .find(text)
        .map(|m| m.as_str().trim().to_string())
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Address {
    pub street: String,
    pub city: String,
    pub state: String,
    pub zip: String,
}

pub fn address(text: &str) -> Option<Address> {
    static R: OnceLock<Regex> = OnceLock::new();
    let c = re(
        &R,
        r"(\d+[A-Za-z]?\s+[A-Za-z0-9 .'#-]+?),\s*([A-Za-z][A-Za-z .'-]+?),?\s+([A-Za-z]{2})\s*,?\s+(\d{5})\b",
    )
    .captures(text)?;
    let mut street = c.get(1)?.as_str().trim();
    // "order 1025 to 77 Harbor Rd": the street starts after the last "to".
    if let Some(i) = street.to_lowercase().rfind(" to ") {
        street = street[i + 4..].trim();
    }
    Some(Address {
        street: street.to_string(),
        city: c.get(2)?.as_str().trim().to_string(),
        state: c.get(3)?.as_str().to_uppercase(),
        zip: c.get(4)?.as_str().to_string(),
    })
}

pub fn name(text: &str) -> Option<String> {
    static R: OnceLock<Regex> = OnceLock::new();
    re(
        &R,
        r"\b(?:[Mm]y name is|[Mm]y name's|[Nn]ame\s*(?:is|:)?|[Tt]his is|[Ii]t's|[Ii] am|[Ii]'m|[Ii]m|\b[Ff]or)\s+([A-Z][a-zA-Z'’-]+(?:\s+[A-Z][a-zA-Z'’-]+)+)",
    )
    .captures(text)
    .and_then(|c| c.get(1))
    .map(|m| m.as_str().to_string())
    .or_else(|| {
        // A message that starts with a full name and goes on with contact details:
        // "Kim Park, kim.park@example.com, 206-555-0199".
        static LEAD: OnceLock<Regex> = OnceLock::new();
        re(&LEAD, r"(?:^|[.!?]\s+)([A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’-]+)+)\s*(?:,|\s+\S+@)")
            .captures(text)
            .filter(|_| email(text).is_some() || phone(text).is_some())
            .and_then(|c| c.get(1))
            .map(|m| m.as_str().to_string())
    })
    .filter(|n| {
        // Product names and places are not people.
        let lower = n.to_lowercase();
        !["street", "st", "ave", "avenue", "road", "pro", "anc", "speaker", "monitor", "keyboard", "camera", "headphones", "earbuds"]
            .iter()
            .any(|w| lower.split_whitespace().any(|x| x == *w))
    })
}

/// (min, max) dollars.
pub fn price_range(text: &str) -> (Option<f64>, Option<f64>) {
    static BETWEEN: OnceLock<Regex> = OnceLock::new();
    static MAX: OnceLock<Regex> = OnceLock::new();
    static MIN: OnceLock<Regex> = OnceLock::new();
    let lower = text.to_lowercase();
    if let Some(c) = re(
        &BETWEEN,
        r"between \$?(\d+(?:\.\d+)?) and \$?(\d+(?:\.\d+)?)",
    )
    .captures(&lower)
    {
        let lo = c.get(1).and_then(|m| m.as_str().parse().ok());
        let hi = c.get(2).and_then(|m| m.as_str().parse().ok());
        return (lo, hi);
    }
    let max = re(&MAX, r"(?:under|below|less than|cheaper than|at most|up to|max(?:imum)?|within|budget(?:\s+(?:is|of))?(?:\s+(?:about|around|roughly))?)\s*\$?(\d+(?:\.\d+)?)")
        .captures(&lower)
        .and_then(|c| c.get(1))
        .and_then(|m| m.as_str().parse().ok());
    let min = re(
        &MIN,
        r"(?:over|above|more than|at least|from)\s*\$(\d+(?:\.\d+)?)",
    )
    .captures(&lower)
    .and_then(|c| c.get(1))
    .and_then(|m| m.as_str().parse().ok());
    (min, max)
}

pub fn category(text: &str) -> Option<&'static str> {
    let lower = text.to_lowercase();
    let table: &[(&[&str], &str)] = &[
        (&["headphone", "earbud", "headset", "earphone"], "headphone"),
        (&["camera"], "camera"),
        (&["monitor", "screen", "display"], "monitor"),
        (&["keyboard"], "keyboard"),
        (&["speaker", "soundbar", "sound bar"], "speaker"),
        (
            &[
                "accessor",
                "hub",
                "dock",
                "charger",
                "backpack",
                "monitor arm",
                "bag",
            ],
            "accessory",
        ),
    ];
    // "monitor arm" is an accessory, "monitor headphones" are headphones: longest match wins.
    let mut best: Option<(&str, usize)> = None;
    for (words, cat) in table {
        for w in *words {
            if lower.contains(w) && best.is_none_or(|(_, len)| w.len() > len) {
                best = Some((cat, w.len()));
            }
        }
    }
    best.map(|(c, _)| c)
}

const NUMBER_WORDS: &[(&str, i64)] = &[
    ("a", 1),
    ("an", 1),
    ("one", 1),
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("seven", 7),
    ("eight", 8),
    ("nine", 9),
    ("ten", 10),
    ("a pair of", 1),
    ("another", 1),
    ("one more", 1),
];

/// The quantity written just before a product mention ("2 Pulse Pro", "two BoomGo", "x3").
fn quantity_before(text: &str, position: usize) -> Option<i64> {
    let start = text[..position]
        .char_indices()
        .rev()
        .nth(14)
        .map(|(i, _)| i)
        .unwrap_or(0);
    let window = text[start..position].to_lowercase();
    let words: Vec<&str> = window.split_whitespace().collect();
    for w in words.iter().rev().take(3) {
        let w = w.trim_start_matches('x').trim_end_matches('x');
        if let Ok(n) = w.parse::<i64>() {
            return Some(n);
        }
        if let Some((_, n)) = NUMBER_WORDS.iter().find(|(word, _)| word == &w) {
            return Some(*n);
        }
    }
    None
}

/// Products named in the text with their quantities (1 when none is written).
pub fn items(text: &str, catalogue: &Catalogue) -> Vec<ItemArg> {
    let mut out: Vec<ItemArg> = Vec::new();
    for mention in catalogue.mentions(text) {
        if out.iter().any(|i| i.product_id == mention.product_id) {
            continue;
        }
        let quantity = quantity_before(text, mention.position)
            .filter(|q| (0..=20).contains(q))
            .unwrap_or(1);
        out.push(ItemArg {
            product_id: mention.product_id,
            quantity,
        });
    }
    out
}

/// "to 3" / "quantity 3" / "make it 3": a new quantity for a change.
pub fn target_quantity(text: &str) -> Option<i64> {
    static R: OnceLock<Regex> = OnceLock::new();
    let lower = text.to_lowercase();
    let c = re(
        &R,
        r"(?:to|quantity(?: of)?|make it|make that|make them|actually|qty)\s*(\d{1,2}|zero|one|two|three|four|five)\b",
    )
    .captures(&lower)?;
    let w = c.get(1)?.as_str();
    w.parse().ok().or_else(|| {
        NUMBER_WORDS
            .iter()
            .find(|(n, _)| *n == w)
            .map(|(_, q)| *q)
            .or((w == "zero").then_some(0))
    })
}

/// The reason a customer gives ("because ...", "it's ...").
pub fn reason(text: &str) -> Option<String> {
    static R: OnceLock<Regex> = OnceLock::new();
    let c = re(&R, r"(?i)\b(?:because|since|reason(?: is)?:?|as it|it's|it is|they're|they are)\s+(.{3,300}?)(?:[.!?]|$)").captures(text)?;
    Some(c.get(1)?.as_str().trim().to_string())
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

/// A one-time code: exactly six digits standing alone.
pub fn one_time_code(text: &str) -> Option<String> {
    standalone_numbers(text, 6..=6)
        .into_iter()
        .map(|(_, n)| n)
        .next()
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
    fn order_numbers_come_from_many_phrasings() {
        assert_eq!(order_id("where is order 1013?"), Some(1013));
        assert_eq!(order_id("order #1024 please"), Some(1024));
        assert_eq!(order_id("It's 1011, email x@y.com"), Some(1011));
        assert_eq!(order_id("my order number is 1005"), Some(1005));
        // Not a phone fragment, a price or a ZIP.
        assert_eq!(order_id("call +1-415-555-0142"), None);
        assert_eq!(order_id("under $1200"), None);
        assert_eq!(order_id("ship to 94103"), None);
    }

    #[test]
    fn emails_zips_phones_and_addresses() {
        assert_eq!(
            email("I'm Maya.Chen@Example.com thanks"),
            Some("maya.chen@example.com".into())
        );
        assert_eq!(zip("ship to 60601 please"), Some("60601".into()));
        assert_eq!(zip("zip code: 10001"), Some("10001".into()));
        assert_eq!(zip("order 1013"), None);
        assert_eq!(phone("call 415-555-0142"), Some("415-555-0142".into()));
        let a = address("Send it to 812 Valencia St, San Francisco, CA 94103")
            .unwrap_or_else(|| panic!("no address"));
        assert_eq!(a.city, "San Francisco");
        assert_eq!(a.state, "CA");
        assert_eq!(a.zip, "94103");
        assert_eq!(name("Hi, my name is Maya Chen."), Some("Maya Chen".into()));
        let moved =
            address("change order 1025 to 77 Harbor Rd, Baltimore, MD 21230").map(|a| a.street);
        assert_eq!(moved.as_deref(), Some("77 Harbor Rd"));
    }

    #[test]
    fn prices_categories_and_confirmations() {
        assert_eq!(price_range("headphones under $200"), (None, Some(200.0)));
        assert_eq!(
            price_range("between $100 and $300"),
            (Some(100.0), Some(300.0))
        );
        assert_eq!(category("a good monitor arm"), Some("accessory"));
        assert_eq!(category("noise cancelling earbuds"), Some("headphone"));
        assert!(is_yes("Yes, place it"));
        assert!(is_yes("ok"));
        assert!(!is_yes("yesterday it broke"));
        assert!(is_no("no thanks"));
        assert_eq!(target_quantity("change the earbuds to 3"), Some(3));
        assert_eq!(
            reason("I want to return it because the left ear crackles."),
            Some("the left ear crackles".into())
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
    fn codes_amendments_and_names() {
        assert_eq!(one_time_code("the code is 482913"), Some("482913".into()));
        assert_eq!(one_time_code("order 1024"), None);
        assert!(amends("sorry make that 4"));
        assert!(!amends("actually whats your return policy?"));
        assert!(!amends("yes"));
        assert_eq!(name("im Tom Reed"), Some("Tom Reed".into()));
        assert_eq!(
            name("I'd like the keyboard. Jo Hart, jo.hart@example.com, 617-555-0100"),
            Some("Jo Hart".into())
        );
        assert_eq!(name("looking for Aurora ANC headphones"), None);
        assert!(asks_for_order_list("I forgot my order number"));
        assert!(!asks_for_order_list("I want to know about my order"));
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
}

#[cfg(test)]
mod model_text_tests {
    use super::*;

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
    fn a_zip_plus_four_reads_as_its_zip() {
        assert_eq!(
            zip("shipping for one arc 34 to 60601-1234").as_deref(),
            Some("60601")
        );
        assert_eq!(zip("call 415-555-0142").as_deref(), None);
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
