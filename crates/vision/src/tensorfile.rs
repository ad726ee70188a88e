//! Safetensors files with string metadata (class names, training figures), which candle's own
//! `save` cannot write. The layout: an 8-byte little-endian header length, a JSON header
//! (`__metadata__` plus name -> dtype, shape, byte range), then the tensors' bytes.

use crate::{VisionError, VisionResult};
use candle_core::{DType, Device, Tensor};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// A tensor to write: its name, shape and either f32 values (stored as f32 or f16) or u32s.
pub enum Data<'a> {
    F32(&'a [f32]),
    F16(&'a [f32]),
    U32(&'a [u32]),
}

pub fn write(
    path: &Path,
    tensors: &[(&str, Vec<usize>, Data<'_>)],
    metadata: &BTreeMap<String, String>,
) -> VisionResult<()> {
    let mut header = serde_json::Map::new();
    header.insert("__metadata__".into(), serde_json::to_value(metadata)?);
    let mut body = Vec::new();
    for (name, shape, data) in tensors {
        let start = body.len();
        let dtype = match data {
            Data::F32(v) => {
                v.iter()
                    .for_each(|x| body.extend_from_slice(&x.to_le_bytes()));
                "F32"
            }
            Data::F16(v) => {
                v.iter()
                    .for_each(|x| body.extend_from_slice(&half::f16::from_f32(*x).to_le_bytes()));
                "F16"
            }
            Data::U32(v) => {
                v.iter()
                    .for_each(|x| body.extend_from_slice(&x.to_le_bytes()));
                "U32"
            }
        };
        header.insert(
            (*name).to_owned(),
            serde_json::json!({"dtype": dtype, "shape": shape, "data_offsets": [start, body.len()]}),
        );
    }
    let mut json = serde_json::to_vec(&header)?;
    json.resize(json.len().div_ceil(8) * 8, b' ');
    let mut out = Vec::with_capacity(8 + json.len() + body.len());
    out.extend_from_slice(&(json.len() as u64).to_le_bytes());
    out.extend_from_slice(&json);
    out.extend_from_slice(&body);
    crate::write_atomically(path, &out)
}

/// The tensors (as f32 or u32 on the CPU) and the metadata of a file's bytes.
pub fn read(bytes: &[u8]) -> VisionResult<(HashMap<String, Tensor>, BTreeMap<String, String>)> {
    let bad = |why: &str| VisionError::Model(format!("not a valid safetensors file: {why}"));
    let len = bytes
        .get(..8)
        .map(|b| u64::from_le_bytes(b.try_into().unwrap_or_default()) as usize)
        .ok_or_else(|| bad("too short"))?;
    let header: serde_json::Value = serde_json::from_slice(
        bytes
            .get(8..8usize.saturating_add(len))
            .ok_or_else(|| bad("header past the end"))?,
    )?;
    let metadata = header
        .get("__metadata__")
        .cloned()
        .map(serde_json::from_value)
        .transpose()?
        .unwrap_or_default();
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
