//! Fused CPU kernels with their own gradients, for training speed on a small machine: candle's
//! composed softmax, layer norm and GELU run several passes over the data forwards and more
//! backwards, and those passes dominated a training step. Each kernel is checked against the
//! composed version (values and gradients) in the tests below.

use candle_core::{
    CpuStorage, CustomOp1, CustomOp2, CustomOp3, Layout, Result, Shape, Tensor, bail,
};
use rayon::prelude::*;

fn slice<'a>(storage: &'a CpuStorage, layout: &Layout) -> Result<&'a [f32]> {
    let data = storage.as_slice::<f32>()?;
    match layout.contiguous_offsets() {
        Some((start, end)) => Ok(&data[start..end]),
        None => bail!("fused kernel needs a contiguous input"),
    }
}

fn host(t: &Tensor) -> Result<Vec<f32>> {
    t.flatten_all()?.to_vec1::<f32>()
}

/// Rows per parallel task: enough work per task that scheduling stays cheap.
fn rows_per_task(row_len: usize) -> usize {
    (16_384 / row_len.max(1)).max(1)
}

/// softmax(scale * x) over the last dimension with a causal mask: in row i of each
/// (.., rows, cols) matrix, columns after `offset + i` are masked out.
pub struct CausalSoftmax {
    pub scale: f32,
    pub offset: usize,
}

impl CausalSoftmax {
    fn visible(&self, row_in_matrix: usize, cols: usize) -> usize {
        (self.offset + row_in_matrix + 1).min(cols)
    }
}

impl CustomOp1 for CausalSoftmax {
    fn name(&self) -> &'static str {
        "causal-softmax"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let src = slice(storage, layout)?;
        let dims = layout.shape().dims();
        let (rows, cols) = match dims {
            [.., r, c] => (*r, *c),
            _ => bail!("causal softmax needs at least two dimensions"),
        };
        let mut out = vec![0f32; src.len()];
        let chunk = rows_per_task(cols);
        out.par_chunks_mut(cols * chunk)
            .zip(src.par_chunks(cols * chunk))
            .enumerate()
            .for_each(|(task, (dst, src))| {
                for (k, (d, s)) in dst.chunks_mut(cols).zip(src.chunks(cols)).enumerate() {
                    let n = self.visible((task * chunk + k) % rows, cols);
                    let max = s[..n]
                        .iter()
                        .fold(f32::NEG_INFINITY, |m, &v| m.max(v * self.scale));
                    let mut sum = 0f32;
                    for j in 0..n {
                        let e = (s[j] * self.scale - max).exp();
                        d[j] = e;
                        sum += e;
                    }
                    let inv = 1.0 / sum;
                    d[..n].iter_mut().for_each(|v| *v *= inv);
                }
            });
        Ok((CpuStorage::F32(out), layout.shape().clone()))
    }

    fn bwd(&self, _arg: &Tensor, res: &Tensor, grad: &Tensor) -> Result<Option<Tensor>> {
        let y = host(res)?;
        let g = host(grad)?;
        let cols = res.dim(candle_core::D::Minus1)?;
        let mut dx = vec![0f32; y.len()];
        let chunk = rows_per_task(cols);
        dx.par_chunks_mut(cols * chunk)
            .zip(y.par_chunks(cols * chunk).zip(g.par_chunks(cols * chunk)))
            .for_each(|(dx, (y, g))| {
                for ((dx, y), g) in dx.chunks_mut(cols).zip(y.chunks(cols)).zip(g.chunks(cols)) {
                    let dot: f32 = y.iter().zip(g).map(|(a, b)| a * b).sum();
                    for j in 0..cols {
                        dx[j] = self.scale * y[j] * (g[j] - dot);
                    }
                }
            });
        Ok(Some(Tensor::from_vec(dx, res.shape(), res.device())?))
    }
}

const GELU_K: f32 = 0.797_884_6; // sqrt(2 / pi)
const GELU_C: f32 = 0.044_715;

