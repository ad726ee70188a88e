//! A direct depthwise convolution for the CPU, with the batch norm and ReLU6 that follow it fused
//! in. candle's grouped conv2d runs one convolution per group (a depthwise layer with 480
//! channels is 480 small im2col + matmul calls); this kernel walks each channel's plane once.

use candle_core::{CpuStorage, CustomOp1, CustomOp2, Device, Layout, Result, Shape, Tensor, bail};
use rayon::prelude::*;

/// TensorFlow's "same" padding for one axis: the output is `ceil(input / stride)` long and the
/// padding is split with the extra element after (bottom/right), as the TF-trained weights expect.
pub fn same_padding(input: usize, kernel: usize, stride: usize) -> (usize, usize, usize) {
    let output = input.div_ceil(stride);
    let total = ((output - 1) * stride + kernel).saturating_sub(input);
    (output, total / 2, total - total / 2)
}

/// Runs `$self.$method(args)` compiled for AVX2 and FMA when `$wide` says the CPU has them: the
/// build targets baseline x86-64 (SSE2), which would leave three quarters of each vector unit
/// idle in these loops.
macro_rules! dispatch {
    ($wide:expr, $self:ident . $method:ident ( $($arg:expr),* )) => {{
        #[cfg(target_arch = "x86_64")]
        {
            #[target_feature(enable = "avx2,fma")]
            unsafe fn with_avx2(f: impl FnOnce()) {
                f()
            }
            if $wide {
                // SAFETY: `$wide` is true only when the CPU was seen to support AVX2 and FMA
                // (`wide_vectors`), all that `with_avx2` requires.
                unsafe { with_avx2(|| $self.$method($($arg),*)) };
            } else {
                $self.$method($($arg),*);
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            let _ = $wide;
            $self.$method($($arg),*);
        }
    }};
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

    /// The weights by tap, (k * k, channels): one tap's weights for every channel side by side.
    fn weights_by_tap(&self) -> Vec<f32> {
        let k2 = self.kernel * self.kernel;
        let mut by_tap = vec![0f32; k2 * self.channels];
        for (c, weights) in self.weight.chunks_exact(k2).enumerate() {
            for (tap, w) in weights.iter().enumerate() {
                by_tap[tap * self.channels + c] = *w;
            }
        }
        by_tap
    }

    /// One picture, (C, H, W) in and (C, OH, OW) out. Wide planes go row by row in place;
    /// narrow ones (14x14 and under: too short to vectorise along a row) channels last.
    fn picture(
        &self,
        src: &[f32],
        h: usize,
        w: usize,
        by_tap: &[f32],
        dst: &mut [f32],
        wide: bool,
    ) {
        let (c, k, s) = (self.channels, self.kernel, self.stride);
        let (oh, pad_top, _) = same_padding(h, k, s);
        let (ow, pad_left, _) = same_padding(w, k, s);
        if ow >= ROW_WISE_FROM {
            dst.par_chunks_mut(oh * ow)
                .zip(src.par_chunks(h * w))
                .enumerate()
                .for_each(|(ch, (dst, src))| {
                    dispatch!(wide, self.plane(ch, src, h, w, dst));
                });
            return;
        }
        // Channels last, with the zero border: each output position is then `k * k`
        // multiply-adds of contiguous channel runs with no bounds to check.
        let hp = ((oh - 1) * s + k).max(h + pad_top);
        let wp = ((ow - 1) * s + k).max(w + pad_left);
        let mut padded = vec![0f32; hp * wp * c];
        for (ch, plane) in src.chunks_exact(h * w).enumerate() {
            for (y, row) in plane.chunks_exact(w).enumerate() {
                let base = ((y + pad_top) * wp + pad_left) * c + ch;
                for (x, v) in row.iter().enumerate() {
                    padded[base + x * c] = *v;
                }
            }
        }
        let mut out = vec![0f32; oh * ow * c];
        out.par_chunks_mut(ow * c)
            .enumerate()
            .for_each(|(oy, row)| {
                dispatch!(wide, self.channels_last_row(oy, &padded, wp, by_tap, row));
            });
        for (ch, plane) in dst.chunks_exact_mut(oh * ow).enumerate() {
            for (o, v) in plane.iter_mut().enumerate() {
                *v = out[o * c + ch];
            }
        }
    }

    /// One output row, channels last: (OW, C).
    #[inline(always)]
    fn channels_last_row(
        &self,
        oy: usize,
        padded: &[f32],
        wp: usize,
        by_tap: &[f32],
        row: &mut [f32],
    ) {
        let (c, k, s) = (self.channels, self.kernel, self.stride);
        for (ox, acc) in row.chunks_exact_mut(c).enumerate() {
            acc.copy_from_slice(&self.bias);
            for ky in 0..k {
                let from = ((oy * s + ky) * wp + ox * s) * c;
                let inputs = &padded[from..from + k * c];
                let weights = &by_tap[ky * k * c..(ky + 1) * k * c];
                for (input, weight) in inputs.chunks_exact(c).zip(weights.chunks_exact(c)) {
                    for ((a, x), wv) in acc.iter_mut().zip(input).zip(weight) {
                        *a += wv * x;
                    }
                }
            }
            if self.relu6 {
                for a in acc.iter_mut() {
                    *a = a.clamp(0.0, 6.0);
                }
            }
        }
    }

    /// One channel's plane, row by row: each tap adds a weighted run of one input row, a
    /// contiguous multiply-add. A stride-2 layer first splits the plane into its even and odd
    /// columns, which makes its strided reads contiguous too.
    #[inline(always)]
    fn plane(&self, c: usize, src: &[f32], h: usize, w: usize, dst: &mut [f32]) {
        let k = self.kernel;
        let s = self.stride;
        let (oh, pad_top, _) = same_padding(h, k, s);
        let (ow, pad_left, _) = same_padding(w, k, s);
        let weights = &self.weight[c * k * k..(c + 1) * k * k];
        let even_w = w.div_ceil(2);
        let split: Vec<f32> = if s == 2 {
            let mut split = Vec::with_capacity(h * w);
            for row in src.chunks_exact(w) {
                split.extend(row.iter().step_by(2));
                split.extend(row.iter().skip(1).step_by(2));
            }
            split
        } else {
            Vec::new()
        };
        dst.fill(self.bias[c]);
        for oy in 0..oh {
            let row = &mut dst[oy * ow..(oy + 1) * ow];
            for ky in 0..k {
                let iy = (oy * s + ky) as isize - pad_top as isize;
                if iy < 0 || iy >= h as isize {
                    continue;
                }
                let iy = iy as usize;
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
                    let n = last - first;
                    let input = if s == 1 {
                        &src[iy * w + start..iy * w + start + n]
                    } else {
                        // Column `start + 2j` is element `start / 2 + j` of its parity's run.
                        let from =
                            iy * w + if start.is_multiple_of(2) { 0 } else { even_w } + start / 2;
                        &split[from..from + n]
                    };
                    for (o, i) in row[first..last].iter_mut().zip(input) {
                        *o += wv * i;
                    }
                }
            }
        }
        if self.relu6 {
            for v in dst.iter_mut() {
                *v = v.clamp(0.0, 6.0);
            }
        }
    }
}

