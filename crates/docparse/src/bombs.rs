//! Refusing decompression bombs before any parser unpacks them: a DOCX whose parts expand past
//! `MAX_UNPACKED_BYTES`, or a PDF whose compressed streams do. Both are measured by unpacking
//! into a counter (nothing is kept), stopping at the limit, so a bomb costs at most the limit's
//! worth of decompression and no memory.

use crate::IngestError;
use std::io::Read;

/// What a document may expand to, unpacked: far above any real handbook's text.
pub const MAX_UNPACKED_BYTES: u64 = 32 * 1024 * 1024;

fn bomb(kind: &'static str) -> IngestError {
    IngestError::Unreadable {
        kind,
        reason: format!(
            "it expands to more than {} MB when unpacked, which no real document does (refused as a possible decompression bomb)",
            MAX_UNPACKED_BYTES / (1024 * 1024)
        ),
    }
}

/// Bytes `reader` yields, counted up to `limit + 1` and thrown away.
fn unpacked_size(reader: impl Read, limit: u64) -> std::io::Result<u64> {
    std::io::copy(&mut reader.take(limit + 1), &mut std::io::sink())
}

/// Every entry of a zip, unpacked into a counter: refused when they add up past the limit. The
/// sizes the archive declares are checked first (a bomb usually says what it is), then the
/// real ones (a lying header is caught by counting).
pub fn check_zip(bytes: &[u8]) -> Result<(), IngestError> {
    let unreadable = |e: zip::result::ZipError| IngestError::Unreadable {
        kind: "DOCX",
        reason: e.to_string(),
    };
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(unreadable)?;
    let declared: u64 = (0..archive.len())
        .filter_map(|i| archive.by_index_raw(i).ok().map(|e| e.size()))
        .fold(0u64, u64::saturating_add);
    if declared > MAX_UNPACKED_BYTES {
        return Err(bomb("DOCX"));
    }
    let mut total = 0u64;
    for i in 0..archive.len() {
        let entry = archive.by_index(i).map_err(unreadable)?;
        let left = MAX_UNPACKED_BYTES.saturating_sub(total);
        total += unpacked_size(entry, left).map_err(|e| IngestError::Unreadable {
            kind: "DOCX",
            reason: e.to_string(),
        })?;
        if total > MAX_UNPACKED_BYTES {
            return Err(bomb("DOCX"));
        }
    }
    Ok(())
}

/// Every stream of a PDF that unpacks as zlib (FlateDecode), counted: refused when they add up
/// past the limit. Streams are found in the raw bytes (`stream` … `endstream`), before the PDF
/// parser, which unpacks object streams as it loads.
pub fn check_pdf(bytes: &[u8]) -> Result<(), IngestError> {
    let mut total = 0u64;
    let mut rest = bytes;
    while let Some(start) = find(rest, b"stream") {
        let after = &rest[start + b"stream".len()..];
        // `endstream` also contains `stream`: only a keyword followed by an end of line opens one.
        let body = match after {
            [b'\r', b'\n', body @ ..] | [b'\n', body @ ..] | [b'\r', body @ ..] => body,
            _ => {
                rest = after;
                continue;
            }
        };
        let end = find(body, b"endstream").unwrap_or(body.len());
        let left = MAX_UNPACKED_BYTES.saturating_sub(total);
        // Not zlib (an image, a font in another filter, garbage): it counts as what it decodes
        // to before the error, which is what a parser could be made to hold.
        let decoder = flate2::read::ZlibDecoder::new(&body[..end]);
        let mut counted = CountingReader {
            inner: decoder,
            read: 0,
        };
        let _ = unpacked_size(&mut counted, left);
        total += counted.read;
        if total > MAX_UNPACKED_BYTES {
            return Err(bomb("PDF"));
        }
        rest = &body[end..];
    }
    Ok(())
}

/// Counts what was read even when the reader then fails.
struct CountingReader<R> {
    inner: R,
    read: u64,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Small files that unpack to many megabytes of nothing, for tests here and in the server.
pub mod samples {
    use std::io::Write;

    fn zlib(bytes: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        // Writing into a Vec cannot fail.
        let _ = e.write_all(bytes);
        e.finish().unwrap_or_default()
    }

    /// A PDF with one FlateDecode stream holding `payload`.
    pub fn pdf_with_stream(payload: &[u8]) -> Vec<u8> {
        let data = zlib(payload);
        let mut pdf = b"%PDF-1.4\n1 0 obj\n<< /Length ".to_vec();
        pdf.extend_from_slice(
            format!("{} /Filter /FlateDecode >>\nstream\n", data.len()).as_bytes(),
        );
        pdf.extend_from_slice(&data);
        pdf.extend_from_slice(b"\nendstream\nendobj\ntrailer\n<< >>\n%%EOF\n");
        pdf
    }

    /// A PDF whose one stream unpacks to `megabytes` MB of zeros.
    pub fn pdf_bomb(megabytes: usize) -> Vec<u8> {
        pdf_with_stream(&vec![0u8; megabytes * 1024 * 1024])
    }

    /// A DOCX whose document part unpacks to `megabytes` MB of spaces.
    pub fn docx_bomb(megabytes: usize) -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        {
            let mut zip = zip::ZipWriter::new(&mut out);
            let _ = zip.start_file(
                "word/document.xml",
                zip::write::SimpleFileOptions::default(),
            );
            let chunk = vec![b' '; 1024 * 1024];
            for _ in 0..megabytes {
                let _ = zip.write_all(&chunk);
            }
            let _ = zip.finish();
        }
        out.into_inner()
    }
}

#[cfg(test)]
mod tests {
    use super::samples::*;
    use super::*;

    #[test]
    fn a_pdf_whose_streams_unpack_past_the_limit_is_refused() {
        let bomb = pdf_bomb(40);
        assert!(bomb.len() < 100 * 1024, "the bomb is small: {}", bomb.len());
        let refused = check_pdf(&bomb).expect_err("refused");
        assert!(
            refused.to_string().contains("decompression bomb"),
            "{refused}"
        );
        assert!(check_pdf(&pdf_with_stream(b"BT (Hello) Tj ET")).is_ok());
        // Not zlib at all: nothing to unpack.
        assert!(check_pdf(b"%PDF-1.4\nstream\nnot zlib\nendstream\n").is_ok());
    }

    #[test]
    fn a_zip_whose_entries_unpack_past_the_limit_is_refused() {
        let bomb = docx_bomb(40);
        assert!(bomb.len() < 200 * 1024, "the bomb is small: {}", bomb.len());
        let refused = check_zip(&bomb).expect_err("refused");
        assert!(
            refused.to_string().contains("decompression bomb"),
            "{refused}"
        );
    }
}
