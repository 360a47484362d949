//! An RGB frame buffer and the rasterizer that draws a [`Scene`] into it.

use super::palette::Rgb;
use super::scene::{Anchor, Prim, Scene};

/// An RGB image: `height` rows of `width` pixels, 3 bytes each, row-major, no padding.
///
/// This is the `rgb_array` of Gymnasium's render API: `pixels` reshaped to
/// `(height, width, 3)` is an `HxWx3` `uint8` array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width * height * 3` bytes: R, G, B per pixel, rows top to bottom.
    pub pixels: Vec<u8>,
}

impl Frame {
    /// A frame filled with `color`.
    pub fn new(width: u32, height: u32, color: Rgb) -> Self {
        let mut pixels = Vec::with_capacity(width as usize * height as usize * 3);
        for _ in 0..width as usize * height as usize {
            pixels.extend_from_slice(&color);
        }
        Frame {
            width,
            height,
            pixels,
        }
    }

    /// The colour at (`x`, `y`).
    ///
    /// # Panics
    /// If (`x`, `y`) is outside the frame.
    pub fn pixel(&self, x: u32, y: u32) -> Rgb {
        assert!(
            x < self.width && y < self.height,
            "pixel ({x}, {y}) outside the frame"
        );
        let i = (y as usize * self.width as usize + x as usize) * 3;
        [self.pixels[i], self.pixels[i + 1], self.pixels[i + 2]]
    }

    /// The array shape Gymnasium expects: `(height, width, 3)`.
    pub fn shape(&self) -> (usize, usize, usize) {
        (self.height as usize, self.width as usize, 3)
    }

    #[inline]
    fn put(&mut self, x: i64, y: i64, c: Rgb) {
        if x >= 0 && y >= 0 && (x as u32) < self.width && (y as u32) < self.height {
            let i = (y as usize * self.width as usize + x as usize) * 3;
            self.pixels[i..i + 3].copy_from_slice(&c);
        }
    }

    #[inline]
    fn blend(&mut self, x: i64, y: i64, c: Rgb, alpha: f32) {
        if x >= 0 && y >= 0 && (x as u32) < self.width && (y as u32) < self.height {
            let i = (y as usize * self.width as usize + x as usize) * 3;
            for (dst, &src) in self.pixels[i..i + 3].iter_mut().zip(&c) {
                let old = *dst as f32;
                *dst = (old + (src as f32 - old) * alpha).round() as u8;
            }
        }
    }

    /// Fills the rectangle with corners rounded to whole pixels.
    pub fn fill_rect(&mut self, x: f32, y: f32, w: f32, h: f32, c: Rgb) {
        let (x0, y0) = (x.round() as i64, y.round() as i64);
        let (x1, y1) = ((x + w).round() as i64, (y + h).round() as i64);
        for yy in y0.max(0)..y1.min(self.height as i64) {
            for xx in x0.max(0)..x1.min(self.width as i64) {
                self.put(xx, yy, c);
            }
        }
    }

    /// Copies `other` with its top-left corner at (`x`, `y`), clipped to this frame.
    pub fn blit(&mut self, other: &Frame, x: u32, y: u32) {
        for row in 0..other.height {
            let ty = y + row;
            if ty >= self.height || x >= self.width {
                break;
            }
            let n = (other.width.min(self.width - x)) as usize * 3;
            let src = row as usize * other.width as usize * 3;
            let dst = (ty as usize * self.width as usize + x as usize) * 3;
            self.pixels[dst..dst + n].copy_from_slice(&other.pixels[src..src + n]);
        }
    }

