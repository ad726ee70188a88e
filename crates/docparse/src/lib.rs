//! Uploaded documents to text: the type is decided by the bytes (not the file name), and the
//! text is pulled out with its headings (Markdown, plain text, HTML, PDF, DOCX), then cut into
//! overlapping pieces. Its own crate with light dependencies, so the fuzz target builds quickly.

pub mod bombs;
mod html;
mod office;
mod split;

pub use split::split_text;

use html::html_sections;
use office::{docx_sections, pdf_sections};
use serde::{Deserialize, Serialize};

/// The largest document accepted (bytes).
pub const MAX_DOCUMENT_BYTES: usize = 10 * 1024 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DocumentKind {
    Markdown,
    Text,
    Html,
    Pdf,
    Docx,
}

impl DocumentKind {
    pub fn media_type(self) -> &'static str {
        match self {
            DocumentKind::Markdown => "text/markdown",
            DocumentKind::Text => "text/plain",
            DocumentKind::Html => "text/html",
            DocumentKind::Pdf => "application/pdf",
            DocumentKind::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DocumentKind::Markdown => "Markdown",
            DocumentKind::Text => "text",
            DocumentKind::Html => "HTML",
            DocumentKind::Pdf => "PDF",
            DocumentKind::Docx => "DOCX",
        }
    }
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum IngestError {
    #[error("The file is empty.")]
    Empty,
    #[error("The file is {size} bytes; the limit is {limit} bytes.")]
    TooLarge { size: usize, limit: usize },
    #[error(
        "This file type is not supported. Upload Markdown, plain text, HTML, PDF or Word (DOCX)."
    )]
    Unsupported,
    #[error("The file is named .{extension} but its content is {actual}.")]
    Mismatch {
        extension: String,
        actual: &'static str,
    },
    #[error("The {kind} file could not be read: {reason}")]
    Unreadable { kind: &'static str, reason: String },
    #[error("The document has no text to index.")]
    NoText,
}

/// One stretch of text under its headings (outermost first).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    pub headings: Vec<String>,
    pub text: String,
}

/// The text of a document, ready to be chunked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extracted {
    pub kind: DocumentKind,
    /// The first top-level heading (or the document's title property), if there is one.
    pub title: Option<String>,
    pub sections: Vec<Section>,
}

impl Extracted {
    pub fn characters(&self) -> usize {
        self.sections.iter().map(|s| s.text.chars().count()).sum()
    }
}

/// Decides the kind from the bytes; the file name's extension must not contradict it.
pub fn sniff(filename: &str, bytes: &[u8]) -> Result<DocumentKind, IngestError> {
    if bytes.is_empty() {
        return Err(IngestError::Empty);
    }
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(IngestError::TooLarge {
            size: bytes.len(),
            limit: MAX_DOCUMENT_BYTES,
        });
    }
    let extension = filename
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let actual = if bytes.starts_with(b"%PDF-") {
        DocumentKind::Pdf
    } else if bytes.starts_with(b"PK\x03\x04") {
        if !zip_has_entry(bytes, "word/document.xml") {
            return Err(IngestError::Unsupported);
        }
        DocumentKind::Docx
    } else {
        let text = std::str::from_utf8(bytes).map_err(|_| IngestError::Unsupported)?;
        if text.contains('\0') {
            return Err(IngestError::Unsupported);
        }
        if looks_like_html(text) {
            DocumentKind::Html
        } else if matches!(extension.as_str(), "txt" | "text") {
            DocumentKind::Text
        } else {
            DocumentKind::Markdown
        }
    };
    let claimed = match extension.as_str() {
        "md" | "markdown" => Some(DocumentKind::Markdown),
        "txt" | "text" => Some(DocumentKind::Text),
        "html" | "htm" => Some(DocumentKind::Html),
        "pdf" => Some(DocumentKind::Pdf),
        "docx" => Some(DocumentKind::Docx),
        "" => None,
        _ => return Err(IngestError::Unsupported),
    };
    let text_like = |k: DocumentKind| matches!(k, DocumentKind::Markdown | DocumentKind::Text);
    match claimed {
        // Markdown and text are the same bytes; an HTML page saved as .txt is still text.
        Some(c) if c == actual || (text_like(c) && text_like(actual)) => Ok(c),
        Some(c) if text_like(c) && actual == DocumentKind::Html => Ok(c),
        Some(_) => Err(IngestError::Mismatch {
            extension,
            actual: actual.label(),
        }),
        None => Ok(actual),
    }
}

