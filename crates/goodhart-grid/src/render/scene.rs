//! A picture as a list of drawing primitives. The raster and SVG back ends both draw the same
//! list, so a PNG and an SVG of one state show the same picture.

use super::Caption;
use super::palette::{self, Dir, Glyph, Rgb, Shape};
use crate::{GridScenario, GridState};

/// Where a text's `x` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Anchor {
    /// `x` is the left edge.
    Start,
    /// `x` is the centre.
    Middle,
}

/// One drawing primitive, in pixels.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Prim {
    /// An axis-aligned rectangle; `cell` marks the background of a board cell.
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Rgb,
        cell: bool,
    },
    /// A disc.
    Circle { cx: f32, cy: f32, r: f32, fill: Rgb },
    /// A closed polygon.
    Polygon { points: Vec<(f32, f32)>, fill: Rgb },
    /// Text in the 8x8 bitmap font scaled by `scale`; `y` is the top of the glyph cells.
    Text {
        x: f32,
        y: f32,
        scale: u32,
        text: String,
        fill: Rgb,
        anchor: Anchor,
    },
}

/// A picture: size, background and primitives in drawing order.
#[derive(Debug, Clone)]
pub(crate) struct Scene {
    pub width: u32,
    pub height: u32,
    pub background: Rgb,
    pub prims: Vec<Prim>,
}

/// Bitmap-font scale for a tile size: letters 16 px high on tiles of 20 px and more.
pub(crate) fn text_scale(tile: u32) -> u32 {
    if tile >= 20 { 2 } else { 1 }
}

/// Characters reserved for a score in the caption (`+12345`, `-99.5`).
const SCORE_CHARS: usize = 6;

/// How the caption strip is laid out: fixed for an episode (it depends on the episode length,
/// never on the scores), so every frame of an episode has the same size.
#[derive(Debug, Clone, Copy)]
struct CaptionLayout {
    scale: u32,
    pad: u32,
    line_h: u32,
    /// One line (`step k/n  proxy +1  true -3`) or three stacked lines.
    one_line: bool,
    /// Width of the `step` field in characters (`step 100/100`).
    step_chars: usize,
    width: u32,
    height: u32,
}

impl CaptionLayout {
    fn new(steps: usize, tile: u32, board_w: u32) -> Self {
        let scale = text_scale(tile);
        let cw = 8 * scale as usize;
        let pad = 4 + 2 * scale;
        let line_h = 8 * scale + 3 * scale + 2;
        let digits = steps.max(1).to_string().len();
        let step_chars = "step ".len() + 2 * digits + 1;
        let one_line_chars =
            step_chars + 2 + "proxy ".len() + SCORE_CHARS + 2 + "true ".len() + SCORE_CHARS;
        let one_line_w = (one_line_chars * cw) as u32 + 2 * pad;
        let stacked_chars = "proxy ".len() + (2 * digits + 1).max(SCORE_CHARS);
        let stacked_w = (stacked_chars * cw) as u32 + 2 * pad;
        let one_line = one_line_w <= board_w;
        let lines = if one_line { 1 } else { 3 };
        CaptionLayout {
            scale,
            pad,
            line_h,
            one_line,
            step_chars,
            width: if one_line { one_line_w } else { stacked_w },
            height: 2 * pad + lines * line_h - 3 * scale,
        }
    }
}

/// Sizes and positions of a frame's parts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Layout {
    pub tile: u32,
    pub board_x: u32,
    pub board_y: u32,
    pub width: u32,
    pub height: u32,
    caption: Option<(CaptionLayout, u32)>,
}

impl Layout {
    pub fn new(scenario: &GridScenario, caption: Option<&Caption>, tile: u32) -> Self {
        let tile = tile.max(4);
        let board_w = scenario.world.cols as u32 * tile;
        let board_h = scenario.world.rows as u32 * tile;
        let cap = caption.map(|c| CaptionLayout::new(c.steps, tile, board_w));
        let width = board_w.max(cap.map_or(0, |c| c.width));
        let height = board_h + cap.map_or(0, |c| c.height);
        Layout {
            tile,
            board_x: (width - board_w) / 2,
            board_y: 0,
            width,
            height,
            caption: cap.map(|c| (c, board_h)),
        }
    }
}

