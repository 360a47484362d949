//! Animated GIF encoding of a frame sequence (through the `gif` crate).
//!
//! Boards use few colours, so the frames normally share one exact global palette, and each
//! frame after the first stores only the rectangle that changed. Sequences with more than 256
//! colours fall back to the `gif` crate's NeuQuant quantizer, frame by frame.

use std::collections::BTreeMap;
use std::time::Duration;

use goodhart_core::{Error, Result};

use super::Frame;
use super::palette;

/// How long the last frame is shown, at least (the GIF then loops).
const LAST_FRAME_HOLD: Duration = Duration::from_millis(1500);

fn centis(d: Duration) -> u16 {
    (d.as_millis() / 10).clamp(2, u16::MAX as u128) as u16
}

/// Encodes `frames` as an animated GIF that loops forever, `delay` per frame and the last
/// frame held longer (four delays, at least 1.5 s). Frames of different sizes are placed at
/// the top-left of a canvas as large as the largest.
///
/// # Errors
/// If `frames` is empty, a frame is malformed, or the canvas exceeds 65535 pixels a side.
pub fn gif(frames: &[Frame], delay: Duration) -> Result<Vec<u8>> {
    if frames.is_empty() {
        return Err(Error::invalid_value(
            "frames",
            "none",
            "at least one frame to animate",
        ));
    }
    for f in frames {
        super::png::check(f)?;
    }
    let width = frames.iter().map(|f| f.width).max().unwrap_or(1);
    let height = frames.iter().map(|f| f.height).max().unwrap_or(1);
    if width > u16::MAX as u32 || height > u16::MAX as u32 {
        return Err(Error::Limit(format!(
            "a GIF is at most 65535 pixels a side; these frames are {width}x{height}"
        )));
    }
    // Same-size canvases.
    let canvases: Vec<std::borrow::Cow<'_, Frame>> = frames
        .iter()
        .map(|f| {
            if f.width == width && f.height == height {
                std::borrow::Cow::Borrowed(f)
            } else {
                let mut c = Frame::new(width, height, palette::CAPTION_BG);
                c.blit(f, 0, 0);
                std::borrow::Cow::Owned(c)
            }
        })
        .collect();

    let (w, h) = (width as u16, height as u16);
    let step = centis(delay);
    let last = centis((delay * 4).max(LAST_FRAME_HOLD));
    let mut out = Vec::new();
    match exact_palette(&canvases) {
        Some(index) => {
            let mut flat = Vec::with_capacity(index.len() * 3);
            for c in index.keys() {
                flat.extend_from_slice(c);
            }
            let mut enc = ::gif::Encoder::new(&mut out, w, h, &flat).map_err(encoding)?;
            enc.set_repeat(::gif::Repeat::Infinite).map_err(encoding)?;
            let mut previous: Option<&Frame> = None;
            for (i, f) in canvases.iter().enumerate() {
                let (x0, y0, x1, y1) = match previous {
                    Some(p) => changed_rect(p, f).unwrap_or((0, 0, 1, 1)),
                    None => (0, 0, width, height),
                };
                let mut indices = Vec::with_capacity(((x1 - x0) * (y1 - y0)) as usize);
                let mut cache = ([0u8; 3], 0u8);
                let mut first = true;
                for y in y0..y1 {
                    let row = (y * width) as usize * 3;
                    for x in x0..x1 {
                        let p = row + x as usize * 3;
                        let c = [f.pixels[p], f.pixels[p + 1], f.pixels[p + 2]];
                        if first || c != cache.0 {
                            cache = (c, index[&c]);
                            first = false;
                        }
                        indices.push(cache.1);
                    }
                }
                let mut frame = ::gif::Frame::from_indexed_pixels(
                    (x1 - x0) as u16,
                    (y1 - y0) as u16,
                    indices,
                    None,
                );
                frame.left = x0 as u16;
                frame.top = y0 as u16;
                frame.dispose = ::gif::DisposalMethod::Keep;
                frame.delay = if i + 1 == canvases.len() { last } else { step };
                enc.write_frame(&frame).map_err(encoding)?;
                previous = Some(f);
            }
        }
        None => {
            let mut enc = ::gif::Encoder::new(&mut out, w, h, &[]).map_err(encoding)?;
            enc.set_repeat(::gif::Repeat::Infinite).map_err(encoding)?;
            for (i, f) in canvases.iter().enumerate() {
                let mut frame = ::gif::Frame::from_rgb_speed(w, h, &f.pixels, 10);
                frame.delay = if i + 1 == canvases.len() { last } else { step };
                enc.write_frame(&frame).map_err(encoding)?;
            }
        }
    }
    Ok(out)
}

fn encoding(e: ::gif::EncodingError) -> Error {
    Error::State(format!("encoding a GIF failed: {e}"))
}

/// Every colour of the frames with its palette index, or `None` past 256 colours.
fn exact_palette(frames: &[std::borrow::Cow<'_, Frame>]) -> Option<BTreeMap<[u8; 3], u8>> {
    let mut seen: BTreeMap<[u8; 3], u8> = BTreeMap::new();
    let mut last = None;
    for f in frames {
        for px in f.pixels.chunks_exact(3) {
            let c = [px[0], px[1], px[2]];
            if last == Some(c) {
                continue;
            }
            last = Some(c);
            if !seen.contains_key(&c) {
                if seen.len() == 256 {
                    return None;
                }
                seen.insert(c, 0);
            }
        }
    }
    for (i, v) in seen.values_mut().enumerate() {
        *v = i as u8;
    }
    Some(seen)
}

/// The smallest rectangle `(x0, y0, x1, y1)` (exclusive ends) outside which `a` and `b` agree,
/// or `None` if they are identical.
fn changed_rect(a: &Frame, b: &Frame) -> Option<(u32, u32, u32, u32)> {
    let w = a.width as usize * 3;
    let rows_differ = |y: usize| a.pixels[y * w..(y + 1) * w] != b.pixels[y * w..(y + 1) * w];
    let h = a.height as usize;
    let y0 = (0..h).find(|&y| rows_differ(y))?;
    let y1 = (0..h).rev().find(|&y| rows_differ(y)).map_or(h, |y| y + 1);
    let col_differs = |x: usize| {
        (y0..y1).any(|y| {
            let p = y * w + x * 3;
            a.pixels[p..p + 3] != b.pixels[p..p + 3]
        })
    };
    let wpx = a.width as usize;
    let x0 = (0..wpx).find(|&x| col_differs(x)).unwrap_or(0);
    let x1 = (0..wpx)
        .rev()
        .find(|&x| col_differs(x))
        .map_or(wpx, |x| x + 1);
    Some((x0 as u32, y0 as u32, x1 as u32, y1 as u32))
}
