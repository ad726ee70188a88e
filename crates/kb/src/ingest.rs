//! Uploaded documents into knowledge-base chunks: `docparse` extracts the text by its sections,
//! and each section becomes overlapping passages that carry their heading path as the title.

use crate::chunks::{Chunk, DOC_TYPES};
pub use docparse::{
    DocumentKind, Extracted, IngestError, MAX_DOCUMENT_BYTES, Section, extract, sniff, split_text,
};

/// How passages are cut.
#[derive(Clone, Debug)]
pub struct ChunkOptions {
    /// The most characters of a passage's body.
    pub max_chars: usize,
    /// Characters repeated from the end of the previous passage of the same section.
    pub overlap_chars: usize,
}

impl Default for ChunkOptions {
    fn default() -> Self {
        ChunkOptions {
            max_chars: 1_200,
            overlap_chars: 200,
        }
    }
}

/// What the document is, for filters and the agent's trust in it.
#[derive(Clone, Debug)]
pub struct DocumentLabels {
    /// Becomes the chunk id prefix (`doc<id>-<n>`), so a document's chunks can be found again.
    pub document_id: i64,
    pub title: String,
    pub audience: String,
    pub doc_type: String,
    pub category: String,
}

impl DocumentLabels {
    pub fn validate(&self) -> Result<(), String> {
        if !crate::chunks::AUDIENCES.contains(&self.audience.as_str()) {
            return Err(format!(
                "The audience must be one of: {}.",
                crate::chunks::AUDIENCES.join(", ")
            ));
        }
        if !DOC_TYPES.contains(&self.doc_type.as_str()) {
            return Err(format!(
                "The document type must be one of: {}.",
                DOC_TYPES.join(", ")
            ));
        }
        if self.category.trim().is_empty() || self.category.chars().count() > 40 {
            return Err("Give a category of 1 to 40 characters.".into());
        }
        Ok(())
    }
}

/// The id prefix of every chunk of a document.
pub fn chunk_id_prefix(document_id: i64) -> String {
    format!("doc{document_id}-")
}

/// Cuts the sections into passages: whole paragraphs where they fit, sentences or words where
/// they do not, each passage after the first of a section starting with the tail of the one
/// before it, so a fact split across a boundary is still found whole in one of them.
pub fn chunk(extracted: &Extracted, labels: &DocumentLabels, options: &ChunkOptions) -> Vec<Chunk> {
    let max = options.max_chars.max(100);
    let overlap = options.overlap_chars.min(max / 2);
    let mut chunks = Vec::new();
    let prefix = chunk_id_prefix(labels.document_id);
    for section in &extracted.sections {
        let mut title_parts = vec![labels.title.clone()];
        title_parts.extend(
            section
                .headings
                .iter()
                .filter(|h| **h != labels.title)
                .cloned(),
        );
        let title = title_parts.join(" › ");
        let tags: Vec<String> = section
            .headings
            .iter()
            .flat_map(|h| crate::keyword::terms(h))
            .take(8)
            .collect();
        for piece in split_text(&section.text, max, overlap) {
            chunks.push(Chunk {
                id: format!("{prefix}{}", chunks.len() + 1),
                audience: labels.audience.clone(),
                doc_type: labels.doc_type.clone(),
                category: labels.category.clone(),
                product: None,
                title: title.clone(),
                tags: tags.clone(),
                content: piece,
            });
        }
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> DocumentLabels {
        DocumentLabels {
            document_id: 7,
            title: "Warranty guide".into(),
            audience: "customer".into(),
            doc_type: "policy".into(),
            category: "warranty".into(),
        }
    }

    #[test]
    fn passages_fit_overlap_and_carry_their_heading_path() {
        let paragraph = "The quick brown fox jumps over the lazy dog. ".repeat(10);
        let body = (0..12)
            .map(|i| format!("Paragraph {i}. {paragraph}"))
            .collect::<Vec<_>>()
            .join("\n\n");
        let doc = format!("# Warranty guide\n\n## Monitors\n\n{body}\n\n## Short\n\nOne line.\n");
        let e = extract("w.md", doc.as_bytes()).expect("parses");
        let options = ChunkOptions {
            max_chars: 1_000,
            overlap_chars: 150,
        };
        let chunks = chunk(&e, &labels(), &options);
        assert!(chunks.len() >= 6, "{} chunks", chunks.len());
        for c in &chunks {
            assert!(
                c.content.chars().count() <= 1_000 + 150 + 2,
                "{}",
                c.content.len()
            );
            assert!(c.id.starts_with("doc7-"));
        }
        let monitors: Vec<&Chunk> = chunks
            .iter()
            .filter(|c| c.title == "Warranty guide › Monitors")
            .collect();
        assert!(monitors.len() >= 5);
        // Each passage after the first repeats the end of the one before.
        for pair in monitors.windows(2) {
            let tail: String = pair[0]
                .content
                .chars()
                .rev()
                .take(40)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            assert!(
                pair[1].content.contains(tail.trim()),
                "no overlap: {tail:?}"
            );
        }
        // Every paragraph is somewhere.
        for i in 0..12 {
            let marker = format!("Paragraph {i}.");
            assert!(chunks.iter().any(|c| c.content.contains(&marker)));
        }
        let short = chunks.last().expect("one");
        assert_eq!(short.title, "Warranty guide › Short");
        assert_eq!(short.content, "One line.");
        let ids: std::collections::HashSet<&str> = chunks.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids.len(), chunks.len());
    }
}