/// GELU, tanh approximation (PyTorch's `approximate="tanh"`, as GPT-2 uses).
pub struct Gelu;

impl CustomOp1 for Gelu {
    fn name(&self) -> &'static str {
        "gelu-tanh"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let src = slice(storage, layout)?;
        let mut out = vec![0f32; src.len()];
        out.par_chunks_mut(16_384)
            .zip(src.par_chunks(16_384))
            .for_each(|(d, s)| {
                for (d, &x) in d.iter_mut().zip(s) {
                    *d = 0.5 * x * (1.0 + (GELU_K * (x + GELU_C * x * x * x)).tanh());
                }
            });
        Ok((CpuStorage::F32(out), layout.shape().clone()))
    }

    fn bwd(&self, arg: &Tensor, _res: &Tensor, grad: &Tensor) -> Result<Option<Tensor>> {
        let x = host(arg)?;
        let g = host(grad)?;
        let mut dx = vec![0f32; x.len()];
        dx.par_chunks_mut(16_384)
            .zip(x.par_chunks(16_384).zip(g.par_chunks(16_384)))
            .for_each(|(d, (x, g))| {
                for ((d, &x), &g) in d.iter_mut().zip(x).zip(g) {
                    let t = (GELU_K * (x + GELU_C * x * x * x)).tanh();
                    let dt = (1.0 - t * t) * GELU_K * (1.0 + 3.0 * GELU_C * x * x);
                    *d = g * (0.5 * (1.0 + t) + 0.5 * x * dt);
                }
            });
        Ok(Some(Tensor::from_vec(dx, arg.shape(), arg.device())?))
    }
}

/// Layer norm over the last dimension with weight and bias.
pub struct LayerNorm {
    pub eps: f32,
}

fn row_stats(x: &[f32], eps: f32) -> (f32, f32) {
    let n = x.len() as f32;
    let mean = x.iter().sum::<f32>() / n;
    let var = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / n;
    (mean, 1.0 / (var + eps).sqrt())
}

impl CustomOp3 for LayerNorm {
    fn name(&self) -> &'static str {
        "layer-norm"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (x, w, b) = (slice(s1, l1)?, slice(s2, l2)?, slice(s3, l3)?);
        let cols = w.len();
        if cols == 0 || x.len() % cols != 0 || b.len() != cols {
            bail!("layer norm: shapes do not match");
        }
        let mut out = vec![0f32; x.len()];
        let chunk = rows_per_task(cols);
        out.par_chunks_mut(cols * chunk)
            .zip(x.par_chunks(cols * chunk))
            .for_each(|(d, s)| {
                for (d, s) in d.chunks_mut(cols).zip(s.chunks(cols)) {
                    let (mean, rstd) = row_stats(s, self.eps);
                    for j in 0..cols {
                        d[j] = (s[j] - mean) * rstd * w[j] + b[j];
                    }
                }
            });
        Ok((CpuStorage::F32(out), l1.shape().clone()))
    }

    fn bwd(
        &self,
        arg1: &Tensor,
        arg2: &Tensor,
        _arg3: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let x = host(arg1)?;
        let w = host(arg2)?;
        let g = host(grad)?;
        let cols = w.len();
        let chunk = rows_per_task(cols);
        let mut dx = vec![0f32; x.len()];
        let partials: Vec<(Vec<f32>, Vec<f32>)> = dx
            .par_chunks_mut(cols * chunk)
            .zip(x.par_chunks(cols * chunk).zip(g.par_chunks(cols * chunk)))
            .map(|(dx, (x, g))| {
                let mut dw = vec![0f32; cols];
                let mut db = vec![0f32; cols];
                let mut xhat = vec![0f32; cols];
                for ((dx, x), g) in dx.chunks_mut(cols).zip(x.chunks(cols)).zip(g.chunks(cols)) {
                    let (mean, rstd) = row_stats(x, self.eps);
                    let (mut mean_dxhat, mut mean_dxhat_xhat) = (0f32, 0f32);
                    for j in 0..cols {
                        xhat[j] = (x[j] - mean) * rstd;
                        let dxhat = g[j] * w[j];
                        mean_dxhat += dxhat;
                        mean_dxhat_xhat += dxhat * xhat[j];
                        dw[j] += g[j] * xhat[j];
                        db[j] += g[j];
                    }
                    mean_dxhat /= cols as f32;
                    mean_dxhat_xhat /= cols as f32;
                    for j in 0..cols {
                        dx[j] = rstd * (g[j] * w[j] - mean_dxhat - xhat[j] * mean_dxhat_xhat);
                    }
                }
                (dw, db)
            })
            .collect();
        let mut dw = vec![0f32; cols];
        let mut db = vec![0f32; cols];
        for (pw, pb) in partials {
            dw.iter_mut().zip(&pw).for_each(|(a, b)| *a += b);
            db.iter_mut().zip(&pb).for_each(|(a, b)| *a += b);
        }
        let device = arg1.device();
        Ok((
            Some(Tensor::from_vec(dx, arg1.shape(), device)?),
            Some(Tensor::from_vec(dw, cols, device)?),
            Some(Tensor::from_vec(db, cols, device)?),
        ))
    }
}

