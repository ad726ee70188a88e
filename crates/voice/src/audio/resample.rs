//! Sample-rate conversion by windowed sinc interpolation (Blackman window), low-passed at the
//! lower of the two Nyquist frequencies so that downsampling does not fold high frequencies into
//! speech.

use std::f64::consts::PI;

/// Taps on each side of an output sample, at the output rate.
const HALF_TAPS: f64 = 16.0;

pub(super) fn to_rate(input: &[f32], from: u32, to: u32) -> Vec<f32> {
    if from == to || input.is_empty() {
        return input.to_vec();
    }
    let step = f64::from(from) / f64::from(to);
    let cutoff = (f64::from(to) / f64::from(from)).min(1.0) * 0.97;
    let reach = HALF_TAPS / cutoff;
    let out_len = ((input.len() as f64) / step).floor() as usize;
    (0..out_len)
        .map(|n| {
            let centre = n as f64 * step;
            let first = (centre - reach).ceil().max(0.0) as usize;
            let last = ((centre + reach).floor() as usize).min(input.len() - 1);
            let mut sum = 0.0;
            for (k, x) in input.iter().enumerate().take(last + 1).skip(first) {
                let t = k as f64 - centre;
                let window =
                    0.42 + 0.5 * (PI * t / reach).cos() + 0.08 * (2.0 * PI * t / reach).cos();
                let arg = PI * cutoff * t;
                let sinc = if arg.abs() < 1e-9 {
                    1.0
                } else {
                    arg.sin() / arg
                };
                sum += f64::from(*x) * cutoff * sinc * window;
            }
            sum as f32
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(freq: f64, rate: u32, seconds: f64) -> Vec<f32> {
        let n = (f64::from(rate) * seconds) as usize;
        (0..n)
            .map(|i| (2.0 * PI * freq * i as f64 / f64::from(rate)).sin() as f32)
            .collect()
    }

    fn rms(x: &[f32]) -> f32 {
        (x.iter().map(|v| v * v).sum::<f32>() / x.len() as f32).sqrt()
    }

    #[test]
    fn speech_band_tones_survive_and_aliases_are_removed() {
        // 1 kHz passes 48 kHz -> 16 kHz at full level and in phase.
        let out = to_rate(&tone(1_000.0, 48_000, 1.0), 48_000, 16_000);
        assert_eq!(out.len(), 16_000);
        let expected = tone(1_000.0, 16_000, 1.0);
        let err: f32 = out[200..15_800]
            .iter()
            .zip(&expected[200..15_800])
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(err < 0.01, "max error {err}");
        // 12 kHz cannot exist at 16 kHz: it must be filtered out, not folded to 4 kHz.
        let alias = to_rate(&tone(12_000.0, 48_000, 1.0), 48_000, 16_000);
        assert!(rms(&alias[200..15_800]) < 0.01, "alias rms {}", rms(&alias));
        // Upsampling 8 kHz -> 16 kHz keeps a 500 Hz tone.
        let up = to_rate(&tone(500.0, 8_000, 0.5), 8_000, 16_000);
        assert!((rms(&up[100..7_900]) - std::f32::consts::FRAC_1_SQRT_2).abs() < 0.01);
    }
}
