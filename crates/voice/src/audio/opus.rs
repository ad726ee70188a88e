//! Opus packets to 16 kHz mono (the decoder resamples internally; Opus always runs at 48 kHz), with
//! the encoder's pre-skip removed and the stream trimmed to the length its container declares.

use super::{OpusStream, SAMPLE_RATE};
use crate::VoiceError;
use opus_decoder::OpusDecoder;

/// 48 kHz samples per 16 kHz sample.
const DOWN: u64 = 48_000 / SAMPLE_RATE as u64;

pub(super) fn decode_stream(stream: OpusStream) -> Result<Vec<f32>, VoiceError> {
    let head = &stream.head;
    if head.len() < 19 || !head.starts_with(b"OpusHead") {
        return Err(VoiceError::BadAudio(
            "The Opus stream has no valid header (OpusHead).".into(),
        ));
    }
    let channels = usize::from(head[9]);
    let pre_skip = u64::from(u16::from_le_bytes([head[10], head[11]]));
    let mapping = head.get(18).copied().unwrap_or(0);
    if !(1..=2).contains(&channels) || mapping != 0 {
        return Err(VoiceError::UnsupportedType(format!(
            "This Opus stream has {channels} channels; send a mono or stereo recording."
        )));
    }
    if stream.packets.is_empty() {
        return Err(VoiceError::Empty);
    }
    let mut decoder = OpusDecoder::new(SAMPLE_RATE, channels)
        .map_err(|e| VoiceError::BadAudio(format!("The Opus decoder could not start: {e}.")))?;
    let mut frame = vec![0i16; decoder.max_frame_size_per_channel() * channels];
    let mut out = Vec::with_capacity(stream.packets.len() * 320);
    for (i, packet) in stream.packets.iter().enumerate() {
        let n = decoder.decode(packet, &mut frame, false).map_err(|e| {
            VoiceError::BadAudio(format!(
                "The Opus audio is damaged at packet {} ({e}).",
                i + 1
            ))
        })?;
        out.extend(
            frame[..n * channels].chunks_exact(channels).map(|c| {
                c.iter().map(|s| f32::from(*s)).sum::<f32>() / (32768.0 * channels as f32)
            }),
        );
    }
    let skip = (pre_skip / DOWN) as usize;
    let mut out = out.split_off(skip.min(out.len()));
    if let Some(total) = stream.total_48k {
        let keep = (total.saturating_sub(pre_skip) / DOWN) as usize;
        out.truncate(keep);
    }
    Ok(out)
}