/// Output planes at least this wide are computed row by row; narrower ones channels last
/// (measured on this machine: row-wise wins at 112 and 56, channels last from 28 down).
const ROW_WISE_FROM: usize = 56;

/// Whether this CPU has AVX2 and FMA (checked once per layer call; the answer is cached).
fn wide_vectors() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
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
        let src = contiguous(storage, layout, "depthwise input")?;
        let (oh, _, _) = same_padding(h, self.kernel, self.stride);
        let (ow, _, _) = same_padding(w, self.kernel, self.stride);
        let mut out = vec![0f32; n * c * oh * ow];
        // Only the channels-last path reads the weights by tap.
        let by_tap = if ow < ROW_WISE_FROM {
            self.weights_by_tap()
        } else {
            Vec::new()
        };
        let wide = wide_vectors();
        for (dst, src) in out
            .chunks_exact_mut(c * oh * ow)
            .zip(src.chunks_exact(c * h * w))
        {
            self.picture(src, h, w, &by_tap, dst, wide);
        }
        Ok((CpuStorage::F32(out), Shape::from((n, c, oh, ow))))
    }
}

/// A depthwise convolution that carries its gradient, for fine-tuning: stride 1, "same" padding
/// of an odd `k x k` kernel, on channels-last maps (N, H, W, C) with weights (C, k * k). Channels
/// last puts the inner loops over contiguous channels, and lets the 1x1 convolutions around it
/// be single matrix products. Bias and activation stay separate operations.
#[derive(Debug, Clone, Copy)]
pub struct DepthwiseNhwc {
    pub kernel: usize,
}

