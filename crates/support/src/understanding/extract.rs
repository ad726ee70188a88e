//! Pulling structured slots out of a customer's words: order numbers, emails, ZIP codes, phone
//! numbers, addresses, names, price ranges, categories, one-time codes and products with their
//! quantities. How the message reads (a question, a request, a yes) is `reading`'s.

use crate::catalogue::Catalogue;
use regex::Regex;
use std::sync::OnceLock;

/// A product and a quantity: what a message names, and what the order tools take.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ItemArg {
    pub product_id: i64,
    #[serde(default = "one")]
    pub quantity: i64,
}

fn one() -> i64 {
    1
}

pub(super) fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| match Regex::new(pattern) {
        Ok(r) => r,
        // The patterns are constants covered by tests; this never runs.
        Err(e) => panic!("bad built-in pattern {pattern}: {e}"),
    })
}

pub(super) fn email_pattern() -> &'static Regex {
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

/// A one-time code: exactly six digits standing alone.
pub fn one_time_code(text: &str) -> Option<String> {
    standalone_numbers(text, 6..=6)
        .into_iter()
        .map(|(_, n)| n)
        .next()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::understanding::reading::{amends, asks_for_order_list, is_no, is_yes};

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
    fn a_zip_plus_four_reads_as_its_zip() {
        assert_eq!(
            zip("shipping for one arc 34 to 60601-1234").as_deref(),
            Some("60601")
        );
        assert_eq!(zip("call 415-555-0142").as_deref(), None);
    }
}
