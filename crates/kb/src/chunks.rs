//! The knowledge-base passages shipped with the app (`chunks/*.md`, format in README.md).

use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

pub const AUDIENCES: &[&str] = &["customer", "agent"];
pub const DOC_TYPES: &[&str] = &[
    "policy",
    "troubleshooting",
    "setup",
    "sop",
    "macro",
    "tool_contract",
];

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chunk {
    pub id: String,
    pub audience: String,
    pub doc_type: String,
    pub category: String,
    /// The SKU of the product the chunk is about, if any.
    pub product: Option<String>,
    pub title: String,
    pub tags: Vec<String>,
    pub content: String,
}

impl Chunk {
    /// The text that is embedded: title and content, as the original system did.
    pub fn embedding_text(&self) -> String {
        format!("{}\n{}", self.title, self.content)
    }

    /// A fingerprint of everything indexed, so a changed chunk is re-indexed.
    pub fn fingerprint(&self) -> u64 {
        let mut text = String::new();
        for part in [
            &self.audience,
            &self.doc_type,
            &self.category,
            self.product.as_deref().unwrap_or(""),
            &self.title,
            &self.tags.join(","),
            &self.content,
        ] {
            text.push_str(part);
            text.push('\u{1f}');
        }
        fnv1a(text.as_bytes())
    }

    /// The tags as stored beside an uploaded chunk: comma-separated.
    pub fn tags_csv(&self) -> String {
        self.tags.join(",")
    }

    /// An uploaded document's chunk back from storage (tags as [`Chunk::tags_csv`] wrote them).
    pub fn from_stored(
        id: String,
        audience: String,
        doc_type: String,
        category: String,
        title: String,
        tags_csv: &str,
        content: String,
    ) -> Chunk {
        Chunk {
            id,
            audience,
            doc_type,
            category,
            product: None,
            title,
            tags: tags_csv
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect(),
            content,
        }
    }

    /// Qdrant wants integer or UUID point ids; the id's hash is stable across runs.
    pub fn point_id(&self) -> u64 {
        point_id(&self.id)
    }
}

pub fn point_id(chunk_id: &str) -> u64 {
    // Keep it below 2^63 so every backend and JSON reader holds it exactly.
    fnv1a(chunk_id.as_bytes()) >> 1
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

const SOURCES: &[(&str, &str)] = &[
    ("policies.md", include_str!("../chunks/policies.md")),
    ("products.md", include_str!("../chunks/products.md")),
    ("agent.md", include_str!("../chunks/agent.md")),
];

/// Every shipped chunk, parsed once.
pub fn catalogue() -> &'static [Chunk] {
    static CHUNKS: OnceLock<Vec<Chunk>> = OnceLock::new();
    CHUNKS.get_or_init(|| {
        let mut all = Vec::new();
        for (name, text) in SOURCES {
            // The shipped files are checked by the tests; a broken one is a build-time bug.
            match parse(text) {
                Ok(mut chunks) => all.append(&mut chunks),
                Err(e) => tracing::error!("knowledge base file {name}: {e}"),
            }
        }
        all
    })
}

pub fn find(id: &str) -> Option<&'static Chunk> {
    catalogue().iter().find(|c| c.id == id)
}

/// Parses chunks in the README's format.
pub fn parse(text: &str) -> Result<Vec<Chunk>, String> {
    let mut chunks = Vec::new();
    let mut current: Option<(String, Vec<&str>)> = None;
    for (n, line) in text.lines().enumerate() {
        if let Some(id) = line.strip_prefix("### ") {
            if let Some((id, lines)) = current.take() {
                chunks.push(build(&id, &lines)?);
            }
            current = Some((id.trim().to_string(), Vec::new()));
        } else if let Some((_, lines)) = current.as_mut() {
            lines.push(line);
        } else if !(line.trim().is_empty() || line.starts_with("# ")) {
            return Err(format!("line {}: text before the first chunk", n + 1));
        }
    }
    if let Some((id, lines)) = current.take() {
        chunks.push(build(&id, &lines)?);
    }
    let mut seen = std::collections::HashSet::new();
    for c in &chunks {
        if !seen.insert(c.id.as_str()) {
            return Err(format!("chunk id {} appears twice", c.id));
        }
    }
    Ok(chunks)
}

fn build(id: &str, lines: &[&str]) -> Result<Chunk, String> {
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
    {
        return Err(format!("chunk id {id:?} must use a-z, 0-9, - and _"));
    }
    let mut fields = std::collections::HashMap::new();
    let mut body_start = lines.len();
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            body_start = i + 1;
            break;
        }
        let (key, value) = line
            .split_once(':')
            .ok_or_else(|| format!("chunk {id}: header line {line:?} has no ':'"))?;
        fields.insert(key.trim(), value.trim().to_string());
    }
    let content = lines[body_start.min(lines.len())..]
        .iter()
        .map(|l| l.trim())
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string();
    let field = |key: &str| {
        fields
            .get(key)
            .filter(|v| !v.is_empty())
            .cloned()
            .ok_or_else(|| format!("chunk {id}: missing {key}"))
    };
    let audience = field("audience")?;
    if !AUDIENCES.contains(&audience.as_str()) {
        return Err(format!("chunk {id}: unknown audience {audience}"));
    }
    let doc_type = field("doc_type")?;
    if !DOC_TYPES.contains(&doc_type.as_str()) {
        return Err(format!("chunk {id}: unknown doc_type {doc_type}"));
    }
    if content.is_empty() {
        return Err(format!("chunk {id}: no content"));
    }
    Ok(Chunk {
        id: id.to_string(),
        audience,
        doc_type,
        category: field("category")?,
        product: fields.get("product").filter(|v| !v.is_empty()).cloned(),
        title: field("title")?,
        tags: field("tags")?
            .split(',')
            .map(|t| t.trim().to_lowercase())
            .filter(|t| !t.is_empty())
            .collect(),
        content,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_file_parses() {
        for (name, text) in SOURCES {
            if let Err(e) = parse(text) {
                panic!("{name}: {e}");
            }
        }
    }

    #[test]
    fn the_catalogue_has_the_promised_shape() {
        let all = catalogue();
        assert!(all.len() >= 120, "only {} chunks", all.len());
        for doc_type in DOC_TYPES {
            assert!(
                all.iter().any(|c| c.doc_type == *doc_type),
                "no {doc_type} chunk"
            );
        }
        for audience in AUDIENCES {
            assert!(all.iter().any(|c| c.audience == *audience));
        }
        let ids: std::collections::HashSet<u64> = all.iter().map(Chunk::point_id).collect();
        assert_eq!(ids.len(), all.len(), "point ids collide");
    }

    #[test]
    fn bad_chunks_are_refused_with_the_reason() {
        let err = parse(
            "### x\naudience: nobody\ndoc_type: policy\ncategory: a\ntitle: t\ntags: a\n\nbody",
        )
        .err()
        .unwrap_or_default();
        assert!(err.contains("unknown audience"), "{err}");
        let err = parse("### a\naudience: agent\ndoc_type: sop\ncategory: c\ntitle: t\ntags: a\n\nx\n### a\naudience: agent\ndoc_type: sop\ncategory: c\ntitle: t\ntags: a\n\ny")
            .err()
            .unwrap_or_default();
        assert!(err.contains("twice"), "{err}");
    }
}
