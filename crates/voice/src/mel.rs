//! Whisper's log-mel features, computed as faster-whisper (the reference implementation this
//! project's transcripts are compared with) does: a centred short-time Fourier transform (400-sample periodic Hann window, hop 160,
//! reflected edges), the power spectrum through 80 Slaney-normalised mel filters, log10, floored 8
//! below the maximum and scaled by (x + 4) / 4. The transform is a matrix product (frames x DFT
//! basis), so it runs on the same optimised kernels as the model.

use candle_core::{Device, Tensor};
use std::f64::consts::PI;

pub const N_FFT: usize = 400;
pub const HOP: usize = 160;
pub const N_MELS: usize = 80;
/// Frames in one 30-second window.
pub const WINDOW_FRAMES: usize = 3_000;
const N_BINS: usize = N_FFT / 2 + 1;
const SAMPLE_RATE: f64 = 16_000.0;

// The Slaney mel scale (librosa's default): linear below 1 kHz, logarithmic above.
const HZ_PER_MEL: f64 = 200.0 / 3.0;
const LOG_FROM_HZ: f64 = 1_000.0;
const LOG_FROM_MEL: f64 = LOG_FROM_HZ / HZ_PER_MEL;

fn log_step() -> f64 {
    6.4f64.ln() / 27.0
}

fn hz_to_mel(hz: f64) -> f64 {
    if hz >= LOG_FROM_HZ {
        LOG_FROM_MEL + (hz / LOG_FROM_HZ).ln() / log_step()
    } else {
        hz / HZ_PER_MEL
    }
}

fn mel_to_hz(mel: f64) -> f64 {
    if mel >= LOG_FROM_MEL {
        LOG_FROM_HZ * ((mel - LOG_FROM_MEL) * log_step()).exp()
    } else {
        mel * HZ_PER_MEL
    }
}

/// The (80, 201) mel filter bank, as librosa's `filters.mel(sr=16000, n_fft=400, n_mels=80)`.
pub fn filters() -> Vec<f32> {
    let top = hz_to_mel(SAMPLE_RATE / 2.0);
    let points: Vec<f64> = (0..N_MELS + 2)
        .map(|i| mel_to_hz(top * i as f64 / (N_MELS + 1) as f64))
        .collect();
    let mut out = vec![0f32; N_MELS * N_BINS];
    for m in 0..N_MELS {
        let (lo, centre, hi) = (points[m], points[m + 1], points[m + 2]);
        let norm = 2.0 / (hi - lo);
        for k in 0..N_BINS {
            let f = k as f64 * SAMPLE_RATE / N_FFT as f64;
            let rising = (f - lo) / (centre - lo);
            let falling = (hi - f) / (hi - centre);
            out[m * N_BINS + k] = (rising.min(falling).max(0.0) * norm) as f32;
        }
    }
    out
}

/// Cosine and sine rows of the real DFT, windowed: (400, 402), columns [cos 0..=200 | sin 0..=200].
fn windowed_dft_basis() -> Vec<f32> {
    let mut basis = vec![0f32; N_FFT * 2 * N_BINS];
    for n in 0..N_FFT {
        let window = 0.5 - 0.5 * (2.0 * PI * n as f64 / N_FFT as f64).cos();
        for k in 0..N_BINS {
            let angle = 2.0 * PI * (k * n) as f64 / N_FFT as f64;
            basis[n * 2 * N_BINS + k] = (window * angle.cos()) as f32;
            basis[n * 2 * N_BINS + N_BINS + k] = (window * angle.sin()) as f32;
        }
    }
    basis
}