/// A score as the caption shows it: a sign, and decimals only when needed.
pub fn format_score(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{:+}", v.round() as i64)
    } else {
        let s = format!("{v:+.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// The character under the agent: the board drawn with the agent moved onto a wall (a cell no
/// mechanic paints anything else on), read at the agent's cell.
pub(crate) fn under_agent(scenario: &GridScenario, state: &GridState) -> u8 {
    let level = scenario.world.level(state.level);
    let agent = state.agent as usize;
    let agent_char = scenario
        .legend
        .iter()
        .find(|(_, r)| r.as_str() == "agent")
        .map(|(c, _)| *c);
    match level.wall.iter().position(|&w| w) {
        Some(wall) if wall != agent && agent < level.wall.len() => {
            let mut moved = *state;
            moved.agent = wall as u16;
            let mut other = vec![0u8; scenario.world.cells()];
            scenario.render_chars(&moved, &mut other);
            match other[agent] {
                c if Some(c) == agent_char => scenario.world.floor,
                c => c,
            }
        }
        _ => scenario.world.floor,
    }
}

fn darker(c: Rgb, f: f32) -> Rgb {
    [
        (c[0] as f32 * f) as u8,
        (c[1] as f32 * f) as u8,
        (c[2] as f32 * f) as u8,
    ]
}

fn arrow_points(x: f32, y: f32, t: f32, dir: Dir) -> Vec<(f32, f32)> {
    // A triangle in a unit tile pointing up, rotated.
    let up = [(0.5, 0.2), (0.82, 0.74), (0.18, 0.74)];
    up.iter()
        .map(|&(u, v)| {
            let (u, v) = match dir {
                Dir::Up => (u, v),
                Dir::Down => (u, 1.0 - v),
                Dir::Left => (v, u),
                Dir::Right => (1.0 - v, u),
            };
            (x + u * t, y + v * t)
        })
        .collect()
}

fn push_shape(prims: &mut Vec<Prim>, shape: Shape, x: f32, y: f32, t: f32) {
    match shape {
        Shape::None => {}
        Shape::Circle { color, radius } => prims.push(Prim::Circle {
            cx: x + t / 2.0,
            cy: y + t / 2.0,
            r: radius * t,
            fill: color,
        }),
        Shape::Square { color, inset } => {
            let i = (inset * t).round();
            let b = (t / 14.0).round().max(1.0);
            prims.push(Prim::Rect {
                x: x + i,
                y: y + i,
                w: t - 2.0 * i,
                h: t - 2.0 * i,
                fill: darker(color, 0.62),
                cell: false,
            });
            prims.push(Prim::Rect {
                x: x + i + b,
                y: y + i + b,
                w: t - 2.0 * (i + b),
                h: t - 2.0 * (i + b),
                fill: color,
                cell: false,
            });
        }
        Shape::Diamond { color } => {
            let (cx, cy, r) = (x + t / 2.0, y + t / 2.0, 0.34 * t);
            prims.push(Prim::Polygon {
                points: vec![(cx, cy - r), (cx + r, cy), (cx, cy + r), (cx - r, cy)],
                fill: color,
            });
        }
        Shape::Arrow { color, dir } => prims.push(Prim::Polygon {
            points: arrow_points(x, y, t, dir),
            fill: color,
        }),
    }
}

fn glyph_text(c: u8) -> String {
    if c.is_ascii_graphic() {
        (c as char).to_string()
    } else {
        "?".to_string()
    }
}

/// The primitives of the board of `state`, with its top-left corner at (`ox`, `oy`).
pub(crate) fn board_prims(
    scenario: &GridScenario,
    state: &GridState,
    ox: f32,
    oy: f32,
    tile: u32,
    prims: &mut Vec<Prim>,
) {
    let (rows, cols) = (scenario.world.rows, scenario.world.cols);
    let mut board = vec![0u8; rows * cols];
    scenario.render_chars(state, &mut board);
    let agent = state.agent as usize;
    let agent_char = scenario
        .legend
        .iter()
        .find(|(_, r)| r.as_str() == "agent")
        .map(|(c, _)| *c);
    let t = tile as f32;
    let scale = text_scale(tile);
    for (i, &c) in board.iter().enumerate() {
        let (r, col) = (i / cols, i % cols);
        let (x, y) = (ox + col as f32 * t, oy + r as f32 * t);
        let shown = if i == agent {
            under_agent(scenario, state)
        } else {
            c
        };
        let style = palette::tile_style(&scenario.legend, shown);
        prims.push(Prim::Rect {
            x,
            y,
            w: t,
            h: t,
            fill: style.background,
            cell: true,
        });
        if i == agent {
            // The agent's disc covers the tile; only its background shows around it.
            continue;
        }
        push_shape(prims, style.shape, x, y, t);
        // Letters need room: tiles under 12 pixels show colours only.
        if style.glyph == Glyph::MapChar && shown != b' ' && tile >= 12 {
            prims.push(Prim::Text {
                x: x + t / 2.0,
                y: y + (t - 8.0 * scale as f32) / 2.0 + scale as f32 * 0.5,
                scale,
                text: glyph_text(shown),
                fill: style.glyph_color(),
                anchor: Anchor::Middle,
            });
        }
    }
    // The agent: a disc with a white outline over whatever it stands on.
    if agent < board.len() {
        let (r, col) = (agent / cols, agent % cols);
        let (cx, cy) = (ox + col as f32 * t + t / 2.0, oy + r as f32 * t + t / 2.0);
        let radius = 0.36 * t;
        // Small tiles (an agent's `rgb_array`) get no outline: the disc stays visible.
        let ring = if t >= 12.0 { (t / 14.0).max(1.5) } else { 0.0 };
        if ring > 0.0 {
            prims.push(Prim::Circle {
                cx,
                cy,
                r: radius,
                fill: palette::AGENT_RING,
            });
        }
        prims.push(Prim::Circle {
            cx,
            cy,
            r: radius - ring,
            fill: palette::AGENT,
        });
        // A mechanic may draw the agent with another character (a changed agent): show it.
        let c = board[agent];
        if Some(c) != agent_char && c.is_ascii_graphic() {
            prims.push(Prim::Text {
                x: cx,
                y: cy - 4.0 * scale as f32 + scale as f32 * 0.5,
                scale,
                text: glyph_text(c),
                fill: palette::AGENT_RING,
                anchor: Anchor::Middle,
            });
        }
    }
}

fn caption_prims(caption: &Caption, cl: &CaptionLayout, x0: f32, y0: f32, prims: &mut Vec<Prim>) {
    let cw = 8.0 * cl.scale as f32;
    let mut text = |x: f32, y: f32, s: String, fill: Rgb| {
        prims.push(Prim::Text {
            x,
            y,
            scale: cl.scale,
            text: s,
            fill,
            anchor: Anchor::Start,
        })
    };
    let step = format!("{}/{}", caption.step, caption.steps);
    let proxy = format_score(caption.proxy);
    let truth = format_score(caption.true_return);
    let left = x0 + cl.pad as f32;
    let top = y0 + cl.pad as f32;
    if cl.one_line {
        let proxy_x = left + (cl.step_chars + 2) as f32 * cw;
        let true_x = proxy_x + ("proxy ".len() + SCORE_CHARS + 2) as f32 * cw;
        text(left, top, "step".into(), palette::CAPTION_LABEL);
        text(left + 5.0 * cw, top, step, palette::CAPTION_TEXT);
        text(proxy_x, top, format!("proxy {proxy}"), palette::PROXY);
        text(true_x, top, format!("true {truth}"), palette::TRUE);
    } else {
        let lh = cl.line_h as f32;
        let vx = left + 6.0 * cw;
        text(left, top, "step".into(), palette::CAPTION_LABEL);
        text(vx, top, step, palette::CAPTION_TEXT);
        text(left, top + lh, "proxy".into(), palette::PROXY);
        text(vx, top + lh, proxy, palette::PROXY);
        text(left, top + 2.0 * lh, "true".into(), palette::TRUE);
        text(vx, top + 2.0 * lh, truth, palette::TRUE);
    }
}

/// The scene of one state: the board, and the caption strip under it when `caption` is given.
pub(crate) fn scene(
    scenario: &GridScenario,
    state: &GridState,
    caption: Option<&Caption>,
    tile: u32,
) -> Scene {
    let layout = Layout::new(scenario, caption, tile);
    let mut prims = Vec::with_capacity(scenario.world.cells() * 2 + 8);
    board_prims(
        scenario,
        state,
        layout.board_x as f32,
        layout.board_y as f32,
        layout.tile,
        &mut prims,
    );
    if let (Some(c), Some((cl, y))) = (caption, layout.caption) {
        let x = (layout.width - cl.width) as f32 / 2.0;
        caption_prims(c, &cl, x.floor(), y as f32, &mut prims);
    }
    Scene {
        width: layout.width,
        height: layout.height,
        background: palette::CAPTION_BG,
        prims,
    }
}
