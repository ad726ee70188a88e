//! WebM (Matroska) as browsers' MediaRecorder writes it, to the Opus packets of its audio track.
//!
//! Recorders write the Segment and each Cluster with an unknown size (they stream), so the file is
//! read as a flat run of elements: the masters that lead to audio are entered (their children
//! follow inline), everything else is skipped by its size.

use super::OpusStream;
use crate::VoiceError;

fn bad(why: impl Into<String>) -> VoiceError {
    VoiceError::BadAudio(why.into())
}

const EBML: u32 = 0x1A45_DFA3;
const DOC_TYPE: u32 = 0x4282;
const SEGMENT: u32 = 0x1853_8067;
const TRACKS: u32 = 0x1654_AE6B;
const TRACK_ENTRY: u32 = 0xAE;
const TRACK_NUMBER: u32 = 0xD7;
const TRACK_TYPE: u32 = 0x83;
const CODEC_ID: u32 = 0x86;
const CODEC_PRIVATE: u32 = 0x63A2;
const CLUSTER: u32 = 0x1F43_B675;
const BLOCK_GROUP: u32 = 0xA0;
const BLOCK: u32 = 0xA1;
const SIMPLE_BLOCK: u32 = 0xA3;

/// Masters whose children are read inline.
const ENTERED: [u32; 5] = [SEGMENT, TRACKS, TRACK_ENTRY, CLUSTER, BLOCK_GROUP];

/// A variable-length integer: its value (marker kept for IDs, removed for sizes) and length.
fn vint(bytes: &[u8], keep_marker: bool) -> Option<(u64, usize)> {
    let first = *bytes.first()?;
    let len = first.leading_zeros() as usize + 1;
    if len > 8 || bytes.len() < len {
        return None;
    }
    let mut value = if keep_marker {
        u64::from(first)
    } else {
        u64::from(first) & ((1u64 << (8 - len)) - 1)
    };
    for b in &bytes[1..len] {
        value = (value << 8) | u64::from(*b);
    }
    Some((value, len))
}

#[derive(Default)]
struct Track {
    number: Option<u64>,
    audio: bool,
    codec: String,
    private: Vec<u8>,
}

pub(super) fn read(bytes: &[u8]) -> Result<OpusStream, VoiceError> {
    let mut at = 0;
    let mut tracks: Vec<Track> = Vec::new();
    let mut blocks: Vec<(u64, Vec<u8>)> = Vec::new();
    while at < bytes.len() {
        let (id, id_len) = vint(&bytes[at..], true).ok_or_else(|| {
            bad("The WebM file is damaged or cut short (an element id is broken).")
        })?;
        let (size, size_len) = vint(&bytes[at + id_len..], false)
            .ok_or_else(|| bad("The WebM file is cut short inside an element header."))?;
        let body = at + id_len + size_len;
        let unknown = size == (1u64 << (7 * size_len)) - 1;
        let id = id as u32;
        if id == EBML {
            let end = body + size as usize;
            let header = bytes
                .get(body..end)
                .ok_or_else(|| bad("The WebM file's header is cut short."))?;
            check_doc_type(header)?;
            at = end;
            continue;
        }
        if ENTERED.contains(&id) {
            if id == TRACK_ENTRY {
                tracks.push(Track::default());
            }
            at = body;
            continue;
        }
        if unknown {
            return Err(bad(
                "The WebM file has an element of unknown size where none is allowed.",
            ));
        }
        let end = body
            .checked_add(size as usize)
            .filter(|e| *e <= bytes.len())
            .ok_or_else(|| bad("The WebM file is cut short: its last element is incomplete."))?;
        let payload = &bytes[body..end];
        match (id, tracks.last_mut()) {
            (TRACK_NUMBER, Some(t)) => t.number = Some(uint(payload)),
            (TRACK_TYPE, Some(t)) => t.audio = uint(payload) == 2,
            (CODEC_ID, Some(t)) => t.codec = String::from_utf8_lossy(payload).into_owned(),
            (CODEC_PRIVATE, Some(t)) => t.private = payload.to_vec(),
            (SIMPLE_BLOCK | BLOCK, _) => blocks.push(block(payload)?),
            _ => {}
        }
        at = end;
    }
    let track = tracks
        .iter()
        .find(|t| t.audio || t.codec.starts_with("A_"))
        .ok_or_else(|| bad("The WebM file has no audio track."))?;
    if track.codec != "A_OPUS" {
        return Err(VoiceError::UnsupportedType(format!(
            "This WebM file holds {} audio; send WebM/Opus, Ogg/Opus or WAV.",
            track.codec.trim_start_matches("A_")
        )));
    }
    let number = track.number.unwrap_or(1);
    let packets = blocks
        .into_iter()
        .filter(|(n, _)| *n == number)
        .map(|(_, p)| p)
        .collect();
    Ok(OpusStream {
        head: track.private.clone(),
        packets,
        total_48k: None,
    })
}