/// Log-mel features of 16 kHz samples: a (80, samples / 160 + 1) tensor (the audio and one hop
/// of silence, as faster-whisper pads it). [`window`] cuts a 30-second window out of it.
pub fn log_mel(samples: &[f32], device: &Device) -> candle_core::Result<Tensor> {
    let mut padded = samples.to_vec();
    padded.extend(std::iter::repeat_n(0.0, HOP));
    // Centre the frames: reflect 200 samples at each edge.
    let half = N_FFT / 2;
    let len = padded.len();
    let at = |i: isize| -> f32 {
        let j = if i < 0 {
            -i
        } else if i as usize >= len {
            2 * (len as isize - 1) - i
        } else {
            i
        };
        padded
            .get(j.clamp(0, len as isize - 1) as usize)
            .copied()
            .unwrap_or(0.0)
    };
    let frames = len / HOP;
    let mut framed = vec![0f32; frames * N_FFT];
    for t in 0..frames {
        let start = (t * HOP) as isize - half as isize;
        for n in 0..N_FFT {
            framed[t * N_FFT + n] = at(start + n as isize);
        }
    }
    let framed = Tensor::from_vec(framed, (frames, N_FFT), device)?;
    let basis = Tensor::from_vec(windowed_dft_basis(), (N_FFT, 2 * N_BINS), device)?;
    let spectrum = framed.matmul(&basis)?;
    let re = spectrum.narrow(1, 0, N_BINS)?;
    let im = spectrum.narrow(1, N_BINS, N_BINS)?;
    let power = (re.sqr()? + im.sqr()?)?;
    let filters = Tensor::from_vec(filters(), (N_MELS, N_BINS), device)?;
    let mel = filters.matmul(&power.t()?)?; // (80, frames)
    let log = mel
        .maximum(1e-10)?
        .log()?
        .affine(1.0 / std::f64::consts::LN_10, 0.0)?;
    let ceiling = log.max_all()?.to_scalar::<f32>()?;
    log.maximum(f64::from(ceiling) - 8.0)?.affine(0.25, 1.0)
}

/// The 3000 frames from `start`, padded with zeros (in the normalised scale, as faster-whisper's
/// `pad_or_trim` does) where the audio ends first: (1, 80, 3000).
pub fn window(mel: &Tensor, start: usize) -> candle_core::Result<Tensor> {
    let frames = mel.dim(1)?;
    let available = frames.saturating_sub(start).min(WINDOW_FRAMES);
    let part = mel.narrow(1, start.min(frames), available)?;
    let part = if available < WINDOW_FRAMES {
        let pad = Tensor::zeros(
            (N_MELS, WINDOW_FRAMES - available),
            part.dtype(),
            part.device(),
        )?;
        Tensor::cat(&[&part, &pad], 1)?
    } else {
        part
    };
    part.unsqueeze(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_bank_is_librosas() {
        let f = filters();
        // Values read from faster-whisper 1.2.1's FeatureExtractor().mel_filters (librosa's bank).
        for (at, expected) in [
            (1, 0.024_862_595),
            (N_BINS + 2, 0.022_871_772),
            (10 * N_BINS + 20, 0.0),
            (79 * N_BINS + 192, 0.003_164_711_6),
        ] {
            assert!(
                (f[at] - expected).abs() < 1e-6,
                "filter value {at}: {} against {expected}",
                f[at]
            );
        }
        for m in 0..N_MELS {
            let row = &f[m * N_BINS..(m + 1) * N_BINS];
            assert!(
                row.iter().all(|v| *v >= 0.0) && row.iter().any(|v| *v > 0.0),
                "filter {m}"
            );
        }
    }

    #[test]
    fn a_tone_lights_the_mel_band_it_belongs_to() {
        let samples: Vec<f32> = (0..16_000)
            .map(|i| (2.0 * std::f32::consts::PI * 1_000.0 * i as f32 / 16_000.0).sin())
            .collect();
        let mel = log_mel(&samples, &Device::Cpu).unwrap();
        assert_eq!(mel.dims(), &[N_MELS, 101]);
        assert_eq!(window(&mel, 0).unwrap().dims(), &[1, N_MELS, WINDOW_FRAMES]);
        let frame: Vec<f32> = mel
            .narrow(1, 50, 1)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        let loudest = frame
            .iter()
            .enumerate()
            .fold(
                (0, f32::MIN),
                |b, (i, v)| if *v > b.1 { (i, *v) } else { b },
            )
            .0;
        // 1 kHz is mel 15, which is filter centre index 15 * 81 / hz_to_mel(8000) - 1.
        let expected =
            (hz_to_mel(1_000.0) * (N_MELS + 1) as f64 / hz_to_mel(8_000.0)).round() as usize - 1;
        assert!(
            loudest.abs_diff(expected) <= 1,
            "loudest band {loudest}, expected {expected}"
        );
    }
}
