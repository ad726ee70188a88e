//! Uploaded knowledge-base documents through `docparse`: content sniffing against the name's
//! extension, then Markdown, text, HTML, PDF (lopdf) and DOCX (zip + XML) extraction, then the
//! overlapping split. Any panic, hang or runaway allocation here is a finding.
#![no_main]

use libfuzzer_sys::fuzz_target;

const NAMES: &[&str] = &["doc.md", "doc.txt", "doc.html", "doc.pdf", "doc.docx", "doc"];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let name = NAMES[usize::from(pick) % NAMES.len()];
    if let Ok(extracted) = docparse::extract(name, bytes) {
        assert!(extracted.sections.iter().any(|s| !s.text.trim().is_empty()));
        for section in &extracted.sections {
            for piece in docparse::split_text(&section.text, 400, 80) {
                assert!(piece.chars().count() <= 480, "a piece of {} characters", piece.chars().count());
            }
        }
    }
});
