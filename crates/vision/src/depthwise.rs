//! A direct depthwise convolution for the CPU, with the batch norm and ReLU6 that follow it fused
//! in. candle's grouped conv2d runs one convolution per group (a depthwise layer with 480
//! channels is 480 small im2col + matmul calls); this kernel walks each channel's plane once.

use candle_core::{CpuStorage, CustomOp1, Layout, Result, Shape, Tensor, bail};
use rayon::prelude::*;

/// TensorFlow's "same" padding for one axis: the output is `ceil(input / stride)` long and the
/// padding is split with the extra element after (bottom/right), as the TF-trained weights expect.
pub fn same_padding(input: usize, kernel: usize, stride: usize) -> (usize, usize, usize) {
    let output = input.div_ceil(stride);
    let total = ((output - 1) * stride + kernel).saturating_sub(input);
    (output, total / 2, total - total / 2)
}

/// One depthwise layer: a `k x k` kernel per channel (batch norm's scale already folded into the
/// weights), plus batch norm's shift as a bias, then optionally ReLU6.
#[derive(Debug, Clone)]
pub struct Depthwise {
    pub channels: usize,
    pub kernel: usize,
    pub stride: usize,
    /// `channels * kernel * kernel`, row-major per channel.
    pub weight: Vec<f32>,
    pub bias: Vec<f32>,
    pub relu6: bool,
}

impl Depthwise {
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        x.contiguous()?.apply_op1_no_bwd(self)
    }

    fn plane(&self, c: usize, src: &[f32], h: usize, w: usize, dst: &mut [f32]) {
        let k = self.kernel;
        let s = self.stride;
        let (oh, pad_top, _) = same_padding(h, k, s);
        let (ow, pad_left, _) = same_padding(w, k, s);
        let weights = &self.weight[c * k * k..(c + 1) * k * k];
        dst.fill(0.0);
        for oy in 0..oh {
            let row = &mut dst[oy * ow..(oy + 1) * ow];
            for ky in 0..k {
                let iy = (oy * s + ky) as isize - pad_top as isize;
                if iy < 0 || iy >= h as isize {
                    continue;
                }
                let src_row = &src[iy as usize * w..(iy as usize + 1) * w];
                for kx in 0..k {
                    let wv = weights[ky * k + kx];
                    // Output columns whose input column `ox * s + kx - pad_left` lies inside.
                    if w + pad_left < kx + 1 {
                        continue;
                    }
                    let first = pad_left.saturating_sub(kx).div_ceil(s);
                    let last = ((w + pad_left - kx - 1) / s + 1).min(ow);
                    if first >= last {
                        continue;
                    }
                    let start = first * s + kx - pad_left;
                    if s == 1 {
                        let n = last - first;
                        for (o, i) in row[first..last].iter_mut().zip(&src_row[start..start + n]) {
                            *o += wv * i;
                        }
                    } else {
                        for (j, o) in row[first..last].iter_mut().enumerate() {
                            *o += wv * src_row[start + j * s];
                        }
                    }
                }
            }
        }
        let (bias, relu6) = (self.bias[c], self.relu6);
        for v in dst.iter_mut() {
            let y = *v + bias;
            *v = if relu6 { y.clamp(0.0, 6.0) } else { y };
        }
    }
}

impl CustomOp1 for Depthwise {
    fn name(&self) -> &'static str {
        "depthwise-conv-bn-relu6"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let (n, c, h, w) = layout.shape().dims4()?;
        if c != self.channels {
            bail!("depthwise: {c} input channels, {} expected", self.channels);
        }
        let src = match layout.contiguous_offsets() {
            Some((start, end)) => &storage.as_slice::<f32>()?[start..end],
            None => bail!("depthwise: the input must be contiguous"),
        };
        let (oh, _, _) = same_padding(h, self.kernel, self.stride);
        let (ow, _, _) = same_padding(w, self.kernel, self.stride);
        let mut out = vec![0f32; n * c * oh * ow];
        out.par_chunks_mut(oh * ow)
            .zip(src.par_chunks(h * w))
            .enumerate()
            .for_each(|(plane, (dst, src))| self.plane(plane % c, src, h, w, dst));
        Ok((CpuStorage::F32(out), Shape::from((n, c, oh, ow))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    /// The textbook definition, for comparison: zero padding, every tap bounds-checked.
    fn naive(dw: &Depthwise, x: &[f32], n: usize, h: usize, w: usize) -> Vec<f32> {
        let (c, k, s) = (dw.channels, dw.kernel, dw.stride);
        let (oh, pt, _) = same_padding(h, k, s);
        let (ow, pl, _) = same_padding(w, k, s);
        let mut out = vec![0f32; n * c * oh * ow];
        for b in 0..n {
            for ch in 0..c {
                for oy in 0..oh {
                    for ox in 0..ow {
                        let mut acc = 0f32;
                        for ky in 0..k {
                            for kx in 0..k {
                                let iy = (oy * s + ky) as isize - pt as isize;
                                let ix = (ox * s + kx) as isize - pl as isize;
                                if iy >= 0 && ix >= 0 && (iy as usize) < h && (ix as usize) < w {
                                    acc += dw.weight[ch * k * k + ky * k + kx]
                                        * x[((b * c + ch) * h + iy as usize) * w + ix as usize];
                                }
                            }
                        }
                        let y = acc + dw.bias[ch];
                        out[((b * c + ch) * oh + oy) * ow + ox] =
                            if dw.relu6 { y.clamp(0.0, 6.0) } else { y };
                    }
                }
            }
        }
        out
    }

    #[test]
    fn same_padding_matches_tensorflow() {
        assert_eq!(same_padding(224, 3, 2), (112, 0, 1));
        assert_eq!(same_padding(112, 3, 1), (112, 1, 1));
        assert_eq!(same_padding(56, 5, 2), (28, 1, 2));
        assert_eq!(same_padding(14, 5, 1), (14, 2, 2));
        assert_eq!(same_padding(7, 3, 2), (4, 1, 1));
    }

    #[test]
    fn matches_the_naive_convolution_for_every_kernel_and_stride() -> Result<()> {
        let mut seed = 7u32;
        let mut next = move || {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (seed >> 8) as f32 / (1u32 << 24) as f32 - 0.5
        };
        for (k, s, h, w) in [
            (3, 1, 9, 7),
            (3, 2, 9, 8),
            (5, 1, 6, 11),
            (5, 2, 13, 10),
            (3, 2, 1, 1),
        ] {
            let (n, c) = (2, 3);
            let dw = Depthwise {
                channels: c,
                kernel: k,
                stride: s,
                weight: (0..c * k * k).map(|_| next() * 4.0).collect(),
                bias: (0..c).map(|_| next()).collect(),
                relu6: s == 2,
            };
            let x: Vec<f32> = (0..n * c * h * w).map(|_| next() * 8.0).collect();
            let got = dw
                .forward(&Tensor::from_vec(x.clone(), (n, c, h, w), &Device::Cpu)?)?
                .flatten_all()?
                .to_vec1::<f32>()?;
            let want = naive(&dw, &x, n, h, w);
            assert_eq!(got.len(), want.len());
            for (g, e) in got.iter().zip(&want) {
                assert!((g - e).abs() < 1e-5, "k{k} s{s} {h}x{w}: {g} vs {e}");
            }
        }
        Ok(())
    }
}
