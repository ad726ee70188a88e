//! RIFF/WAVE: integer PCM (8, 16, 24, 32 bit) and 32-bit float, plain or extensible, any rate and
//! channel count; channels are averaged to mono.

use crate::VoiceError;

fn bad(why: impl Into<String>) -> VoiceError {
    VoiceError::BadAudio(why.into())
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

struct Format {
    float: bool,
    channels: usize,
    rate: u32,
    bits: usize,
}

fn read_format(chunk: &[u8]) -> Result<Format, VoiceError> {
    if chunk.len() < 16 {
        return Err(bad("The WAV file's format chunk is too short."));
    }
    let mut tag = u16_at(chunk, 0);
    if tag == 0xFFFE && chunk.len() >= 26 {
        // WAVE_FORMAT_EXTENSIBLE: the real format is the sub-format GUID's first two bytes.
        tag = u16_at(chunk, 24);
    }
    let channels = usize::from(u16_at(chunk, 2));
    let rate = u32_at(chunk, 4);
    let bits = usize::from(u16_at(chunk, 14));
    let float = match (tag, bits) {
        (1, 8 | 16 | 24 | 32) => false,
        (3, 32) => true,
        _ => {
            return Err(VoiceError::UnsupportedType(format!(
                "This WAV file is encoded as format {tag} with {bits}-bit samples; send 8/16/24/32-bit PCM or 32-bit float."
            )));
        }
    };
    if channels == 0 || !(4_000..=192_000).contains(&rate) {
        return Err(bad(format!(
            "The WAV file declares {channels} channels at {rate} Hz, which is not a recording."
        )));
    }
    Ok(Format {
        float,
        channels,
        rate,
        bits,
    })
}

/// Mono samples and their rate.
pub(super) fn decode(bytes: &[u8]) -> Result<(Vec<f32>, u32), VoiceError> {
    let mut at = 12;
    let mut format = None;
    while at + 8 <= bytes.len() {
        let id = &bytes[at..at + 4];
        let size = u32_at(bytes, at + 4) as usize;
        let body = at + 8;
        if id == b"fmt " {
            let end = body.checked_add(size).filter(|e| *e <= bytes.len());
            let end =
                end.ok_or_else(|| bad("The WAV file is cut short inside its format chunk."))?;
            format = Some(read_format(&bytes[body..end])?);
        } else if id == b"data" {
            let f = format.ok_or_else(|| bad("The WAV file has audio before its format chunk."))?;
            let available = bytes.len() - body;
            // Streaming writers (espeak-ng's --stdout, browsers' recorders) leave the size at 0 or
            // a huge placeholder; then the data runs to the end of the file.
            let len = if size == 0 || size >= 0x7FFF_0000 {
                available
            } else if size > available {
                return Err(bad(format!(
                    "The WAV file is cut short: it declares {size} bytes of audio but holds {available}."
                )));
            } else {
                size
            };
            return Ok((samples(&bytes[body..body + len], &f), f.rate));
        }
        at = body.saturating_add(size).saturating_add(size & 1);
    }
    Err(bad("The WAV file holds no audio (no data chunk)."))
}

fn samples(data: &[u8], f: &Format) -> Vec<f32> {
    let width = f.bits / 8;
    let frame = width * f.channels;
    data.chunks_exact(frame)
        .map(|frame| {
            let sum: f32 = frame.chunks_exact(width).map(|s| sample(s, f.float)).sum();
            sum / f.channels as f32
        })
        .collect()
}

fn sample(s: &[u8], float: bool) -> f32 {
    match (s.len(), float) {
        (1, _) => (f32::from(s[0]) - 128.0) / 128.0,
        (2, _) => f32::from(i16::from_le_bytes([s[0], s[1]])) / 32768.0,
        (3, _) => (i32::from_le_bytes([0, s[0], s[1], s[2]]) >> 8) as f32 / 8_388_608.0,
        (4, true) => f32::from_le_bytes([s[0], s[1], s[2], s[3]]),
        (4, false) => i32::from_le_bytes([s[0], s[1], s[2], s[3]]) as f32 / 2_147_483_648.0,
        _ => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(tag: u16, channels: u16, rate: u32, bits: u16, data_len: u32) -> Vec<u8> {
        let mut out = b"RIFF\0\0\0\0WAVEfmt ".to_vec();
        out.extend_from_slice(&16u32.to_le_bytes());
        out.extend_from_slice(&tag.to_le_bytes());
        out.extend_from_slice(&channels.to_le_bytes());
        out.extend_from_slice(&rate.to_le_bytes());
        out.extend_from_slice(&(rate * u32::from(channels * bits / 8)).to_le_bytes());
        out.extend_from_slice(&(channels * bits / 8).to_le_bytes());
        out.extend_from_slice(&bits.to_le_bytes());
        out.extend_from_slice(b"data");
        out.extend_from_slice(&data_len.to_le_bytes());
        out
    }

    #[test]
    fn stereo_float_is_averaged_to_mono() {
        let mut b = header(3, 2, 8_000, 32, 16);
        for v in [0.5f32, -0.5, 1.0, 0.0] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        let (s, rate) = decode(&b).unwrap();
        assert_eq!((s, rate), (vec![0.0, 0.5], 8_000));
    }

    #[test]
    fn a_cut_short_file_and_odd_formats_get_sentences() {
        let mut b = header(1, 1, 16_000, 16, 1000);
        b.extend_from_slice(&[0u8; 10]);
        let e = decode(&b).unwrap_err().to_string();
        assert!(e.contains("cut short"), "{e}");
        let e = decode(&header(2, 1, 16_000, 4, 0)).unwrap_err().to_string();
        assert!(e.contains("format 2"), "{e}");
        let e = decode(b"RIFF\0\0\0\0WAVE").unwrap_err().to_string();
        assert!(e.contains("no data chunk"), "{e}");
    }
}
