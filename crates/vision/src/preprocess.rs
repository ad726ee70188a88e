//! From uploaded bytes to the network's input: the format is told by the content (never the file
//! name), decoding is bounded, transparency is laid on white, and the picture is resized whole
//! (not cropped: a CIFAR photo is 32x32 and a crop would cut the bird) to 224x224.

use crate::INPUT_SIZE;
use crate::{VisionError, VisionResult};
use candle_core::{Device, Tensor};
use image::imageops::FilterType;
use image::{DynamicImage, ImageFormat, ImageReader, Limits, RgbImage};
use std::io::Cursor;

/// Uploads larger than this are refused before decoding.
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;
/// Width or height above this is refused (a small file can still claim a huge canvas): 8192
/// covers any camera, and caps a decoded picture near 256 MB.
pub const MAX_SIDE: u32 = 8192;
const MAX_DECODED_BYTES: u64 = 256 * 1024 * 1024;

/// The formats the service accepts, as told by their first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jpeg,
    Png,
    Gif,
    WebP,
}

impl Format {
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Self::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Self::Png)
        } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            Some(Self::Gif)
        } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(Self::WebP)
        } else {
            None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Jpeg => "JPEG",
            Self::Png => "PNG",
            Self::Gif => "GIF",
            Self::WebP => "WebP",
        }
    }

    fn image_format(self) -> ImageFormat {
        match self {
            Self::Jpeg => ImageFormat::Jpeg,
            Self::Png => ImageFormat::Png,
            Self::Gif => ImageFormat::Gif,
            Self::WebP => ImageFormat::WebP,
        }
    }
}

/// Decodes an upload (the first frame of an animation) into RGB, checking size and format.
pub fn decode(bytes: &[u8]) -> VisionResult<RgbImage> {
    if bytes.is_empty() {
        return Err(VisionError::BadImage("The file is empty.".into()));
    }
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(VisionError::TooLarge(bytes.len()));
    }
    let format = Format::sniff(bytes).ok_or_else(|| {
        VisionError::UnsupportedType(
            "This file is not a JPEG, PNG, GIF or WebP image (checked by its content).".into(),
        )
    })?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format.image_format());
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODED_BYTES);
    reader.limits(limits);
    let image = reader.decode().map_err(|e| {
        VisionError::BadImage(format!(
            "The {} image could not be read: {e}.",
            format.name()
        ))
    })?;
    if image.width() == 0 || image.height() == 0 {
        return Err(VisionError::BadImage("The image has no pixels.".into()));
    }
    Ok(flatten_on_white(image))
}

fn flatten_on_white(image: DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return image.to_rgb8();
    }
    let rgba = image.to_rgba8();
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let p = rgba.get_pixel(x, y).0;
        let a = p[3] as u32;
        let mix = |c: u8| ((c as u32 * a + 255 * (255 - a) + 127) / 255) as u8;
        image::Rgb([mix(p[0]), mix(p[1]), mix(p[2])])
    })
}

/// The picture at the network's input size.
pub fn resize(image: &RgbImage) -> RgbImage {
    if image.width() as usize == INPUT_SIZE && image.height() as usize == INPUT_SIZE {
        return image.clone();
    }
    image::imageops::resize(
        image,
        INPUT_SIZE as u32,
        INPUT_SIZE as u32,
        FilterType::Triangle,
    )
}

/// Pixel values as the TensorFlow Lite0 weights were trained on: `(v - 127) / 128`, channels
/// first. `image` must already be 224x224.
pub fn to_chw(image: &RgbImage) -> Vec<f32> {
    let plane = (image.width() * image.height()) as usize;
    let mut out = vec![0f32; 3 * plane];
    for (i, p) in image.pixels().enumerate() {
        for c in 0..3 {
            out[c * plane + i] = (p.0[c] as f32 - 127.0) / 128.0;
        }
    }
    out
}

/// A batch tensor (N, 3, 224, 224) from pictures of any size.
pub fn batch(images: &[RgbImage]) -> VisionResult<Tensor> {
    let mut data = Vec::with_capacity(images.len() * 3 * INPUT_SIZE * INPUT_SIZE);
    for image in images {
        data.extend(to_chw(&resize(image)));
    }
    Ok(Tensor::from_vec(
        data,
        (images.len(), 3, INPUT_SIZE, INPUT_SIZE),
        &Device::Cpu,
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        image.write_to(&mut out, format).expect("encode");
        out.into_inner()
    }

    #[test]
    fn formats_are_told_by_content() {
        let img = DynamicImage::ImageRgb8(RgbImage::from_pixel(4, 3, image::Rgb([10, 200, 30])));
        for (format, want) in [
            (ImageFormat::Png, Format::Png),
            (ImageFormat::Jpeg, Format::Jpeg),
            (ImageFormat::Gif, Format::Gif),
            (ImageFormat::WebP, Format::WebP),
        ] {
            let bytes = encode(&img, format);
            assert_eq!(Format::sniff(&bytes), Some(want));
            let decoded = decode(&bytes).expect("decodes");
            assert_eq!((decoded.width(), decoded.height()), (4, 3));
        }
        assert_eq!(Format::sniff(b"%PDF-1.7 ..."), None);
        assert_eq!(Format::sniff(b"RIFF\0\0\0\0WAVE"), None);
    }

    #[test]
    fn bad_input_gets_a_sentence_not_a_panic() {
        let msg = |r: VisionResult<RgbImage>| r.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(msg(decode(b"")).contains("empty"));
        assert!(msg(decode(b"hello, I am a text file")).contains("not a JPEG, PNG, GIF or WebP"));
        // A PNG signature followed by garbage.
        assert!(msg(decode(b"\x89PNG\r\n\x1a\nrubbish rubbish")).contains("could not be read"));
        let mut huge = vec![0u8; MAX_UPLOAD_BYTES + 1];
        huge[..3].copy_from_slice(&[0xFF, 0xD8, 0xFF]);
        assert!(matches!(decode(&huge), Err(VisionError::TooLarge(_))));
    }

    #[test]
    fn a_header_claiming_a_huge_canvas_is_refused() {
        // A valid 1x1 PNG whose header is rewritten to claim 60000x60000 pixels.
        let img = DynamicImage::ImageRgb8(RgbImage::from_pixel(1, 1, image::Rgb([0, 0, 0])));
        let mut bytes = encode(&img, ImageFormat::Png);
        bytes[16..20].copy_from_slice(&60_000u32.to_be_bytes());
        bytes[20..24].copy_from_slice(&60_000u32.to_be_bytes());
        assert!(decode(&bytes).is_err());
    }

    #[test]
    fn transparency_is_laid_on_white_and_values_are_scaled() {
        let img = DynamicImage::ImageRgba8(image::RgbaImage::from_pixel(
            2,
            2,
            image::Rgba([0, 0, 0, 0]),
        ));
        let rgb = decode(&encode(&img, ImageFormat::Png)).expect("decodes");
        assert_eq!(rgb.get_pixel(0, 0).0, [255, 255, 255]);
        let chw = to_chw(&resize(&rgb));
        assert_eq!(chw.len(), 3 * INPUT_SIZE * INPUT_SIZE);
        assert!((chw[0] - 1.0).abs() < 1e-6);
        let black = RgbImage::from_pixel(224, 224, image::Rgb([127, 0, 255]));
        let chw = to_chw(&black);
        assert_eq!(chw[0], 0.0);
        assert!((chw[224 * 224] + 127.0 / 128.0).abs() < 1e-6);
        assert!((chw[2 * 224 * 224] - 1.0).abs() < 1e-6);
    }
}
