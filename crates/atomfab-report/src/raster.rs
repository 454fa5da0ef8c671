//! Raster pictures encoded as PNG: height maps (viridis colour scale with a colour bar) and orthographic
//! renderings of atoms as shaded spheres (painter's algorithm, far atoms first).

use atomfab_core::{Axis, Vec3};

const VIRIDIS: [[f64; 3]; 9] = [
    [68.0, 1.0, 84.0],
    [72.0, 36.0, 117.0],
    [59.0, 82.0, 139.0],
    [44.0, 114.0, 142.0],
    [33.0, 145.0, 140.0],
    [39.0, 173.0, 129.0],
    [92.0, 200.0, 99.0],
    [170.0, 220.0, 50.0],
    [253.0, 231.0, 37.0],
];

/// Viridis colour of t ∈ [0, 1] (clamped), linearly interpolated between 9 samples of matplotlib's map.
pub fn viridis(t: f64) -> [u8; 3] {
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    let x = t * 8.0;
    let k = (x.floor() as usize).min(7);
    let f = x - k as f64;
    [0, 1, 2].map(|c| (VIRIDIS[k][c] * (1.0 - f) + VIRIDIS[k + 1][c] * f).round() as u8)
}

/// Encodes an RGB8 image as PNG.
pub fn encode_png(width: u32, height: u32, rgb: &[u8]) -> Vec<u8> {
    assert_eq!(rgb.len(), (width * height * 3) as usize, "RGB buffer size");
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, width, height);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().expect("writing to a Vec cannot fail");
        w.write_image_data(rgb).expect("writing to a Vec cannot fail");
    }
    out
}

/// A height map as a PNG: `z[iy * nx + ix]` with iy = 0 at the bottom edge (y up), NaN shown grey,
/// colours scaled from min to max, a colour bar on the right. Small maps are enlarged by whole pixels.
pub fn height_map_png(nx: usize, ny: usize, z: &[f64]) -> Vec<u8> {
    assert_eq!(z.len(), nx * ny, "height map size");
    let (lo, hi) = z.iter().filter(|v| v.is_finite()).fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    let span = if hi > lo { hi - lo } else { 1.0 };
    let scale = (480 / nx.max(ny).max(1)).clamp(1, 16);
    let (w, h) = (nx * scale, ny * scale);
    let bar = 24;
    let width = w + 12 + bar;
    let mut rgb = vec![255u8; width * h * 3];
    for py in 0..h {
        let iy = ny - 1 - py / scale;
        for px in 0..w {
            let v = z[iy * nx + px / scale];
            let c = if v.is_finite() { viridis((v - lo) / span) } else { [128, 128, 128] };
            rgb[(py * width + px) * 3..][..3].copy_from_slice(&c);
        }
        let c = viridis(1.0 - py as f64 / (h.max(2) - 1) as f64);
        for px in (w + 12)..width {
            rgb[(py * width + px) * 3..][..3].copy_from_slice(&c);
        }
    }
    encode_png(width as u32, h as u32, &rgb)
}

/// How to look at atoms: along `axis` (from its negative side), with `up` the screen-vertical axis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AtomView {
    pub axis: Axis,
    pub up: Axis,
    /// Resolution (pixels per Å); reduced automatically to keep the picture ≤ `max_pixels` wide/high.
    pub pixels_per_angstrom: f64,
    pub max_pixels: usize,
}

impl Default for AtomView {
    fn default() -> Self {
        AtomView { axis: Axis::Y, up: Axis::Z, pixels_per_angstrom: 8.0, max_pixels: 1600 }
    }
}

