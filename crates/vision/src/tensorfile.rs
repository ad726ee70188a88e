//! Safetensors files with string metadata (class names, training figures), which candle's own
//! `save` cannot write: written and their metadata read by the `safetensors` crate, the tensors
//! loaded by candle.

use crate::{VisionError, VisionResult};
use candle_core::{DType, Device, Tensor};
use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensorError, SafeTensors};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// A tensor to write: its name, shape and either f32 values (stored as f32 or f16) or u32s.
pub enum Data<'a> {
    F32(&'a [f32]),
    F16(&'a [f32]),
    U32(&'a [u32]),
}

/// Writes the tensors and string metadata as a safetensors file (the `safetensors` crate lays out
/// the header and offsets), atomically.
pub fn write(
    path: &Path,
    tensors: &[(&str, Vec<usize>, Data<'_>)],
    metadata: &BTreeMap<String, String>,
) -> VisionResult<()> {
    crate::write_atomically(path, &encode(tensors, metadata)?)
}

/// The bytes of a safetensors file holding the tensors and string metadata.
pub fn encode(
    tensors: &[(&str, Vec<usize>, Data<'_>)],
    metadata: &BTreeMap<String, String>,
) -> VisionResult<Vec<u8>> {
    let bad = |e: SafeTensorError| VisionError::Model(format!("cannot write safetensors: {e}"));
    let bytes: Vec<(&str, &[usize], Dtype, Vec<u8>)> = tensors
        .iter()
        .map(|(name, shape, data)| {
            let (dtype, raw) = match data {
                Data::F32(v) => (Dtype::F32, v.iter().flat_map(|x| x.to_le_bytes()).collect()),
                Data::F16(v) => (
                    Dtype::F16,
                    v.iter()
                        .flat_map(|x| half::f16::from_f32(*x).to_le_bytes())
                        .collect(),
                ),
                Data::U32(v) => (Dtype::U32, v.iter().flat_map(|x| x.to_le_bytes()).collect()),
            };
            (*name, shape.as_slice(), dtype, raw)
        })
        .collect();
    let views = bytes
        .iter()
        .map(|(name, shape, dtype, raw)| {
            TensorView::new(*dtype, shape.to_vec(), raw).map(|view| (*name, view))
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(bad)?;
    let info: HashMap<String, String> = metadata.clone().into_iter().collect();
    safetensors::serialize(views, Some(info)).map_err(bad)
}

/// The tensors (as f32 or u32 on the CPU) and the metadata of a file's bytes.
pub fn read(bytes: &[u8]) -> VisionResult<(HashMap<String, Tensor>, BTreeMap<String, String>)> {
    let (_, header) = SafeTensors::read_metadata(bytes)
        .map_err(|e| VisionError::Model(format!("not a valid safetensors file: {e}")))?;
    let metadata = header
        .metadata()
        .clone()
        .unwrap_or_default()
        .into_iter()
        .collect();
    let tensors = candle_core::safetensors::load_buffer(bytes, &Device::Cpu)?
        .into_iter()
        .map(|(name, t)| {
            let t = if t.dtype() == DType::F16 {
                t.to_dtype(DType::F32)?
            } else {
                t
            };
            Ok((name, t))
        })
        .collect::<VisionResult<_>>()?;
    Ok((tensors, metadata))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_metadata() -> VisionResult<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("t.safetensors");
        let meta = BTreeMap::from([("classes".to_owned(), "[\"a\",\"b\"]".to_owned())]);
        write(
            &path,
            &[
                ("w", vec![2, 2], Data::F32(&[1.0, -2.5, 3.25, 4.0])),
                ("h", vec![3], Data::F16(&[0.5, 1.0, 1000.0])),
                ("l", vec![2], Data::U32(&[7, 9])),
            ],
            &meta,
        )?;
        let (tensors, got) = read(&std::fs::read(&path)?)?;
        assert_eq!(got, meta);
        assert_eq!(tensors["w"].dims(), [2, 2]);
        assert_eq!(
            tensors["w"].flatten_all()?.to_vec1::<f32>()?,
            [1.0, -2.5, 3.25, 4.0]
        );
        assert_eq!(tensors["h"].to_vec1::<f32>()?, [0.5, 1.0, 1000.0]);
        assert_eq!(tensors["l"].to_vec1::<u32>()?, [7, 9]);
        assert!(read(b"short").is_err());
        Ok(())
    }
}