fn looks_like_html(text: &str) -> bool {
    let head: String = text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .chars()
        .take(512)
        .collect::<String>()
        .to_ascii_lowercase();
    head.starts_with("<!doctype html") || head.starts_with("<html") || head.contains("<body")
}

fn zip_has_entry(bytes: &[u8], name: &str) -> bool {
    zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map(|mut z| z.by_name(name).is_ok())
        .unwrap_or(false)
}

/// The sniffed document's text, sectioned by its headings.
pub fn extract(filename: &str, bytes: &[u8]) -> Result<Extracted, IngestError> {
    let kind = sniff(filename, bytes)?;
    let mut extracted = match kind {
        DocumentKind::Markdown => markdown_sections(&utf8(bytes)),
        DocumentKind::Text => text_sections(&utf8(bytes)),
        DocumentKind::Html => html_sections(&utf8(bytes)),
        DocumentKind::Pdf => {
            bombs::check_pdf(bytes)?;
            pdf_sections(bytes)?
        }
        DocumentKind::Docx => {
            bombs::check_zip(bytes)?;
            docx_sections(bytes)?
        }
    };
    extracted.kind = kind;
    extracted
        .sections
        .retain(|s| !s.text.trim().is_empty() || !s.headings.is_empty());
    if extracted.sections.iter().all(|s| s.text.trim().is_empty()) {
        return Err(IngestError::NoText);
    }
    Ok(extracted)
}

fn utf8(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .trim_start_matches('\u{feff}')
        .replace("\r\n", "\n")
}

/// Builds sections from (level, heading) and text lines, in document order.
struct Sectioner {
    stack: Vec<(usize, String)>,
    text: String,
    sections: Vec<Section>,
    title: Option<String>,
}

impl Sectioner {
    fn new() -> Sectioner {
        Sectioner {
            stack: Vec::new(),
            text: String::new(),
            sections: Vec::new(),
            title: None,
        }
    }

    fn flush(&mut self) {
        let text = self.text.trim().to_string();
        if !text.is_empty() {
            self.sections.push(Section {
                headings: self.stack.iter().map(|(_, h)| h.clone()).collect(),
                text,
            });
        }
        self.text.clear();
    }

    fn heading(&mut self, level: usize, heading: &str) {
        let heading = collapse_spaces(heading);
        if heading.is_empty() {
            return;
        }
        self.flush();
        if level == 1 && self.title.is_none() {
            self.title = Some(heading.clone());
        }
        while self.stack.last().is_some_and(|(l, _)| *l >= level) {
            self.stack.pop();
        }
        self.stack.push((level, heading));
    }

    fn line(&mut self, line: &str) {
        self.text.push_str(line);
        self.text.push('\n');
    }

    fn finish(mut self, kind: DocumentKind) -> Extracted {
        self.flush();
        Extracted {
            kind,
            title: self.title,
            sections: self.sections,
        }
    }
}

fn collapse_spaces(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn markdown_sections(text: &str) -> Extracted {
    let mut s = Sectioner::new();
    let mut fence: Option<&str> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if let Some(marker) = fence {
            if trimmed.starts_with(marker) {
                fence = None;
            }
            s.line(line);
            continue;
        }
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fence = Some(&trimmed[..3]);
            s.line(line);
            continue;
        }
        let hashes = trimmed.chars().take_while(|c| *c == '#').count();
        if (1..=6).contains(&hashes)
            && line.len() - trimmed.len() < 4
            && trimmed[hashes..].starts_with([' ', '\t'])
        {
            let heading = trimmed[hashes..].trim().trim_end_matches('#').trim();
            s.heading(hashes, heading);
        } else {
            s.line(line);
        }
    }
    s.finish(DocumentKind::Markdown)
}