/// x (rows, cols) + bias (cols). candle's gradient for a broadcast add sums the rows with a
/// strided reduction that cost more than the matrix product before it.
pub struct AddBias;

impl CustomOp2 for AddBias {
    fn name(&self) -> &'static str {
        "add-bias"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (x, b) = (slice(s1, l1)?, slice(s2, l2)?);
        let cols = b.len();
        if cols == 0 || x.len() % cols != 0 {
            bail!("add bias: shapes do not match");
        }
        let mut out = x.to_vec();
        out.par_chunks_mut(cols * rows_per_task(cols))
            .for_each(|d| {
                for row in d.chunks_mut(cols) {
                    row.iter_mut().zip(b).for_each(|(v, b)| *v += b);
                }
            });
        Ok((CpuStorage::F32(out), l1.shape().clone()))
    }

    fn bwd(
        &self,
        _x: &Tensor,
        bias: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        let g = host(grad)?;
        let cols = bias.elem_count();
        let partials: Vec<Vec<f32>> = g
            .par_chunks(cols * rows_per_task(cols))
            .map(|chunk| {
                let mut acc = vec![0f32; cols];
                for row in chunk.chunks(cols) {
                    acc.iter_mut().zip(row).for_each(|(a, v)| *a += v);
                }
                acc
            })
            .collect();
        let mut db = vec![0f32; cols];
        for p in partials {
            db.iter_mut().zip(&p).for_each(|(a, v)| *a += v);
        }
        Ok((
            Some(grad.clone()),
            Some(Tensor::from_vec(db, bias.shape(), bias.device())?),
        ))
    }
}

pub fn add_bias(x: &Tensor, bias: &Tensor) -> Result<Tensor> {
    x.contiguous()?.apply_op2(&bias.contiguous()?, AddBias)
}

pub fn causal_softmax(x: &Tensor, scale: f32, offset: usize) -> Result<Tensor> {
    x.contiguous()?.apply_op1(CausalSoftmax { scale, offset })
}

pub fn gelu(x: &Tensor) -> Result<Tensor> {
    x.contiguous()?.apply_op1(Gelu)
}