/// The `f32` elements of a contiguous operand of a custom op.
pub(crate) fn contiguous<'a>(
    storage: &'a CpuStorage,
    layout: &Layout,
    what: &str,
) -> Result<&'a [f32]> {
    match layout.contiguous_offsets() {
        Some((start, end)) => Ok(&storage.as_slice::<f32>()?[start..end]),
        None => bail!("the {what} must be contiguous"),
    }
}

impl DepthwiseNhwc {
    /// Visits every (output position, tap, input position) of one picture:
    /// `f(out_index, tap, in_index)` with indices to the start of a channel row.
    fn taps(&self, h: usize, w: usize, c: usize, mut f: impl FnMut(usize, usize, usize)) {
        let k = self.kernel;
        let p = k / 2;
        for y in 0..h {
            for x in 0..w {
                for ky in 0..k {
                    let iy = y + ky;
                    if iy < p || iy - p >= h {
                        continue;
                    }
                    for kx in 0..k {
                        let ix = x + kx;
                        if ix < p || ix - p >= w {
                            continue;
                        }
                        f((y * w + x) * c, ky * k + kx, ((iy - p) * w + ix - p) * c);
                    }
                }
            }
        }
    }

    fn check(&self, x: &Shape, weight: &Shape) -> Result<(usize, usize, usize, usize)> {
        let (n, h, w, c) = x.dims4()?;
        let (wc, taps) = weight.dims2()?;
        if self.kernel.is_multiple_of(2) || wc != c || taps != self.kernel * self.kernel {
            bail!("depthwise-nhwc: input {x:?} and weights {weight:?} do not agree");
        }
        Ok((n, h, w, c))
    }
}