fn check_doc_type(header: &[u8]) -> Result<(), VoiceError> {
    let mut at = 0;
    while at < header.len() {
        let Some((id, id_len)) = vint(&header[at..], true) else {
            break;
        };
        let Some((size, size_len)) = vint(&header[at + id_len..], false) else {
            break;
        };
        let body = at + id_len + size_len;
        let end = (body + size as usize).min(header.len());
        if id as u32 == DOC_TYPE {
            let doc = String::from_utf8_lossy(&header[body..end]);
            let doc = doc.trim_end_matches('\0');
            if doc != "webm" && doc != "matroska" {
                return Err(VoiceError::UnsupportedType(format!(
                    "This EBML file is a {doc}, not WebM; send WebM/Opus, Ogg/Opus or WAV."
                )));
            }
        }
        at = end;
    }
    Ok(())
}

fn uint(payload: &[u8]) -> u64 {
    payload
        .iter()
        .take(8)
        .fold(0, |v, b| (v << 8) | u64::from(*b))
}

/// A (Simple)Block: track number, 16-bit timecode, flags, then one frame (recorders never lace
/// audio; a laced block is refused rather than misread).
fn block(payload: &[u8]) -> Result<(u64, Vec<u8>), VoiceError> {
    let (track, len) =
        vint(payload, false).ok_or_else(|| bad("The WebM file has a damaged block."))?;
    let flags = *payload
        .get(len + 2)
        .ok_or_else(|| bad("The WebM file has a damaged block."))?;
    if flags & 0x06 != 0 {
        return Err(VoiceError::UnsupportedType(
            "This WebM file packs several frames per block (lacing), which this server does not read; send Ogg/Opus or WAV."
                .into(),
        ));
    }
    Ok((track, payload[len + 3..].to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn element(id: &[u8], payload: &[u8]) -> Vec<u8> {
        let mut e = id.to_vec();
        e.push(0x80 | payload.len() as u8);
        e.extend_from_slice(payload);
        e
    }

    fn file(codec: &str, frames: &[&[u8]]) -> Vec<u8> {
        let mut f = element(&[0x1A, 0x45, 0xDF, 0xA3], &element(&[0x42, 0x82], b"webm"));
        f.extend_from_slice(&[
            0x18, 0x53, 0x80, 0x67, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        ]);
        let mut entry = element(&[0xD7], &[1]);
        entry.extend(element(&[0x83], &[2]));
        entry.extend(element(&[0x86], codec.as_bytes()));
        entry.extend(element(
            &[0x63, 0xA2],
            b"OpusHead\x01\x01\0\0\x80\x3e\0\0\0\0\0",
        ));
        f.extend(element(
            &[0x16, 0x54, 0xAE, 0x6B],
            &element(&[0xAE], &entry),
        ));
        f.extend_from_slice(&[0x1F, 0x43, 0xB6, 0x75, 0xFF]);
        f.extend(element(&[0xE7], &[0]));
        for frame in frames {
            let mut block = vec![0x81, 0, 0, 0x80];
            block.extend_from_slice(frame);
            f.extend(element(&[0xA3], &block));
        }
        f
    }

    #[test]
    fn frames_of_the_audio_track_come_out_of_unknown_sized_clusters() {
        let stream = read(&file("A_OPUS", &[b"\xf8\x01", b"\xf8\x02"])).unwrap();
        assert!(stream.head.starts_with(b"OpusHead"));
        assert_eq!(
            stream.packets,
            vec![b"\xf8\x01".to_vec(), b"\xf8\x02".to_vec()]
        );
    }

    #[test]
    fn other_codecs_and_cut_files_are_named() {
        let vorbis = read(&file("A_VORBIS", &[b"x"])).unwrap_err().to_string();
        assert!(vorbis.contains("VORBIS audio"), "{vorbis}");
        let whole = file("A_OPUS", &[b"\xf8\x01\x02\x03"]);
        let cut = read(&whole[..whole.len() - 2]).unwrap_err().to_string();
        assert!(cut.contains("cut short"), "{cut}");
    }
}