pub fn layer_norm(x: &Tensor, weight: &Tensor, bias: &Tensor, eps: f32) -> Result<Tensor> {
    x.contiguous()?.apply_op3(weight, bias, LayerNorm { eps })
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{D, Device, Var};

    fn max_diff(a: &Tensor, b: &Tensor) -> f32 {
        (a - b)
            .and_then(|d| d.abs())
            .and_then(|d| d.flatten_all())
            .and_then(|d| d.max(0))
            .and_then(|d| d.to_scalar::<f32>())
            .expect("difference")
    }

    /// The fused result equals the reference within `value_tol`, and so does the gradient of
    /// every variable (under the same upstream gradient `up`) within `grad_tol`.
    fn assert_matches(
        reference: Tensor,
        fused: Tensor,
        up: &Tensor,
        vars: &[&Var],
        value_tol: f32,
        grad_tol: f32,
    ) -> Result<()> {
        assert!(max_diff(&reference, &fused) < value_tol);
        let g_ref = (reference * up)?.sum_all()?.backward()?;
        let g_fused = (fused * up)?.sum_all()?.backward()?;
        for v in vars {
            let (a, c) = (g_ref.get(v).expect("grad"), g_fused.get(v).expect("grad"));
            assert!(
                max_diff(a, c) < grad_tol,
                "gradient differs by {}",
                max_diff(a, c)
            );
        }
        Ok(())
    }

    #[test]
    fn causal_softmax_matches_masked_softmax_and_its_gradient() -> Result<()> {
        let dev = Device::Cpu;
        let (rows, cols, offset) = (5, 7, 2);
        let x = Var::from_tensor(&Tensor::randn(0f32, 2.0, (2, 3, rows, cols), &dev)?)?;
        let up = Tensor::randn(0f32, 1.0, (2, 3, rows, cols), &dev)?;
        let mask: Vec<f32> = (0..rows)
            .flat_map(|i| {
                (0..cols).map(move |j| {
                    if j <= offset + i {
                        0.0
                    } else {
                        f32::NEG_INFINITY
                    }
                })
            })
            .collect();
        let mask = Tensor::from_vec(mask, (rows, cols), &dev)?;
        let reference =
            candle_nn::ops::softmax(&(x.as_tensor() * 0.5)?.broadcast_add(&mask)?, D::Minus1)?;
        let fused = causal_softmax(x.as_tensor(), 0.5, offset)?;
        assert_matches(reference, fused, &up, &[&x], 1e-6, 1e-5)
    }

    #[test]
    fn add_bias_matches_broadcast_add_and_its_gradients() -> Result<()> {
        let dev = Device::Cpu;
        let x = Var::from_tensor(&Tensor::randn(0f32, 1.0, (300, 24), &dev)?)?;
        let b = Var::from_tensor(&Tensor::randn(0f32, 1.0, 24, &dev)?)?;
        let up = Tensor::randn(0f32, 1.0, (300, 24), &dev)?;
        let reference = x.as_tensor().broadcast_add(b.as_tensor())?;
        let fused = add_bias(x.as_tensor(), b.as_tensor())?;
        assert_matches(reference, fused, &up, &[&x, &b], 1e-6, 1e-4)
    }

    #[test]
    fn gelu_matches_candle_and_its_gradient() -> Result<()> {
        let dev = Device::Cpu;
        let x = Var::from_tensor(&Tensor::randn(0f32, 3.0, (4, 1000), &dev)?)?;
        let up = Tensor::randn(0f32, 1.0, (4, 1000), &dev)?;
        let reference = x.as_tensor().gelu()?;
        let fused = gelu(x.as_tensor())?;
        assert_matches(reference, fused, &up, &[&x], 1e-5, 1e-4)
    }

    #[test]
    fn layer_norm_matches_composed_and_its_gradients() -> Result<()> {
        let dev = Device::Cpu;
        let x = Var::from_tensor(&Tensor::randn(1f32, 2.0, (3, 5, 16), &dev)?)?;
        let w = Var::from_tensor(&Tensor::randn(1f32, 0.5, 16, &dev)?)?;
        let b = Var::from_tensor(&Tensor::randn(0f32, 0.5, 16, &dev)?)?;
        let up = Tensor::randn(0f32, 1.0, (3, 5, 16), &dev)?;
        let reference =
            candle_nn::ops::layer_norm_slow(x.as_tensor(), w.as_tensor(), b.as_tensor(), 1e-5)?;
        let fused = layer_norm(x.as_tensor(), w.as_tensor(), b.as_tensor(), 1e-5)?;
        assert_matches(reference, fused, &up, &[&x, &w, &b], 1e-5, 1e-4)
    }
}
