//! AdamW with decoupled weight decay (on matrices only, as nanoGPT does) and gradient clipping
//! by global norm. Its moments are plain tensors so that a checkpoint can save and resume them.

use std::collections::HashMap;

use candle_core::{Tensor, Var, backprop::GradStore};

use crate::error::{GptError, Result};

#[derive(Debug, Clone, Copy)]
pub struct AdamWParams {
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub weight_decay: f64,
}

impl Default for AdamWParams {
    fn default() -> Self {
        Self {
            beta1: 0.9,
            beta2: 0.99,
            eps: 1e-8,
            weight_decay: 0.1,
        }
    }
}

pub struct AdamW {
    vars: Vec<(String, Var)>,
    m: Vec<Tensor>,
    v: Vec<Tensor>,
    step: usize,
    params: AdamWParams,
}

impl AdamW {
    pub fn new(vars: Vec<(String, Var)>, params: AdamWParams) -> Result<Self> {
        let m = vars
            .iter()
            .map(|(_, v)| v.zeros_like())
            .collect::<candle_core::Result<Vec<_>>>()?;
        let v = m.clone();
        Ok(Self {
            vars,
            m,
            v,
            step: 0,
            params,
        })
    }

    pub fn step_count(&self) -> usize {
        self.step
    }

    /// Clips the gradients to `clip` total norm (0: no clipping), applies one update at `lr` and
    /// returns the norm before clipping.
    pub fn step(&mut self, grads: &GradStore, lr: f64, clip: f64) -> Result<f64> {
        let mut squares = 0f64;
        for (_, var) in &self.vars {
            if let Some(g) = grads.get(var) {
                squares += g.sqr()?.sum_all()?.to_scalar::<f32>()? as f64;
            }
        }
        let norm = squares.sqrt();
        let scale = if clip > 0.0 && norm > clip {
            clip / (norm + 1e-6)
        } else {
            1.0
        };
        self.step += 1;
        let p = self.params;
        let bias1 = 1.0 - p.beta1.powi(self.step as i32);
        let bias2 = 1.0 - p.beta2.powi(self.step as i32);
        for (i, (_, var)) in self.vars.iter().enumerate() {
            let Some(g) = grads.get(var) else { continue };
            let g = if scale != 1.0 {
                (g * scale)?
            } else {
                g.clone()
            };
            let m = ((&self.m[i] * p.beta1)? + (&g * (1.0 - p.beta1))?)?;
            let v = ((&self.v[i] * p.beta2)? + (g.sqr()? * (1.0 - p.beta2))?)?;
            let update = ((&m / bias1)? / ((&v / bias2)?.sqrt()? + p.eps)?)?;
            let decay = if var.rank() >= 2 {
                1.0 - lr * p.weight_decay
            } else {
                1.0
            };
            let next = ((var.as_tensor() * decay)? - (update * lr)?)?;
            var.set(&next)?;
            self.m[i] = m;
            self.v[i] = v;
        }
        Ok(norm)
    }

    /// The moments, named `m.<param>` and `v.<param>`, for a checkpoint.
    pub fn state(&self) -> HashMap<String, Tensor> {
        let mut out = HashMap::new();
        for (i, (name, _)) in self.vars.iter().enumerate() {
            out.insert(format!("m.{name}"), self.m[i].clone());
            out.insert(format!("v.{name}"), self.v[i].clone());
        }
        out
    }

    pub fn restore(&mut self, state: &HashMap<String, Tensor>, step: usize) -> Result<()> {
        for (i, (name, var)) in self.vars.iter().enumerate() {
            for (prefix, slot) in [("m", &mut self.m[i]), ("v", &mut self.v[i])] {
                let t = state.get(&format!("{prefix}.{name}")).ok_or_else(|| {
                    GptError::InvalidModel {
                        file: "optimizer.safetensors".into(),
                        reason: format!("missing {prefix}.{name}"),
                    }
                })?;
                if t.dims() != var.dims() {
                    return Err(GptError::InvalidModel {
                        file: "optimizer.safetensors".into(),
                        reason: format!("{prefix}.{name} does not match the model"),
                    });
                }
                *slot = t.clone();
            }
        }
        self.step = step;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    #[test]
    fn minimises_a_quadratic_and_clips() {
        let x = Var::from_slice(&[3.0f32, -2.0], 2, &Device::Cpu).expect("var");
        let mut opt = AdamW::new(
            vec![("x".into(), x.clone())],
            AdamWParams {
                weight_decay: 0.0,
                ..Default::default()
            },
        )
        .expect("optimizer");
        let mut first_norm = 0.0;
        for i in 0..400 {
            let loss = x.as_tensor().sqr().expect("sqr").sum_all().expect("sum");
            let grads = loss.backward().expect("backward");
            let norm = opt.step(&grads, 0.05, 1.0).expect("step");
            if i == 0 {
                first_norm = norm;
            }
        }
        assert!((first_norm - (36.0f64 + 16.0).sqrt()).abs() < 1e-4);
        let values = x.as_tensor().to_vec1::<f32>().expect("values");
        assert!(values.iter().all(|v| v.abs() < 0.05), "{values:?}");
    }
}
