//! A search match shown in context: a short piece of the message that matched, with the
//! matched words marked. Sent as parts, never as HTML, so the page renders it as text.

use serde::{Deserialize, Serialize};

/// Where the database's highlighter starts and ends a match (control characters no person
/// types, removed from the text around them).
pub const START: char = '\u{2}';
pub const STOP: char = '\u{3}';

/// One run of a snippet's text: a matched word or the words between.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnippetPart {
    pub text: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hit: bool,
}

/// The newest message of a conversation that matched the words searched for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snippet {
    pub conversation_id: String,
    pub parts: Vec<SnippetPart>,
}

impl Snippet {
    /// Splits the highlighter's text at its [`START`] / [`STOP`] marks.
    pub fn from_marked(conversation_id: &str, marked: &str) -> Snippet {
        let mut parts: Vec<SnippetPart> = Vec::new();
        let mut hit = false;
        let mut text = String::new();
        let mut flush = |text: &mut String, hit: bool| {
            let run = text.split_whitespace().collect::<Vec<_>>().join(" ");
            if !text.is_empty() {
                // Keep the space around a match: "order 1013 shipped", not "order1013shipped".
                let run = match (
                    text.starts_with(char::is_whitespace),
                    text.ends_with(char::is_whitespace),
                ) {
                    _ if run.is_empty() => " ".to_owned(),
                    (true, true) => format!(" {run} "),
                    (true, false) => format!(" {run}"),
                    (false, true) => format!("{run} "),
                    (false, false) => run,
                };
                parts.push(SnippetPart { text: run, hit });
            }
            text.clear();
        };
        for c in marked.chars() {
            match c {
                START => {
                    flush(&mut text, hit);
                    hit = true;
                }
                STOP => {
                    flush(&mut text, hit);
                    hit = false;
                }
                c if c.is_control() => text.push(' '),
                c => text.push(c),
            }
        }
        flush(&mut text, hit);
        Snippet {
            conversation_id: conversation_id.to_owned(),
            parts,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_become_parts() {
        let s = Snippet::from_marked("c1", "…where is \u{2}order\u{3} \u{2}1013\u{3}? It…");
        let shown: Vec<(&str, bool)> = s.parts.iter().map(|p| (p.text.as_str(), p.hit)).collect();
        assert_eq!(
            shown,
            [
                ("…where is ", false),
                ("order", true),
                (" ", false),
                ("1013", true),
                ("? It…", false)
            ]
        );
        let plain: String = s.parts.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(plain, "…where is order 1013? It…");
    }

    #[test]
    fn unmarked_text_is_one_part_and_controls_are_spaces() {
        let s = Snippet::from_marked("c1", "line one\nline\ttwo");
        assert_eq!(s.parts.len(), 1);
        assert_eq!(s.parts[0].text, "line one line two");
        assert!(Snippet::from_marked("c1", "").parts.is_empty());
    }
}
