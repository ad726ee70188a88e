//! Training-time augmentation: mirror, random resized crop and colour jitter, from a seeded
//! generator so a training run can be repeated exactly.

use image::{Rgb, RgbImage};

/// SplitMix64: small, fast and good enough to pick crops and jitter.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * ((self.next_u64() >> 40) as f32 / (1u64 << 24) as f32)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

pub fn mirror(image: &RgbImage) -> RgbImage {
    image::imageops::flip_horizontal(image)
}

/// `count` training views of a picture: itself, its mirror, then random views.
pub fn views(image: &RgbImage, count: usize, rng: &mut Rng) -> Vec<RgbImage> {
    let mut out = Vec::with_capacity(count);
    if count > 0 {
        out.push(image.clone());
    }
    if count > 1 {
        out.push(mirror(image));
    }
    for _ in 2..count {
        out.push(random_view(image, rng));
    }
    out
}

/// A crop of 60-100% of the area with an aspect ratio between 3:4 and 4:3, mirrored half the
/// time, with brightness and contrast moved by up to 20%.
pub fn random_view(image: &RgbImage, rng: &mut Rng) -> RgbImage {
    let (w, h) = (image.width() as f32, image.height() as f32);
    let area = rng.range(0.6, 1.0) * w * h;
    let aspect = rng.range((3.0f32 / 4.0).ln(), (4.0f32 / 3.0).ln()).exp();
    let cw = ((area * aspect).sqrt().round() as u32).clamp(1, image.width());
    let ch = ((area / aspect).sqrt().round() as u32).clamp(1, image.height());
    let x = rng.below((image.width() - cw + 1) as usize) as u32;
    let y = rng.below((image.height() - ch + 1) as usize) as u32;
    let mut view = image::imageops::crop_imm(image, x, y, cw, ch).to_image();
    if rng.below(2) == 1 {
        view = mirror(&view);
    }
    let brightness = rng.range(-0.2, 0.2) * 255.0;
    let contrast = rng.range(0.8, 1.2);
    for p in view.pixels_mut() {
        let Rgb(c) = *p;
        *p =
            Rgb(c.map(|v| {
                ((v as f32 - 128.0) * contrast + 128.0 + brightness).clamp(0.0, 255.0) as u8
            }));
    }
    view
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_are_repeatable_and_inside_the_picture() {
        let image = RgbImage::from_fn(32, 20, |x, y| Rgb([x as u8 * 8, y as u8 * 12, 100]));
        let (mut a, mut b) = (Rng::new(5), Rng::new(5));
        for _ in 0..50 {
            let va = random_view(&image, &mut a);
            let vb = random_view(&image, &mut b);
            assert_eq!(va, vb);
            assert!(va.width() >= 1 && va.width() <= 32 && va.height() >= 1 && va.height() <= 20);
        }
        assert_eq!(mirror(&image).get_pixel(0, 0), image.get_pixel(31, 0));
        let mut rng = Rng::new(1);
        let mut v: Vec<usize> = (0..10).collect();
        rng.shuffle(&mut v);
        v.sort();
        assert_eq!(v, (0..10).collect::<Vec<_>>());
    }
}