/// Renders atoms (Å) as shaded discs of `radius` Å in the given colours, as a PNG.
pub fn atoms_png(positions: &[Vec3], colors: &[[u8; 3]], radius: f64, view: AtomView) -> Vec<u8> {
    assert_eq!(positions.len(), colors.len(), "one colour per atom");
    let depth_axis = view.axis.index();
    let v_axis = view.up.index();
    let h_axis = (0..3).find(|&k| k != depth_axis && k != v_axis).unwrap_or(0);
    if positions.is_empty() || depth_axis == v_axis {
        return encode_png(1, 1, &[255, 255, 255]);
    }
    let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
    for r in positions {
        for (k, a) in [h_axis, v_axis].into_iter().enumerate() {
            lo[k] = lo[k].min(r[a]);
            hi[k] = hi[k].max(r[a]);
        }
    }
    let extent = [hi[0] - lo[0] + 2.0 * radius, hi[1] - lo[1] + 2.0 * radius];
    let ppa = view.pixels_per_angstrom.min(view.max_pixels as f64 / extent[0].max(extent[1]).max(1e-9)).max(0.1);
    let width = ((extent[0] * ppa).ceil() as usize).max(1);
    let height = ((extent[1] * ppa).ceil() as usize).max(1);
    let mut rgb = vec![255u8; width * height * 3];
    let mut order: Vec<usize> = (0..positions.len()).collect();
    // Looking from the negative side: larger depth coordinate is farther, drawn first.
    order.sort_by(|&a, &b| positions[b][depth_axis].total_cmp(&positions[a][depth_axis]));
    let rp = radius * ppa;
    for i in order {
        let cx = (positions[i][h_axis] - lo[0] + radius) * ppa;
        let cy = height as f64 - (positions[i][v_axis] - lo[1] + radius) * ppa;
        let (x0, x1) = ((cx - rp).floor().max(0.0) as usize, ((cx + rp).ceil() as usize).min(width - 1));
        let (y0, y1) = ((cy - rp).floor().max(0.0) as usize, ((cy + rp).ceil() as usize).min(height - 1));
        for py in y0..=y1 {
            for px in x0..=x1 {
                let (dx, dy) = ((px as f64 + 0.5 - cx) / rp, (py as f64 + 0.5 - cy) / rp);
                let r2 = dx * dx + dy * dy;
                if r2 <= 1.0 {
                    // Lambert shading with light from the upper left front.
                    let nz = (1.0 - r2).sqrt();
                    let light = (0.35 + 0.65 * (0.8 * nz - 0.35 * dx - 0.45 * dy).max(0.0)).min(1.0);
                    let c = colors[i].map(|c| (c as f64 * light).round() as u8);
                    rgb[(py * width + px) * 3..][..3].copy_from_slice(&c);
                }
            }
        }
    }
    encode_png(width as u32, height as u32, &rgb)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(png_bytes: &[u8]) -> (u32, u32, Vec<u8>) {
        let decoder = png::Decoder::new(png_bytes);
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        buf.truncate(info.buffer_size());
        (info.width, info.height, buf)
    }

    #[test]
    fn viridis_ends() {
        assert_eq!(viridis(0.0), [68, 1, 84]);
        assert_eq!(viridis(1.0), [253, 231, 37]);
        assert_eq!(viridis(f64::NAN), [68, 1, 84]);
    }

    #[test]
    fn height_map_orientation_and_nan() {
        // 2×2 map: bottom row low, top row high; one NaN.
        let png_bytes = height_map_png(2, 2, &[0.0, 0.0, 1.0, f64::NAN]);
        let (w, h, rgb) = decode(&png_bytes);
        assert_eq!(h, 32, "small maps are enlarged 16×");
        assert!(w > 32);
        let px = |x: usize, y: usize| &rgb[(y * w as usize + x) * 3..][..3];
        assert_eq!(px(0, 0), [253, 231, 37]); // top-left is iy = 1, highest
        assert_eq!(px(0, 31), [68, 1, 84]); // bottom-left is iy = 0, lowest
        assert_eq!(px(31, 0), [128, 128, 128]); // NaN grey
    }

    #[test]
    fn nearer_atoms_cover_farther() {
        let pos = [[0.0, 5.0, 0.0], [0.0, 0.0, 0.0]]; // second is nearer (smaller y)
        let png_bytes = atoms_png(&pos, &[[255, 0, 0], [0, 0, 255]], 1.0, AtomView::default());
        let (w, h, rgb) = decode(&png_bytes);
        let c = &rgb[((h as usize / 2) * w as usize + w as usize / 2) * 3..][..3];
        assert!(c[2] > 0 && c[0] == 0, "centre pixel is the nearer blue atom: {c:?}");
    }
}