fn text_sections(text: &str) -> Extracted {
    let mut s = Sectioner::new();
    for line in text.lines() {
        s.line(line);
    }
    s.finish(DocumentKind::Text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::html::decode_entities;

    #[test]
    fn the_kind_comes_from_the_bytes_not_the_name() {
        assert_eq!(sniff("a.md", b"# Hi\ntext"), Ok(DocumentKind::Markdown));
        assert_eq!(sniff("a.txt", b"plain"), Ok(DocumentKind::Text));
        assert_eq!(
            sniff("a.html", b"<!DOCTYPE html><html><body>x</body></html>"),
            Ok(DocumentKind::Html)
        );
        assert_eq!(sniff("scan.pdf", b"%PDF-1.7\n..."), Ok(DocumentKind::Pdf));
        assert!(matches!(
            sniff("report.pdf", b"# not a pdf"),
            Err(IngestError::Mismatch { .. })
        ));
        assert!(matches!(
            sniff("notes.md", b"%PDF-1.4"),
            Err(IngestError::Mismatch { .. })
        ));
        assert_eq!(
            sniff("photo.png", b"\x89PNG\r\n"),
            Err(IngestError::Unsupported)
        );
        assert_eq!(sniff("x.md", b"a\0b"), Err(IngestError::Unsupported));
        assert_eq!(
            sniff("x.md", &[0xff, 0xfe, 0x00]),
            Err(IngestError::Unsupported)
        );
        assert_eq!(sniff("x.md", b""), Err(IngestError::Empty));
        // A zip that is not a Word document.
        assert_eq!(
            sniff("a.docx", &zip_with(&[("other.txt", "x")])),
            Err(IngestError::Unsupported)
        );
    }

    #[test]
    fn markdown_headings_nest_and_code_fences_are_not_headings() {
        let doc = "# Warranty guide\nIntro.\n\n## Monitors\nTwo years.\n\n```\n# not a heading\n```\n\n### Dead pixels\nFive or more.\n\n## Headphones\nOne year.\n";
        let e = extract("w.md", doc.as_bytes()).expect("parses");
        assert_eq!(e.title.as_deref(), Some("Warranty guide"));
        let paths: Vec<Vec<String>> = e.sections.iter().map(|s| s.headings.clone()).collect();
        assert_eq!(
            paths,
            vec![
                vec!["Warranty guide".to_string()],
                vec!["Warranty guide".into(), "Monitors".into()],
                vec![
                    "Warranty guide".into(),
                    "Monitors".into(),
                    "Dead pixels".into()
                ],
                vec!["Warranty guide".into(), "Headphones".into()],
            ]
        );
        assert!(e.sections[1].text.contains("# not a heading"));
    }

    #[test]
    fn an_entity_scan_never_cuts_a_character() {
        // Found by the fuzz target: a two-byte character across the entity scan's end.
        assert_eq!(
            decode_entities("&0123456789\u{68d};"),
            "&0123456789\u{68d};"
        );
        let html = "<html><body><h1>T</h1><p>a &0123456789\u{68d}; &amp; b</p></body></html>";
        let e = extract("x.html", html.as_bytes()).expect("parses");
        assert_eq!(e.sections[0].text, "a &0123456789\u{68d}; & b");
    }

    #[test]
    fn html_keeps_headings_and_drops_scripts() {
        let html = "<!doctype html><html><head><title>t</title><style>p{}</style></head><body>\
            <h1>Returns</h1><p>Within <b>30</b>&nbsp;days &amp; unopened.</p>\
            <script>alert('x')</script><h2>Refunds</h2><ul><li>Card</li><li>Store credit</li></ul>\
            <!-- hidden --></body></html>";
        let e = extract("r.html", html.as_bytes()).expect("parses");
        assert_eq!(e.title.as_deref(), Some("Returns"));
        assert_eq!(e.sections[0].text, "Within 30 days & unopened.");
        assert_eq!(e.sections[1].headings, vec!["Returns", "Refunds"]);
        assert_eq!(e.sections[1].text, "- Card\n- Store credit");
        let all: String = e.sections.iter().map(|s| s.text.clone()).collect();
        assert!(!all.contains("alert") && !all.contains("hidden") && !all.contains("p{}"));
    }

    fn zip_with(entries: &[(&str, &str)]) -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        {
            let mut zip = zip::ZipWriter::new(&mut out);
            for (name, body) in entries {
                zip.start_file(*name, zip::write::SimpleFileOptions::default())
                    .expect("entry");
                std::io::Write::write_all(&mut zip, body.as_bytes()).expect("write");
            }
            zip.finish().expect("finish");
        }
        out.into_inner()
    }

    /// A minimal Word document: what Word itself writes for headings and paragraphs.
    fn docx(paragraphs: &[(Option<&str>, &str)]) -> Vec<u8> {
        let body: String = paragraphs
            .iter()
            .map(|(style, text)| {
                let style = style
                    .map(|s| format!("<w:pPr><w:pStyle w:val=\"{s}\"/></w:pPr>"))
                    .unwrap_or_default();
                format!("<w:p>{style}<w:r><w:t xml:space=\"preserve\">{text}</w:t></w:r></w:p>")
            })
            .collect();
        let xml = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
             <w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}</w:body></w:document>"
        );
        zip_with(&[
            ("[Content_Types].xml", "<Types/>"),
            ("word/document.xml", &xml),
        ])
    }

    #[test]
    fn docx_headings_come_from_paragraph_styles() {
        let bytes = docx(&[
            (Some("Title"), "Setup guide"),
            (None, "Unbox the speaker."),
            (Some("Heading2"), "Pairing"),
            (None, "Hold the button &amp; wait."),
        ]);
        let e = extract("s.docx", &bytes).expect("parses");
        assert_eq!(e.kind, DocumentKind::Docx);
        assert_eq!(e.title.as_deref(), Some("Setup guide"));
        assert_eq!(e.sections[0].text, "Unbox the speaker.");
        assert_eq!(e.sections[1].headings, vec!["Setup guide", "Pairing"]);
        assert_eq!(e.sections[1].text, "Hold the button & wait.");
    }

    /// A one-page PDF with real text operators, written with lopdf.
    fn pdf(text: &str) -> Vec<u8> {
        use lopdf::content::{Content, Operation};
        use lopdf::{Document, Object, Stream, dictionary};
        let mut doc = Document::with_version("1.5");
        let pages_id = doc.new_object_id();
        let font_id = doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Courier",
        });
        let resources_id = doc.add_object(dictionary! {
            "Font" => dictionary! { "F1" => font_id },
        });
        let content = Content {
            operations: vec![
                Operation::new("BT", vec![]),
                Operation::new("Tf", vec!["F1".into(), 12.into()]),
                Operation::new("Td", vec![50.into(), 700.into()]),
                Operation::new("Tj", vec![Object::string_literal(text)]),
                Operation::new("ET", vec![]),
            ],
        };
        let content_id = doc.add_object(Stream::new(
            dictionary! {},
            content.encode().expect("encode"),
        ));
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id, "Contents" => content_id,
        });
        doc.objects.insert(
            pages_id,
            Object::Dictionary(dictionary! {
                "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1,
                "Resources" => resources_id, "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
            }),
        );
        let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        doc.trailer.set("Root", catalog_id);
        let mut out = Vec::new();
        doc.save_to(&mut out).expect("save");
        out
    }

    #[test]
    fn pdf_text_is_extracted_per_page() {
        let bytes = pdf("Firmware 2.1 fixes the hum on the Vista 27.");
        let e = extract("notes.pdf", &bytes).expect("parses");
        assert_eq!(e.kind, DocumentKind::Pdf);
        assert_eq!(e.sections[0].headings, vec!["Page 1"]);
        assert!(e.sections[0].text.contains("Firmware 2.1 fixes the hum"));
        assert!(matches!(
            extract("broken.pdf", b"%PDF-1.4 garbage"),
            Err(IngestError::Unreadable { .. })
        ));
    }

    #[test]
    fn a_huge_unbroken_word_is_cut_by_characters() {
        let text = "x".repeat(5_000);
        let pieces = split_text(&text, 1_000, 100);
        assert!(pieces.iter().all(|p| p.chars().count() <= 1_100));
        assert!(pieces.iter().map(|p| p.matches('x').count()).sum::<usize>() >= 5_000);
    }
}
