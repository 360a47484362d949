/*!
Pictures of gridworld states and episodes: RGB frames, SVG, PNG and animated GIF.

A board is drawn tile by tile from [`GridScenario::render_chars`]: each character is styled by
its legend role ([`palette`]), the agent is a violet disc over whatever it stands on, and special
tiles carry their map letter in an 8x8 bitmap font. A caption strip under the board shows the
step and the running totals, `step k/n  proxy +12  true -3`, the proxy in amber and the true
score in teal. The raster ([`Frame`]) and the SVG back ends draw the same list of primitives, so
they show the same picture.

# Brief overview
* [`frame`] / [`svg()`]: one state with its caption; [`board`]: the board alone at a tile size,
  the `rgb_array` of a Gymnasium env (reshape [`Frame::pixels`] to `(height, width, 3)`).
* [`episode`]: one frame per state of a replayed episode with running totals.
* [`png()`], [`gif()`]: encoders; [`side_by_side`]: two episodes next to each other.

# Example
```
use std::time::Duration;
use goodhart_core::parse_actions;
use goodhart_grid::{catalog, render, replay};

let boat = catalog::load("boat_race", &[]).unwrap();
let (trajectory, states) = replay(&boat, 0, &parse_actions("RRDDLLUU").unwrap()).unwrap();
let frames = render::episode(&boat, &trajectory, &states, render::DEFAULT_TILE);
assert_eq!(frames.len(), 9);
let animation = render::gif(&frames, Duration::from_millis(250)).unwrap();
assert!(animation.starts_with(b"GIF89a"));
let picture = render::png(frames.last().unwrap()).unwrap();
assert!(picture.starts_with(b"\x89PNG"));
# Ok::<(), Box<dyn std::error::Error>>(())
```
*/

use goodhart_core::Trajectory;

use crate::{GridScenario, GridState};

mod gif;
pub mod palette;
mod png;
mod raster;
mod scene;
mod svg;

pub use self::gif::gif;
pub use self::png::png;
pub use self::raster::Frame;
pub use self::scene::format_score;

/// Tile size of [`frame`] and [`svg()`], in pixels.
pub const DEFAULT_TILE: u32 = 32;

/// What the caption under a board says: the step and the running totals.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Caption {
    /// Steps taken so far (0 for the initial state).
    pub step: usize,
    /// Steps in the episode (`n` of `step k/n`). The caption's layout depends on it, so give
    /// every frame of an episode the same value to get frames of the same size.
    pub steps: usize,
    /// Proxy return so far.
    pub proxy: f64,
    /// True return so far.
    pub true_return: f64,
}

impl Caption {
    /// A caption for step `step` of `steps` with running totals `proxy` and `true_return`.
    pub fn new(step: usize, steps: usize, proxy: f64, true_return: f64) -> Self {
        Caption {
            step,
            steps,
            proxy,
            true_return,
        }
    }

    /// The captions of every state of `trajectory`: step 0 with zero totals, then the running
    /// totals after each step.
    pub fn for_episode(trajectory: &Trajectory) -> Vec<Caption> {
        let n = trajectory.len();
        let mut out = Vec::with_capacity(n + 1);
        out.push(Caption::new(0, n, 0.0, 0.0));
        let (mut proxy, mut truth) = (0.0, 0.0);
        for (k, s) in trajectory.steps.iter().enumerate() {
            proxy += s.proxy_reward;
            truth += s.true_reward;
            out.push(Caption::new(k + 1, n, proxy, truth));
        }
        out
    }
}

/// The board character under the agent in `state` (what it stands on; the floor character
/// when nothing is): for text renderers that draw the agent on its own.
pub fn under_agent(scenario: &GridScenario, state: &GridState) -> u8 {
    scene::under_agent(scenario, state)
}

/// `state` as an RGB frame at [`DEFAULT_TILE`], with `caption` under the board.
pub fn frame(scenario: &GridScenario, state: &GridState, caption: &Caption) -> Frame {
    draw(scenario, state, Some(caption), DEFAULT_TILE)
}

/// The board of `state` alone, `tile` pixels per cell (at least 4): `rows * tile` by
/// `cols * tile` pixels. This is the `rgb_array` render of an env.
pub fn board(scenario: &GridScenario, state: &GridState, tile: u32) -> Frame {
    draw(scenario, state, None, tile)
}

/// `state` as an RGB frame, `tile` pixels per cell, with `caption` under the board if given.
/// When the caption is wider than the board, the board is centred over it.
pub fn draw(
    scenario: &GridScenario,
    state: &GridState,
    caption: Option<&Caption>,
    tile: u32,
) -> Frame {
    raster::rasterize(&scene::scene(scenario, state, caption, tile))
}

