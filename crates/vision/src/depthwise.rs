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

/// A depthwise convolution that carries its gradient, for fine-tuning: stride 1, "same" padding
/// of an odd `k x k` kernel, on channels-last maps (N, H, W, C) with weights (C, k * k). Channels
/// last puts the inner loops over contiguous channels, and lets the 1x1 convolutions around it
/// be single matrix products. Bias and activation stay separate operations.
#[derive(Debug, Clone, Copy)]
pub struct DepthwiseNhwc {
    pub kernel: usize,
}

fn contiguous<'a>(storage: &'a CpuStorage, layout: &Layout, what: &str) -> Result<&'a [f32]> {
    match layout.contiguous_offsets() {
        Some((start, end)) => Ok(&storage.as_slice::<f32>()?[start..end]),
        None => bail!("depthwise-nhwc: the {what} must be contiguous"),
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
