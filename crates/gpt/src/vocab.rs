use serde::{Deserialize, Serialize};

use crate::error::{GptError, Result};

/// The characters a model knows, in id order (sorted, as built from the training text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vocab {
    chars: Vec<char>,
}

impl Vocab {
    pub fn from_text(text: &str) -> Self {
        let mut chars: Vec<char> = text.chars().collect();
        chars.sort_unstable();
        chars.dedup();
        Self { chars }
    }

    pub fn from_chars(chars: Vec<char>) -> Result<Self> {
        let mut sorted = chars.clone();
        sorted.sort_unstable();
        sorted.dedup();
        if sorted.len() != chars.len() || chars.is_empty() {
            return Err(GptError::InvalidInput(
                "a vocabulary needs distinct characters".into(),
            ));
        }
        Ok(Self { chars: sorted })
    }

    pub fn len(&self) -> usize {
        self.chars.len()
    }

    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    pub fn chars(&self) -> &[char] {
        &self.chars
    }

    pub fn id(&self, c: char) -> Option<u32> {
        self.chars.binary_search(&c).ok().map(|i| i as u32)
    }

    pub fn char(&self, id: u32) -> Option<char> {
        self.chars.get(id as usize).copied()
    }

    /// Every character must be known; the error lists the ones that are not.
    pub fn encode(&self, text: &str) -> Result<Vec<u32>> {
        let mut unknown: Vec<char> = Vec::new();
        let ids: Vec<u32> = text
            .chars()
            .filter_map(|c| {
                let id = self.id(c);
                if id.is_none() && !unknown.contains(&c) {
                    unknown.push(c);
                }
                id
            })
            .collect();
        if unknown.is_empty() {
            return Ok(ids);
        }
        let listed: Vec<String> = unknown.iter().take(10).map(|c| format!("{c:?}")).collect();
        Err(GptError::InvalidInput(format!(
            "the model does not know these characters: {}",
            listed.join(", ")
        )))
    }

    /// Typographic quotes and dashes pasted from elsewhere are mapped to the plain characters
    /// the texts use before encoding, so a pasted prompt works.
    pub fn normalise(&self, text: &str) -> String {
        text.chars()
            .map(|c| {
                if self.id(c).is_some() {
                    return c;
                }
                match c {
                    '\u{2018}' | '\u{2019}' => '\'',
                    '\u{201C}' | '\u{201D}' => '"',
                    '\u{2013}' | '\u{2014}' => '-',
                    '\r' => '\n',
                    '\t' => ' ',
                    other => other,
                }
            })
            .collect()
    }

    pub fn decode(&self, ids: &[u32]) -> String {
        ids.iter().filter_map(|&i| self.char(i)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_unknown_characters_are_named() {
        let v = Vocab::from_text("hello world\n");
        assert_eq!(v.len(), 9);
        let ids = v.encode("hold").expect("known");
        assert_eq!(v.decode(&ids), "hold");
        let err = v
            .encode("hex!")
            .expect_err("x and ! are unknown")
            .to_string();
        assert!(err.contains("'x'") && err.contains("'!'"), "{err}");
        assert_eq!(v.normalise("\u{2019}\t"), "' ");
    }
}