/// `state` as a standalone SVG document at [`DEFAULT_TILE`], with `caption` under the board:
/// the picture of [`frame`] as vector shapes. Board cells are `<rect class="cell">`.
pub fn svg(scenario: &GridScenario, state: &GridState, caption: &Caption) -> String {
    draw_svg(scenario, state, Some(caption), DEFAULT_TILE)
}

/// `state` as SVG, `tile` units per cell, with `caption` under the board if given.
pub fn draw_svg(
    scenario: &GridScenario,
    state: &GridState,
    caption: Option<&Caption>,
    tile: u32,
) -> String {
    svg::to_svg(&scene::scene(scenario, state, caption, tile))
}

/// One frame per state of a replayed episode (`states` as [`crate::replay`] returns them:
/// the initial state, then one per step), captioned with the running totals.
pub fn episode(
    scenario: &GridScenario,
    trajectory: &Trajectory,
    states: &[GridState],
    tile: u32,
) -> Vec<Frame> {
    states
        .iter()
        .zip(Caption::for_episode(trajectory))
        .map(|(s, c)| draw(scenario, s, Some(&c), tile))
        .collect()
}

/// Two episodes next to each other, each under its title (say, a gaming trajectory beside the
/// true-optimal one). The shorter episode holds its last frame until the longer one ends; an
/// empty side stays blank.
pub fn side_by_side(a: &[Frame], b: &[Frame], titles: [&str; 2]) -> Vec<Frame> {
    const SCALE: u32 = 2;
    const PAD: u32 = 8;
    const GAP: u32 = 12;
    let n = a.len().max(b.len());
    if n == 0 {
        return Vec::new();
    }
    let size = |fs: &[Frame]| {
        (
            fs.iter().map(|f| f.width).max().unwrap_or(0),
            fs.iter().map(|f| f.height).max().unwrap_or(0),
        )
    };
    let ((wa, ha), (wb, hb)) = (size(a), size(b));
    let title_w = |t: &str| t.chars().count() as u32 * 8 * SCALE + 2 * PAD;
    let col_a = wa.max(title_w(titles[0]));
    let col_b = wb.max(title_w(titles[1]));
    let title_h = 8 * SCALE + 2 * PAD;
    let width = col_a + GAP + col_b;
    let height = title_h + ha.max(hb);
    let mut base = Frame::new(width, height, palette::CAPTION_BG);
    for (title, col, x0) in [(titles[0], col_a, 0), (titles[1], col_b, col_a + GAP)] {
        let tw = title.chars().count() as u32 * 8 * SCALE;
        base.draw_text(
            (x0 + (col - tw.min(col)) / 2) as f32,
            PAD as f32,
            title,
            SCALE,
            palette::TITLE,
        );
    }
    (0..n)
        .map(|i| {
            let mut f = base.clone();
            for (fs, col, x0) in [(a, col_a, 0), (b, col_b, col_a + GAP)] {
                if let Some(p) = fs.get(i).or(fs.last()) {
                    f.blit(p, x0 + (col - p.width) / 2, title_h);
                }
            }
            f
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;
    use std::time::Duration;

    use goodhart_core::parse_actions;

    use super::*;
    use crate::{catalog, replay};

    fn boat() -> std::sync::Arc<GridScenario> {
        catalog::load("boat_race", &[]).unwrap()
    }

    #[test]
    fn board_size_is_rows_and_cols_times_tile() {
        let s = boat();
        let (_, states) = replay(&s, 0, &[]).unwrap();
        let f = board(&s, &states[0], 24);
        assert_eq!((f.width, f.height), (5 * 24, 5 * 24));
        assert_eq!(f.pixels.len(), 5 * 24 * 5 * 24 * 3);
        assert_eq!(f.shape(), (120, 120, 3));
        // A caption adds a strip under the board and never narrows it.
        let c = frame(&s, &states[0], &Caption::new(0, 100, 0.0, 0.0));
        assert!(c.width >= 5 * DEFAULT_TILE && c.height > 5 * DEFAULT_TILE);
    }

    #[test]
    fn agent_cell_centre_is_the_agent_colour_and_walls_are_dark() {
        let s = boat();
        let (_, states) = replay(&s, 0, &[]).unwrap();
        let t = 32;
        let f = board(&s, &states[0], t);
        let (r, c) = s.world.row_col(states[0].agent);
        let (cx, cy) = (c as u32 * t + t / 2, r as u32 * t + t / 2);
        assert_eq!(f.pixel(cx, cy), palette::AGENT);
        // Cell (0, 0) is a wall; (1, 2) is an arrow tile.
        assert_eq!(f.pixel(1, 1), palette::WALL);
        assert_ne!(f.pixel(2 * t + 1, t + 1), palette::WALL);
        // Every frame of an episode has the same size.
        let (traj, states) = replay(&s, 0, &parse_actions("RRDDLLUU").unwrap()).unwrap();
        let frames = episode(&s, &traj, &states, t);
        assert!(
            frames
                .iter()
                .all(|f| (f.width, f.height) == (frames[0].width, frames[0].height))
        );
    }

    #[test]
    fn png_decodes_to_the_same_pixels() {
        let s = boat();
        let (_, states) = replay(&s, 0, &parse_actions("RR").unwrap()).unwrap();
        let f = frame(&s, &states[2], &Caption::new(2, 2, 4.0, 2.0));
        let bytes = png(&f).unwrap();
        let decoder = ::png::Decoder::new(Cursor::new(bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (f.width, f.height));
        assert_eq!(info.color_type, ::png::ColorType::Rgb);
        assert_eq!(&buf[..info.buffer_size()], &f.pixels[..]);
    }

    #[test]
    fn gif_decodes_with_one_frame_per_state_and_loops() {
        let s = boat();
        let (traj, states) = replay(&s, 0, &parse_actions("RRDDLLUU").unwrap()).unwrap();
        let frames = episode(&s, &traj, &states, 24);
        let bytes = gif(&frames, Duration::from_millis(200)).unwrap();
        let mut opts = ::gif::DecodeOptions::new();
        opts.set_color_output(::gif::ColorOutput::RGBA);
        let mut decoder = opts.read_info(Cursor::new(&bytes)).unwrap();
        assert_eq!(u32::from(decoder.width()), frames[0].width);
        assert_eq!(u32::from(decoder.height()), frames[0].height);
        let mut delays = Vec::new();
        // Composite the (cropped) frames and compare with the originals.
        let (w, h) = (frames[0].width as usize, frames[0].height as usize);
        let mut canvas = vec![0u8; w * h * 3];
        while let Some(g) = decoder.read_next_frame().unwrap() {
            delays.push(g.delay);
            for y in 0..g.height as usize {
                for x in 0..g.width as usize {
                    let src = (y * g.width as usize + x) * 4;
                    let dst = ((y + g.top as usize) * w + x + g.left as usize) * 3;
                    canvas[dst..dst + 3].copy_from_slice(&g.buffer[src..src + 3]);
                }
            }
            assert_eq!(
                canvas,
                frames[delays.len() - 1].pixels,
                "frame {}",
                delays.len() - 1
            );
        }
        assert_eq!(delays.len(), 9);
        assert_eq!(delays[0], 20);
        assert!(delays[8] >= 150, "the last frame is held longer");
        assert_eq!(decoder.repeat(), ::gif::Repeat::Infinite);
    }

    #[test]
    fn svg_has_one_cell_rect_per_cell() {
        let s = catalog::load("side_effects_sokoban", &[]).unwrap();
        let (_, states) = replay(&s, 0, &[]).unwrap();
        let doc = svg(&s, &states[0], &Caption::new(0, 10, 0.0, 0.0));
        assert!(doc.starts_with("<svg"));
        assert_eq!(
            doc.matches(r#"<rect class="cell""#).count(),
            s.world.cells()
        );
        assert!(doc.contains(">proxy +0</text>") || doc.contains(">proxy</text>"));
        assert!(doc.trim_end().ends_with("</svg>"));
    }

    #[test]
    fn side_by_side_pads_the_shorter_episode() {
        let a = vec![Frame::new(10, 10, [255, 0, 0]); 3];
        let b = vec![Frame::new(12, 8, [0, 0, 255]); 1];
        let out = side_by_side(&a, &b, ["gaming", "intended"]);
        assert_eq!(out.len(), 3);
        assert!(
            out.iter()
                .all(|f| f.width == out[0].width && f.height == out[0].height)
        );
        // The second panel still shows its last frame.
        let last = &out[2];
        let has_blue = last.pixels.chunks_exact(3).any(|p| p == [0, 0, 255]);
        assert!(has_blue);
    }

    #[test]
    fn scores_print_with_a_sign_and_few_decimals() {
        assert_eq!(format_score(12.0), "+12");
        assert_eq!(format_score(-3.0), "-3");
        assert_eq!(format_score(0.0), "+0");
        assert_eq!(format_score(2.5), "+2.5");
    }
}