    /// Fills the shape `inside` within the bounding box, with edge pixels blended by their
    /// coverage (4x4 samples, rounded to quarters so a GIF palette stays small).
    fn fill_covered(
        &mut self,
        bbox: (f32, f32, f32, f32),
        c: Rgb,
        inside: impl Fn(f32, f32) -> bool,
    ) {
        let x0 = (bbox.0.floor() as i64).max(0);
        let y0 = (bbox.1.floor() as i64).max(0);
        let x1 = (bbox.2.ceil() as i64).min(self.width as i64);
        let y1 = (bbox.3.ceil() as i64).min(self.height as i64);
        for y in y0..y1 {
            for x in x0..x1 {
                let mut hits = 0;
                for sy in 0..4 {
                    for sx in 0..4 {
                        let px = x as f32 + (sx as f32 + 0.5) / 4.0;
                        let py = y as f32 + (sy as f32 + 0.5) / 4.0;
                        hits += u32::from(inside(px, py));
                    }
                }
                let quarters = (hits + 2) / 4;
                match quarters {
                    0 => {}
                    4 => self.put(x, y, c),
                    q => self.blend(x, y, c, q as f32 / 4.0),
                }
            }
        }
    }

    /// Fills a disc.
    pub fn fill_circle(&mut self, cx: f32, cy: f32, r: f32, c: Rgb) {
        let r2 = r * r;
        self.fill_covered((cx - r, cy - r, cx + r, cy + r), c, |x, y| {
            (x - cx).powi(2) + (y - cy).powi(2) <= r2
        });
    }

    /// Fills a polygon (even-odd rule).
    pub fn fill_polygon(&mut self, points: &[(f32, f32)], c: Rgb) {
        if points.len() < 3 {
            return;
        }
        let fold = |f: fn(f32, f32) -> f32, init: f32, sel: fn(&(f32, f32)) -> f32| {
            points.iter().map(sel).fold(init, f)
        };
        let bbox = (
            fold(f32::min, f32::MAX, |p| p.0),
            fold(f32::min, f32::MAX, |p| p.1),
            fold(f32::max, f32::MIN, |p| p.0),
            fold(f32::max, f32::MIN, |p| p.1),
        );
        self.fill_covered(bbox, c, |x, y| {
            let mut inside = false;
            let mut j = points.len() - 1;
            for i in 0..points.len() {
                let (xi, yi) = points[i];
                let (xj, yj) = points[j];
                if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
                    inside = !inside;
                }
                j = i;
            }
            inside
        });
    }

    /// Draws `text` in the 8x8 bitmap font scaled by `scale`, its top-left corner at (`x`, `y`).
    /// Characters outside ASCII are drawn as `?`.
    pub fn draw_text(&mut self, x: f32, y: f32, text: &str, scale: u32, c: Rgb) {
        let (x0, y0) = (x.round() as i64, y.round() as i64);
        let s = scale.max(1) as i64;
        for (k, ch) in text.chars().enumerate() {
            let code = if ch.is_ascii() {
                ch as usize
            } else {
                '?' as usize
            };
            let glyph = font8x8::legacy::BASIC_LEGACY[code];
            let gx = x0 + k as i64 * 8 * s;
            for (row, bits) in glyph.iter().enumerate() {
                for col in 0..8 {
                    if bits & (1 << col) != 0 {
                        for dy in 0..s {
                            for dx in 0..s {
                                self.put(gx + col * s + dx, y0 + row as i64 * s + dy, c);
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Draws a scene into a new frame.
pub(crate) fn rasterize(scene: &Scene) -> Frame {
    let mut f = Frame::new(scene.width, scene.height, scene.background);
    for p in &scene.prims {
        match p {
            Prim::Rect {
                x, y, w, h, fill, ..
            } => f.fill_rect(*x, *y, *w, *h, *fill),
            Prim::Circle { cx, cy, r, fill } => f.fill_circle(*cx, *cy, *r, *fill),
            Prim::Polygon { points, fill } => f.fill_polygon(points, *fill),
            Prim::Text {
                x,
                y,
                scale,
                text,
                fill,
                anchor,
            } => {
                let x = match anchor {
                    Anchor::Start => *x,
                    // Glyphs sit in the left 7 columns of their 8x8 cell: nudge to centre.
                    Anchor::Middle => {
                        *x - (text.chars().count() as u32 * 4 * scale) as f32 + 0.5 * *scale as f32
                    }
                };
                f.draw_text(x, *y, text, *scale, *fill);
            }
        }
    }
    f
}
