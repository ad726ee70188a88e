//! Superman's first examples. No registry carries photos of him, so this project draws them: the
//! emblem (a red-rimmed yellow shield with a red S) on a blue suit, sometimes with the red cape
//! behind, at random sizes, angles, positions and shades. The class therefore starts as an
//! emblem detector; a user teaches it real photos on the page.

use crate::augment::Rng;
use image::{Rgb, RgbImage};

type Point = (f32, f32);

/// The shield's outline in emblem units (y down), and the S as a polyline inside it.
const SHIELD: [Point; 5] = [
    (-0.78, -0.78),
    (0.78, -0.78),
    (1.12, -0.3),
    (0.0, 1.0),
    (-1.12, -0.3),
];
const S_STROKE: [Point; 9] = [
    (0.55, -0.52),
    (-0.25, -0.52),
    (-0.5, -0.38),
    (-0.42, -0.15),
    (0.1, -0.02),
    (0.42, 0.12),
    (0.42, 0.32),
    (0.12, 0.48),
    (-0.35, 0.42),
];

fn inside(polygon: &[Point], p: Point) -> bool {
    let mut inside = false;
    let mut j = polygon.len() - 1;
    for i in 0..polygon.len() {
        let (xi, yi) = polygon[i];
        let (xj, yj) = polygon[j];
        if (yi > p.1) != (yj > p.1) && p.0 < (xj - xi) * (p.1 - yi) / (yj - yi) + xi {
            inside = !inside;
        }
        j = i;
    }
    inside
}

fn distance_to_segment(p: Point, a: Point, b: Point) -> f32 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let t = (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / (dx * dx + dy * dy)).clamp(0.0, 1.0);
    ((p.0 - a.0 - t * dx).powi(2) + (p.1 - a.1 - t * dy).powi(2)).sqrt()
}

fn shade(rng: &mut Rng, base: [f32; 3], spread: f32) -> [f32; 3] {
    let k = rng.range(1.0 - spread, 1.0 + spread);
    base.map(|c| (c * k).clamp(0.0, 255.0))
}

/// One drawing, `size` pixels square.
pub fn emblem(size: u32, rng: &mut Rng) -> RgbImage {
    let suit = shade(rng, [25.0, 60.0, 170.0], 0.3);
    let red = shade(rng, [200.0, 20.0, 30.0], 0.2);
    let yellow = shade(rng, [250.0, 210.0, 40.0], 0.15);
    let sky = shade(rng, [150.0, 190.0, 230.0], 0.3);
    let scale = rng.range(0.22, 0.45) * size as f32;
    let (cx, cy) = (
        size as f32 * rng.range(0.35, 0.65),
        size as f32 * rng.range(0.35, 0.6),
    );
    let angle = rng.range(-0.35, 0.35);
    let (sin, cos) = angle.sin_cos();
    let cape = rng.below(2) == 1;
    let torso_half_width = scale * rng.range(1.5, 2.2);
    RgbImage::from_fn(size, size, |x, y| {
        let (px, py) = (x as f32 + 0.5 - cx, y as f32 + 0.5 - cy);
        // Into emblem units: undo the rotation, then the scale.
        let u = (px * cos + py * sin) / scale;
        let v = (-px * sin + py * cos) / scale;
        let colour = if inside(&SHIELD, (u, v)) {
            let shrunk = SHIELD.map(|(a, b)| (a * 0.82, b * 0.82 - 0.02));
            let on_s = S_STROKE
                .windows(2)
                .any(|w| distance_to_segment((u, v), w[0], w[1]) < 0.12);
            if !inside(&shrunk, (u, v)) || on_s {
                red
            } else {
                yellow
            }
        } else if px.abs() < torso_half_width && py > -scale * 1.6 {
            suit
        } else if cape && px.abs() < torso_half_width * 1.5 && py > -scale * 1.2 {
            red
        } else {
            let fade = y as f32 / size as f32 * 0.3;
            sky.map(|c| c * (1.0 - fade))
        };
        Rgb(colour.map(|c| c as u8))
    })
}

/// `count` drawings from one seed.
pub fn emblems(count: usize, seed: u64) -> Vec<RgbImage> {
    let mut rng = Rng::new(seed);
    (0..count).map(|_| emblem(160, &mut rng)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drawings_have_the_emblem_colours_and_vary() {
        let drawings = emblems(4, 9);
        for d in &drawings {
            let reddish = d.pixels().filter(|p| p.0[0] > 150 && p.0[1] < 60).count();
            let yellowish = d
                .pixels()
                .filter(|p| p.0[0] > 200 && p.0[1] > 160 && p.0[2] < 90)
                .count();
            assert!(reddish > 200, "red pixels: {reddish}");
            assert!(yellowish > 200, "yellow pixels: {yellowish}");
        }
        assert_ne!(drawings[0], drawings[1]);
        assert_eq!(emblems(2, 9)[1], drawings[1]);
    }
}
