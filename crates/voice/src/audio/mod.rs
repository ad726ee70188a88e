//! Uploaded recordings to 16 kHz mono samples. The container is recognised from the bytes (a
//! declared content type is only a hint browsers get wrong), each format is checked as it is read,
//! and every refusal is a sentence.

mod ogg;
mod opus;
mod resample;
mod wav;
mod webm;

use crate::VoiceError;

/// The sample rate Whisper listens at.
pub const SAMPLE_RATE: u32 = 16_000;
/// The longest recording accepted, in seconds.
pub const MAX_SECONDS: f32 = 60.0;
/// The largest upload accepted, in bytes.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

/// The containers this module reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AudioFormat {
    Wav,
    OggOpus,
    WebmOpus,
}

impl AudioFormat {
    /// The name a person knows the format by.
    pub fn label(self) -> &'static str {
        match self {
            AudioFormat::Wav => "WAV",
            AudioFormat::OggOpus => "Ogg/Opus",
            AudioFormat::WebmOpus => "WebM/Opus",
        }
    }
}

/// A decoded recording: 16 kHz mono samples in -1..1.
#[derive(Debug, Clone)]
pub struct Audio {
    pub samples: Vec<f32>,
    pub format: AudioFormat,
}

impl Audio {
    /// The length in seconds.
    pub fn seconds(&self) -> f32 {
        self.samples.len() as f32 / SAMPLE_RATE as f32
    }
}

/// Which container the bytes are, from their first bytes.
pub fn sniff(bytes: &[u8]) -> Result<AudioFormat, VoiceError> {
    if bytes.is_empty() {
        return Err(VoiceError::Empty);
    }
    if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WAVE" {
        return Ok(AudioFormat::Wav);
    }
    if bytes.starts_with(b"OggS") {
        return Ok(AudioFormat::OggOpus);
    }
    if bytes.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        return Ok(AudioFormat::WebmOpus);
    }
    let what = if bytes.len() >= 8 && &bytes[4..8] == b"ftyp" {
        "an MP4/AAC recording (Safari's format)"
    } else if bytes.starts_with(b"ID3")
        || (bytes.len() > 1 && bytes[0] == 0xFF && bytes[1] & 0xE0 == 0xE0)
    {
        "an MP3"
    } else if bytes.starts_with(b"fLaC") {
        "a FLAC file"
    } else {
        "not a recording this server reads"
    };
    Err(VoiceError::UnsupportedType(format!(
        "This file is {what}; send the recording as WAV, WebM/Opus or Ogg/Opus."
    )))
}

/// Decodes an upload to 16 kHz mono, refusing anything longer than [`MAX_SECONDS`].
pub fn decode(bytes: &[u8]) -> Result<Audio, VoiceError> {
    if bytes.len() > MAX_BYTES {
        return Err(VoiceError::BadAudio(format!(
            "The recording is {:.1} MB; at most 10 MB are accepted.",
            bytes.len() as f64 / (1024.0 * 1024.0)
        )));
    }
    let format = sniff(bytes)?;
    let (samples, rate) = match format {
        AudioFormat::Wav => wav::decode(bytes)?,
        AudioFormat::OggOpus => (opus::decode_stream(ogg::read(bytes)?)?, SAMPLE_RATE),
        AudioFormat::WebmOpus => (opus::decode_stream(webm::read(bytes)?)?, SAMPLE_RATE),
    };
    let seconds = samples.len() as f32 / rate as f32;
    // A little slack: a browser's "60 s" recording runs a few frames over.
    if seconds > MAX_SECONDS + 0.5 {
        return Err(VoiceError::TooLong(seconds));
    }
    let samples = resample::to_rate(&samples, rate, SAMPLE_RATE);
    if samples.is_empty() {
        return Err(VoiceError::Empty);
    }
    Ok(Audio { samples, format })
}

/// An Opus stream as a container holds it: the codec header and the audio packets in order.
#[derive(Debug)]
pub(crate) struct OpusStream {
    /// The `OpusHead` identification header.
    pub head: Vec<u8>,
    pub packets: Vec<Vec<u8>>,
    /// Samples (at 48 kHz) to keep in all, where the container says (Ogg's last granule).
    pub total_48k: Option<u64>,
}

/// Mono 16-bit PCM WAV bytes, the format the synthesiser returns and the tests build.
pub fn wav_bytes(samples: &[f32], rate: u32) -> Vec<u8> {
    let data_len = samples.len() * 2;
    let mut out = Vec::with_capacity(44 + data_len);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&((36 + data_len) as u32).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * 2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&(data_len as u32).to_le_bytes());
    for s in samples {
        let v = (s.clamp(-1.0, 1.0) * 32767.0).round() as i16;
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_containers_and_names_the_ones_it_refuses() {
        assert!(matches!(sniff(b""), Err(VoiceError::Empty)));
        assert_eq!(
            sniff(&wav_bytes(&[0.0; 10], 16_000)).ok(),
            Some(AudioFormat::Wav)
        );
        assert_eq!(sniff(b"OggS\0\x02").ok(), Some(AudioFormat::OggOpus));
        assert_eq!(
            sniff(&[0x1A, 0x45, 0xDF, 0xA3, 0x9F]).ok(),
            Some(AudioFormat::WebmOpus)
        );
        let mp4 = sniff(b"\0\0\0\x20ftypM4A ")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(mp4.contains("MP4/AAC"), "{mp4}");
        let text = sniff(b"hello there")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(text.contains("WAV, WebM/Opus or Ogg/Opus"), "{text}");
    }

    #[test]
    fn a_wav_round_trips_and_too_long_is_refused() {
        let tone: Vec<f32> = (0..16_000).map(|i| (i as f32 * 0.05).sin() * 0.5).collect();
        let audio = decode(&wav_bytes(&tone, 16_000)).unwrap();
        assert_eq!(audio.samples.len(), 16_000);
        assert!((audio.samples[100] - tone[100]).abs() < 1e-4);
        let long = vec![0.0f32; 16_000 * 62];
        assert!(matches!(
            decode(&wav_bytes(&long, 16_000)),
            Err(VoiceError::TooLong(_))
        ));
    }
}
