//! The 1x1 convolutions of the network (and its stem, as a product over its taps): one matrix
//! product per picture, called through `gemm` (the kernels candle uses) so that the output
//! starts as the bias, or the bias plus the block's input, and gets ReLU6 in place. candle's
//! matmul followed by a broadcast add, an addition and a clamp would each read and write the
//! whole tensor again.

use crate::VisionResult;
use candle_core::{CpuStorage, CustomOp2, CustomOp3, Layout, Shape, Tensor};
use rayon::prelude::*;

/// A 1x1 convolution with its batch norm folded in: one matrix product per image whose output
/// starts as the bias (plus the block's input, when it is the residual branch's end), then
/// ReLU6 in place: one pass over the output instead of three.
pub(crate) struct Pointwise {
    /// (out, in)
    pub(crate) weight: Tensor,
    pub(crate) bias: BiasRelu6,
}

impl Pointwise {
    pub(crate) fn forward(&self, x: &Tensor) -> VisionResult<Tensor> {
        let x = x.contiguous()?;
        Ok(x.apply_op2_no_bwd(&self.weight, &FusedPointwise(&self.bias))?)
    }

    /// `forward(x) + residual`, the addition fused into the product.
    pub(crate) fn forward_adding(&self, x: &Tensor, residual: &Tensor) -> VisionResult<Tensor> {
        let (x, residual) = (x.contiguous()?, residual.contiguous()?);
        Ok(x.apply_op3_no_bwd(&self.weight, &residual, &FusedPointwise(&self.bias))?)
    }
}

/// The fused 1x1 convolution: (N, C, H, W) by weights (O, C) to (N, O, H, W).
struct FusedPointwise<'a>(&'a BiasRelu6);

impl FusedPointwise<'_> {
    fn run(
        &self,
        x: (&CpuStorage, &Layout),
        weight: (&CpuStorage, &Layout),
        residual: Option<(&CpuStorage, &Layout)>,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let (n, c, h, w) = x.1.shape().dims4()?;
        let (o, wc) = weight.1.shape().dims2()?;
        if wc != c || self.0.bias.len() != o {
            candle_core::bail!(
                "pointwise: input {:?}, weights {:?}",
                x.1.shape(),
                weight.1.shape()
            );
        }
        let slice =
            |(storage, layout)| crate::depthwise::contiguous(storage, layout, "pointwise operand");
        let (src, weights) = (slice(x)?, slice(weight)?);
        let hw = h * w;
        let mut out = vec![0f32; n * o * hw];
        match residual {
            Some(r) => {
                if r.1.shape().dims() != [n, o, h, w] {
                    candle_core::bail!("pointwise: residual {:?}", r.1.shape());
                }
                for ((dst, add), b) in out
                    .chunks_exact_mut(hw)
                    .zip(slice(r)?.chunks_exact(hw))
                    .zip(self.0.bias.iter().cycle())
                {
                    dst.iter_mut().zip(add).for_each(|(d, a)| *d = a + b);
                }
            }
            None => {
                for (dst, b) in out.chunks_exact_mut(hw).zip(self.0.bias.iter().cycle()) {
                    dst.fill(*b);
                }
            }
        }
        let threads = rayon::current_num_threads();
        let parallelism = if threads > 1 {
            gemm::Parallelism::Rayon(threads)
        } else {
            gemm::Parallelism::None
        };
        for (dst, src) in out.chunks_exact_mut(o * hw).zip(src.chunks_exact(c * hw)) {
            // SAFETY: row-major (o, hw) += (o, c) x (c, hw); the three slices are exactly those
            // sizes (checked above), so every index gemm forms lies inside them.
            unsafe {
                gemm::gemm(
                    o,
                    hw,
                    c,
                    dst.as_mut_ptr(),
                    1,
                    hw as isize,
                    true,
                    weights.as_ptr(),
                    1,
                    c as isize,
                    src.as_ptr(),
                    1,
                    hw as isize,
                    1.0,
                    1.0,
                    false,
                    false,
                    false,
                    parallelism,
                );
            }
        }
        if self.0.relu6 {
            out.par_chunks_mut(hw.max(1024)).for_each(|chunk| {
                chunk.iter_mut().for_each(|v| *v = v.clamp(0.0, 6.0));
            });
        }
        Ok((CpuStorage::F32(out), Shape::from((n, o, h, w))))
    }
}

impl CustomOp2 for FusedPointwise<'_> {
    fn name(&self) -> &'static str {
        "pointwise-bias-relu6"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        self.run((s1, l1), (s2, l2), None)
    }
}

impl CustomOp3 for FusedPointwise<'_> {
    fn name(&self) -> &'static str {
        "pointwise-bias-residual"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        self.run((s1, l1), (s2, l2), Some((s3, l3)))
    }
}

/// The bias per output channel (batch norm's shift) and whether ReLU6 follows.
pub(crate) struct BiasRelu6 {
    pub(crate) bias: Vec<f32>,
    pub(crate) relu6: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    fn values(n: usize, seed: u32) -> Vec<f32> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                ((s >> 8) as f32 / (1u32 << 24) as f32 - 0.5) * 8.0
            })
            .collect()
    }

    /// The fused product against candle's matmul, broadcast add, addition and clamp.
    #[test]
    fn the_fused_product_matches_the_separate_operations() -> VisionResult<()> {
        let (n, c, h, w, o) = (2, 5, 3, 4, 6);
        let x = Tensor::from_vec(values(n * c * h * w, 1), (n, c, h, w), &Device::Cpu)?;
        let residual = Tensor::from_vec(values(n * o * h * w, 2), (n, o, h, w), &Device::Cpu)?;
        let weight = Tensor::from_vec(values(o * c, 3), (o, c), &Device::Cpu)?;
        let bias = values(o, 4);
        for relu6 in [false, true] {
            let pointwise = Pointwise {
                weight: weight.clone(),
                bias: BiasRelu6 {
                    bias: bias.clone(),
                    relu6,
                },
            };
            let product = weight
                .broadcast_left(n)?
                .matmul(&x.reshape((n, c, h * w))?)?
                .broadcast_add(&Tensor::from_vec(bias.clone(), (1, o, 1), &Device::Cpu)?)?
                .reshape((n, o, h, w))?;
            let activate = |t: Tensor| -> VisionResult<Tensor> {
                Ok(if relu6 { t.clamp(0f32, 6f32)? } else { t })
            };
            let cases = [
                (pointwise.forward(&x)?, activate(product.clone())?),
                (
                    pointwise.forward_adding(&x, &residual)?,
                    activate((product.clone() + &residual)?)?,
                ),
            ];
            for (got, want) in cases {
                let gap = (got - want)?.abs()?.max_all()?.to_scalar::<f32>()?;
                assert!(gap < 1e-4, "relu6 {relu6}: differs by {gap}");
            }
        }
        Ok(())
    }
}