impl CustomOp2 for DepthwiseNhwc {
    fn name(&self) -> &'static str {
        "depthwise-nhwc"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (n, h, w, c) = self.check(l1.shape(), l2.shape())?;
        let (x, weight) = (contiguous(s1, l1, "input")?, contiguous(s2, l2, "weights")?);
        let k2 = self.kernel * self.kernel;
        let mut out = vec![0f32; n * h * w * c];
        out.par_chunks_mut(h * w * c)
            .zip(x.par_chunks(h * w * c))
            .for_each(|(dst, src)| {
                self.taps(h, w, c, |o, tap, i| {
                    for ch in 0..c {
                        dst[o + ch] += weight[ch * k2 + tap] * src[i + ch];
                    }
                });
            });
        Ok((CpuStorage::F32(out), Shape::from((n, h, w, c))))
    }

    fn bwd(
        &self,
        x: &Tensor,
        weight: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        let (n, h, w, c) = self.check(x.shape(), weight.shape())?;
        let k2 = self.kernel * self.kernel;
        let xs = x.contiguous()?.flatten_all()?.to_vec1::<f32>()?;
        let ws = weight.contiguous()?.flatten_all()?.to_vec1::<f32>()?;
        let gs = grad.contiguous()?.flatten_all()?.to_vec1::<f32>()?;
        let plane = h * w * c;
        // d/dx: each output's gradient flows back through the tap that read the input.
        let mut grad_x = vec![0f32; n * plane];
        grad_x
            .par_chunks_mut(plane)
            .zip(gs.par_chunks(plane))
            .for_each(|(dx, g)| {
                self.taps(h, w, c, |o, tap, i| {
                    for ch in 0..c {
                        dx[i + ch] += ws[ch * k2 + tap] * g[o + ch];
                    }
                });
            });
        // d/dw: every output's gradient times the input its tap read, summed over the batch.
        let grad_w = xs
            .par_chunks(plane)
            .zip(gs.par_chunks(plane))
            .fold(
                || vec![0f32; c * k2],
                |mut dw, (xp, g)| {
                    self.taps(h, w, c, |o, tap, i| {
                        for ch in 0..c {
                            dw[ch * k2 + tap] += g[o + ch] * xp[i + ch];
                        }
                    });
                    dw
                },
            )
            .reduce(
                || vec![0f32; c * k2],
                |mut a, b| {
                    a.iter_mut().zip(b).for_each(|(a, b)| *a += b);
                    a
                },
            );
        Ok((
            Some(Tensor::from_vec(grad_x, (n, h, w, c), &Device::Cpu)?),
            Some(Tensor::from_vec(grad_w, (c, k2), &Device::Cpu)?),
        ))
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
    fn matches_the_naive_convolution_for_every_kernel_stride_and_path() -> Result<()> {
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
            // Wide enough for the row-wise path (output 56 wide and more), odd and even widths.
            (3, 1, 7, 56),
            (5, 1, 9, 61),
            (3, 2, 9, 112),
            (5, 2, 8, 113),
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

    /// The trainable form against the inference kernel, and its gradients against finite
    /// differences of the loss sum(out * r).
    #[test]
    fn the_trainable_form_agrees_and_its_gradients_are_right() -> Result<()> {
        let (n, h, w, c, k) = (2usize, 5usize, 4usize, 3usize, 3usize);
        let mut seed = 11u64;
        let mut next = move || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 33) as f32 / (1u64 << 31) as f32) - 0.5
        };
        let x: Vec<f32> = (0..n * h * w * c).map(|_| next()).collect();
        let wt: Vec<f32> = (0..c * k * k).map(|_| next()).collect();
        let r: Vec<f32> = (0..n * h * w * c).map(|_| next()).collect();
        let cpu = &Device::Cpu;
        let op = DepthwiseNhwc { kernel: k };
        let loss = |x: &[f32], wt: &[f32]| -> Result<f32> {
            let xt = Tensor::from_slice(x, (n, h, w, c), cpu)?;
            let wtt = Tensor::from_slice(wt, (c, k * k), cpu)?;
            let rt = Tensor::from_slice(&r, (n, h, w, c), cpu)?;
            (xt.apply_op2_no_bwd(&wtt, &op)? * rt)?
                .sum_all()?
                .to_scalar::<f32>()
        };
        // Same output as the NCHW inference kernel (no bias, no activation).
        let nhwc = Tensor::from_slice(&x, (n, h, w, c), cpu)?;
        let ours = nhwc
            .apply_op2_no_bwd(&Tensor::from_slice(&wt, (c, k * k), cpu)?, &op)?
            .permute((0, 3, 1, 2))?
            .contiguous()?
            .flatten_all()?
            .to_vec1::<f32>()?;
        let direct = Depthwise {
            channels: c,
            kernel: k,
            stride: 1,
            weight: wt.clone(),
            bias: vec![0.0; c],
            relu6: false,
        };
        let theirs = direct
            .forward(&nhwc.permute((0, 3, 1, 2))?.contiguous()?)?
            .flatten_all()?
            .to_vec1::<f32>()?;
        for (a, b) in ours.iter().zip(&theirs) {
            assert!((a - b).abs() < 1e-5, "{a} vs {b}");
        }
        // Gradients.
        let xv = candle_core::Var::from_slice(&x, (n, h, w, c), cpu)?;
        let wv = candle_core::Var::from_slice(&wt, (c, k * k), cpu)?;
        let rt = Tensor::from_slice(&r, (n, h, w, c), cpu)?;
        let grads = (xv.apply_op2(&wv, op)? * rt)?.sum_all()?.backward()?;
        let gx = grads
            .get(xv.as_tensor())
            .expect("dx")
            .flatten_all()?
            .to_vec1::<f32>()?;
        let gw = grads
            .get(wv.as_tensor())
            .expect("dw")
            .flatten_all()?
            .to_vec1::<f32>()?;
        let eps = 1e-2f32;
        for i in [0, 7, 19, x.len() - 1] {
            let (mut up, mut down) = (x.clone(), x.clone());
            up[i] += eps;
            down[i] -= eps;
            let numeric = (loss(&up, &wt)? - loss(&down, &wt)?) / (2.0 * eps);
            assert!(
                (numeric - gx[i]).abs() < 1e-2,
                "dx[{i}]: {numeric} vs {}",
                gx[i]
            );
        }
        for i in 0..wt.len() {
            let (mut up, mut down) = (wt.clone(), wt.clone());
            up[i] += eps;
            down[i] -= eps;
            let numeric = (loss(&x, &up)? - loss(&x, &down)?) / (2.0 * eps);
            assert!(
                (numeric - gw[i]).abs() < 1e-2,
                "dw[{i}]: {numeric} vs {}",
                gw[i]
            );
        }
        Ok(())
    }
}
