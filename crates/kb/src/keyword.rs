//! The keyword side of hybrid search: BM25 over title, tags and content. It catches exact terms
//! (a SKU, "eARC", "chargeback") that a small embedding model can rank too low.

use crate::chunks::Chunk;
use std::collections::HashMap;

const K1: f32 = 1.2;
const B: f32 = 0.75;

const STOPWORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "does", "for", "from", "how",
    "i", "if", "in", "is", "it", "its", "me", "my", "of", "on", "or", "our", "so", "that", "the",
    "their", "them", "then", "there", "this", "to", "was", "we", "what", "when", "where", "which",
    "who", "why", "will", "with", "you", "your", "has", "have", "not", "no", "get", "got", "would",
    "could", "should", "about", "into", "up", "out", "any", "all",
];

/// Lower-case word stems: letters and digits, a plural "s" dropped, stopwords removed.
pub fn terms(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| stem(&w.to_lowercase()))
        .filter(|w| !STOPWORDS.contains(&w.as_str()))
        .collect()
}

fn stem(word: &str) -> String {
    if word.len() > 4 && word.ends_with("ies") {
        return format!("{}y", &word[..word.len() - 3]);
    }
    if word.len() > 3 && word.ends_with('s') && !word.ends_with("ss") {
        return word[..word.len() - 1].to_string();
    }
    word.to_string()
}

pub struct KeywordIndex {
    docs: Vec<HashMap<String, f32>>,
    lengths: Vec<f32>,
    average_length: f32,
    document_frequency: HashMap<String, usize>,
}

impl KeywordIndex {
    pub fn new(chunks: &[Chunk]) -> KeywordIndex {
        let mut docs = Vec::with_capacity(chunks.len());
        let mut lengths = Vec::with_capacity(chunks.len());
        let mut document_frequency: HashMap<String, usize> = HashMap::new();
        for chunk in chunks {
            let mut counts: HashMap<String, f32> = HashMap::new();
            // The title and tags say what a passage is about: they count double.
            let heading = format!("{} {}", chunk.title, chunk.tags.join(" "));
            for term in terms(&heading) {
                *counts.entry(term).or_default() += 2.0;
            }
            for term in terms(&chunk.content) {
                *counts.entry(term).or_default() += 1.0;
            }
            for term in counts.keys() {
                *document_frequency.entry(term.clone()).or_default() += 1;
            }
            lengths.push(counts.values().sum());
            docs.push(counts);
        }
        let average_length = if lengths.is_empty() {
            1.0
        } else {
            lengths.iter().sum::<f32>() / lengths.len() as f32
        };
        KeywordIndex {
            docs,
            lengths,
            average_length,
            document_frequency,
        }
    }

    /// BM25 score of every document (by position) for the query.
    pub fn scores(&self, query: &str) -> Vec<f32> {
        let n = self.docs.len() as f32;
        let mut query_terms = terms(query);
        query_terms.sort();
        query_terms.dedup();
        self.docs
            .iter()
            .zip(&self.lengths)
            .map(|(doc, length)| {
                query_terms
                    .iter()
                    .filter_map(|t| {
                        let tf = *doc.get(t)?;
                        let df = *self.document_frequency.get(t)? as f32;
                        let idf = ((n - df + 0.5) / (df + 0.5) + 1.0).ln();
                        let norm = K1 * (1.0 - B + B * length / self.average_length);
                        Some(idf * tf * (K1 + 1.0) / (tf + norm))
                    })
                    .sum()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_drop_stopwords_and_plurals() {
        assert_eq!(
            terms("What are the Batteries' rules?"),
            vec!["battery", "rule"]
        );
        assert_eq!(terms("eARC passthrough"), vec!["earc", "passthrough"]);
    }

    #[test]
    fn rare_exact_terms_rank_their_passage_first() {
        let chunks = crate::chunks::catalogue();
        let index = KeywordIndex::new(chunks);
        let scores = index.scores("chargeback dispute");
        let best = scores
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map(|(i, _)| chunks[i].id.as_str());
        assert_eq!(best, Some("policy-payment-chargeback"));
    }
}
