//! PDF and Word (DOCX) to sections.

use crate::html::decode_entities;
use crate::{DocumentKind, Extracted, IngestError, Sectioner};

pub(crate) fn pdf_sections(bytes: &[u8]) -> Result<Extracted, IngestError> {
    let unreadable = |e: lopdf::Error| IngestError::Unreadable {
        kind: "PDF",
        reason: e.to_string(),
    };
    let document = lopdf::Document::load_mem(bytes).map_err(unreadable)?;
    if document.is_encrypted() {
        return Err(IngestError::Unreadable {
            kind: "PDF",
            reason: "it is encrypted".into(),
        });
    }
    let mut s = Sectioner::new();
    let pages: Vec<u32> = document.get_pages().keys().copied().collect();
    for page in pages {
        // A page whose text cannot be decoded is skipped, not fatal: the rest still indexes.
        let Ok(text) = document.extract_text(&[page]) else {
            continue;
        };
        s.heading(2, &format!("Page {page}"));
        for line in text.lines() {
            s.line(line.trim_end());
        }
    }
    let mut extracted = s.finish(DocumentKind::Pdf);
    extracted.title = None;
    Ok(extracted)
}

pub(crate) fn docx_sections(bytes: &[u8]) -> Result<Extracted, IngestError> {
    use quick_xml::events::Event;
    let unreadable = |reason: String| IngestError::Unreadable {
        kind: "DOCX",
        reason,
    };
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| unreadable(e.to_string()))?;
    let xml = {
        let mut entry = archive
            .by_name("word/document.xml")
            .map_err(|e| unreadable(e.to_string()))?;
        // A zip bomb is cut off: no real document body is this large.
        let mut xml = String::new();
        std::io::Read::read_to_string(
            &mut std::io::Read::take(&mut entry, 64 * 1024 * 1024),
            &mut xml,
        )
        .map_err(|e| unreadable(e.to_string()))?;
        xml
    };
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut s = Sectioner::new();
    let mut paragraph = String::new();
    let mut style: Option<String> = None;
    let mut in_text = false;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) if e.name().as_ref() == b"w:t" => in_text = true,
            Ok(Event::End(e)) if e.name().as_ref() == b"w:t" => in_text = false,
            Ok(Event::Empty(e)) | Ok(Event::Start(e)) if e.name().as_ref() == b"w:pStyle" => {
                style = e
                    .attributes()
                    .flatten()
                    .find(|a| a.key.as_ref() == b"w:val")
                    .map(|a| String::from_utf8_lossy(&a.value).into_owned());
            }
            Ok(Event::Empty(e)) if matches!(e.name().as_ref(), b"w:tab" | b"w:br") => {
                paragraph.push(' ')
            }
            Ok(Event::Text(t)) if in_text => {
                let raw = String::from_utf8_lossy(t.as_ref()).into_owned();
                paragraph.push_str(&decode_entities(&raw));
            }
            Ok(Event::GeneralRef(r)) if in_text => {
                let raw = format!("&{};", String::from_utf8_lossy(r.as_ref()));
                paragraph.push_str(&decode_entities(&raw));
            }
            Ok(Event::End(e)) if e.name().as_ref() == b"w:p" => {
                let level = style.as_deref().and_then(heading_level);
                match level {
                    Some(level) => s.heading(level, &paragraph),
                    None if !paragraph.trim().is_empty() => s.line(paragraph.trim()),
                    None => {}
                }
                paragraph.clear();
                style = None;
            }
            Ok(Event::Eof) => break,
            Err(e) => return Err(unreadable(e.to_string())),
            _ => {}
        }
    }
    Ok(s.finish(DocumentKind::Docx))
}

/// Word's built-in heading styles ("Title", "Heading1".."Heading6"; ids vary in case).
fn heading_level(style: &str) -> Option<usize> {
    let lower = style.to_ascii_lowercase();
    if lower == "title" {
        return Some(1);
    }
    lower
        .strip_prefix("heading")
        .and_then(|n| n.trim().parse::<usize>().ok())
        .filter(|n| (1..=6).contains(n))
}
