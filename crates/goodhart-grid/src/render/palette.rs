//! Colours and tile styles: what each board character looks like.
//!
//! A character is styled by its legend role (`wall`, `lava`, `arrow_up`, ...). Roles this module
//! does not know get a stable colour derived from the role's name, and characters that are not
//! in the legend at all (repaints such as a broken vase `:`) a neutral tile with the character
//! drawn on it, so every board renders and nothing is silently invisible.

use std::collections::BTreeMap;

/// An RGB colour.
pub type Rgb = [u8; 3];

/// Background of the caption strip, titles and margins.
pub const CAPTION_BG: Rgb = [24, 27, 34];
/// Labels in the caption ("step", "proxy", "true").
pub const CAPTION_LABEL: Rgb = [148, 156, 172];
/// The step counter in the caption.
pub const CAPTION_TEXT: Rgb = [236, 239, 244];
/// Proxy scores: what the agent is rewarded by.
pub const PROXY: Rgb = [251, 191, 36];
/// True scores: what we meant.
pub const TRUE: Rgb = [45, 212, 191];
/// Titles above side-by-side panels.
pub const TITLE: Rgb = [236, 239, 244];

/// Walls.
pub const WALL: Rgb = [52, 58, 72];
/// Floor.
pub const FLOOR: Rgb = [238, 236, 228];
/// Characters that are not in the legend.
pub const NEUTRAL: Rgb = [206, 198, 184];
/// The agent's body.
pub const AGENT: Rgb = [124, 58, 237];
/// The agent's outline.
pub const AGENT_RING: Rgb = [255, 255, 255];

/// A direction, for arrow shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// Pointing up.
    Up,
    /// Pointing down.
    Down,
    /// Pointing left.
    Left,
    /// Pointing right.
    Right,
}

/// What is drawn on top of a tile's background.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shape {
    /// Nothing.
    None,
    /// A disc of `radius` (a fraction of the tile size).
    Circle {
        /// Fill.
        color: Rgb,
        /// Radius as a fraction of the tile size.
        radius: f32,
    },
    /// A square inset by `inset` (a fraction of the tile size) with a darker border.
    Square {
        /// Fill.
        color: Rgb,
        /// Inset on each side as a fraction of the tile size.
        inset: f32,
    },
    /// A diamond (a square on its corner).
    Diamond {
        /// Fill.
        color: Rgb,
    },
    /// A triangle pointing in a direction.
    Arrow {
        /// Fill.
        color: Rgb,
        /// Where it points.
        dir: Dir,
    },
}

/// Which letter, if any, is drawn on a tile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Glyph {
    /// None.
    None,
    /// The board character itself (as `goodhart show` prints it).
    MapChar,
}

/// How one board character is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TileStyle {
    /// The tile's fill.
    pub background: Rgb,
    /// A shape on top.
    pub shape: Shape,
    /// A letter on top.
    pub glyph: Glyph,
}

impl TileStyle {
    const fn plain(background: Rgb) -> Self {
        TileStyle {
            background,
            shape: Shape::None,
            glyph: Glyph::None,
        }
    }

    const fn lettered(background: Rgb) -> Self {
        TileStyle {
            background,
            shape: Shape::None,
            glyph: Glyph::MapChar,
        }
    }

    const fn shaped(background: Rgb, shape: Shape, glyph: Glyph) -> Self {
        TileStyle {
            background,
            shape,
            glyph,
        }
    }

    /// The colour letters on this tile are drawn in: black or white, whichever contrasts more
    /// with the background.
    pub fn glyph_color(&self) -> Rgb {
        contrast(self.background)
    }
}

/// Black or white, whichever reads better on `bg`.
pub fn contrast(bg: Rgb) -> Rgb {
    if luminance(bg) > 0.45 {
        [24, 24, 27]
    } else {
        [250, 250, 250]
    }
}

/// Relative luminance in 0..=1 (sRGB approximated by a square).
pub fn luminance(c: Rgb) -> f32 {
    let f = |x: u8| (x as f32 / 255.0).powi(2);
    0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2])
}

fn direction(role: &str) -> Option<Dir> {
    if role.ends_with("_up") || role.ends_with("_north") {
        Some(Dir::Up)
    } else if role.ends_with("_down") || role.ends_with("_south") {
        Some(Dir::Down)
    } else if role.ends_with("_left") || role.ends_with("_west") {
        Some(Dir::Left)
    } else if role.ends_with("_right") || role.ends_with("_east") {
        Some(Dir::Right)
    } else {
        None
    }
}

/// The style of a legend role; `None` for roles this palette has no entry for.
pub fn role_style(role: &str) -> Option<TileStyle> {
    let base = role.split('_').next().unwrap_or(role);
    let style = match role {
        "wall" => TileStyle::plain(WALL),
        "floor" | "start" => TileStyle::plain(FLOOR),
        // The agent is drawn as a disc over what it stands on; its own cell looks like floor.
        "agent" => TileStyle::plain(FLOOR),
        "goal" => TileStyle::lettered([74, 200, 110]),
        "lava" => TileStyle::lettered([226, 78, 27]),
        "water" => TileStyle::lettered([59, 130, 216]),
        "box" => TileStyle::shaped(
            FLOOR,
            Shape::Square {
                color: [196, 140, 78],
                inset: 0.12,
            },
            Glyph::None,
        ),
        "coin" => TileStyle::shaped(
            FLOOR,
            Shape::Circle {
                color: [234, 179, 8],
                radius: 0.26,
            },
            Glyph::None,
        ),
        "supervisor" => TileStyle::lettered([220, 38, 38]),
        "punishment" => TileStyle::lettered([251, 165, 110]),
        "interruption" => TileStyle::lettered([250, 204, 21]),
        "button" => TileStyle::shaped(
            [203, 213, 225],
            Shape::Circle {
                color: [220, 38, 38],
                radius: 0.24,
            },
            Glyph::None,
        ),
        "whisky" => TileStyle::lettered([180, 83, 9]),
        // A forum (moderation): its two groups, a member who left, posts kept or removed.
        "group_a" => TileStyle::lettered([147, 197, 253]),
        "group_b" => TileStyle::lettered([253, 186, 116]),
        "left" => TileStyle::lettered([214, 211, 201]),
        "post_low" => TileStyle::lettered([187, 247, 208]),
        "post_high" => TileStyle::lettered([253, 224, 71]),
        "removed" => TileStyle::lettered([220, 38, 38]),
        "friend" => TileStyle::lettered([134, 224, 160]),
        "neutral" => TileStyle::lettered([203, 213, 225]),
        "adversary" | "foe" => TileStyle::lettered([248, 150, 150]),
        "rock" => TileStyle::shaped(
            FLOOR,
            Shape::Square {
                color: [120, 113, 108],
                inset: 0.1,
            },
            Glyph::None,
        ),
        "diamond" => TileStyle::shaped(
            FLOOR,
            Shape::Diamond {
                color: [34, 190, 230],
            },
            Glyph::None,
        ),
        "vase" => TileStyle::shaped(
            FLOOR,
            Shape::Diamond {
                color: [219, 39, 119],
            },
            Glyph::None,
        ),
        _ => match base {
            "arrow" | "checkpoint" => match direction(role) {
                Some(dir) => TileStyle::shaped(
                    [191, 226, 250],
                    Shape::Arrow {
                        color: [3, 105, 161],
                        dir,
                    },
                    Glyph::None,
                ),
                None => TileStyle::lettered([191, 226, 250]),
            },
            "belt" | "conveyor" => match direction(role) {
                Some(dir) => TileStyle::shaped(
                    [148, 163, 184],
                    Shape::Arrow {
                        color: [51, 65, 85],
                        dir,
                    },
                    Glyph::None,
                ),
                None => TileStyle::lettered([148, 163, 184]),
            },
            "tomato" => TileStyle::shaped(
                [187, 235, 190],
                Shape::Circle {
                    color: if role.contains("dry") || role.contains("unwatered") {
                        [161, 98, 7]
                    } else {
                        [220, 38, 38]
                    },
                    radius: 0.28,
                },
                Glyph::None,
            ),
            "switch" | "lever" => TileStyle::lettered([196, 181, 253]),
            "button" => TileStyle::shaped(
                [203, 213, 225],
                Shape::Circle {
                    color: [220, 38, 38],
                    radius: 0.24,
                },
                Glyph::None,
            ),
            "goal" => TileStyle::lettered([74, 200, 110]),
            "box" => TileStyle::shaped(
                FLOOR,
                Shape::Square {
                    color: [196, 140, 78],
                    inset: 0.12,
                },
                Glyph::None,
            ),
            "wall" => TileStyle::plain(WALL),
            "floor" => TileStyle::plain(FLOOR),
            _ => return None,
        },
    };
    Some(style)
}

/// A stable, mid-saturation colour for a role the palette does not know, derived from its name
/// (the same role gets the same colour in every scenario and run).
pub fn hashed_color(role: &str) -> Rgb {
    // FNV-1a: stable across platforms and Rust versions.
    let mut h: u32 = 0x811c_9dc5;
    for b in role.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    hsl((h % 360) as f32, 0.55, 0.68)
}

fn hsl(h: f32, s: f32, l: f32) -> Rgb {
    let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
    let hp = h / 60.0;
    let x = c * (1.0 - (hp % 2.0 - 1.0).abs());
    let (r, g, b) = match hp as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = l - c / 2.0;
    let to = |v: f32| ((v + m) * 255.0).round().clamp(0.0, 255.0) as u8;
    [to(r), to(g), to(b)]
}

/// The style of board character `c` under `legend`.
///
/// Order: the legend role's palette entry; for a role with no entry, a colour hashed from its
/// name with the character drawn on it; for a letter missing from the legend whose other case is
/// in it (a repaint such as `t` for a `T` tomato), that role's colour with the letter drawn on
/// it; otherwise a neutral tile with the character drawn on it.
pub fn tile_style(legend: &BTreeMap<u8, String>, c: u8) -> TileStyle {
    if let Some(role) = legend.get(&c) {
        return role_style(role).unwrap_or_else(|| TileStyle::lettered(hashed_color(role)));
    }
    let other = if c.is_ascii_lowercase() {
        c.to_ascii_uppercase()
    } else {
        c.to_ascii_lowercase()
    };
    if other != c
        && let Some(role) = legend.get(&other)
        && role != "agent"
        && role != "wall"
        && role != "floor"
    {
        let base = role_style(role).unwrap_or_else(|| TileStyle::lettered(hashed_color(role)));
        return TileStyle {
            glyph: Glyph::MapChar,
            ..base
        };
    }
    if c == b' ' {
        return TileStyle::plain(FLOOR);
    }
    TileStyle::lettered(NEUTRAL)
}

/// Terminal-friendly colours for `goodhart play` and other text renderers: the tile's
/// background, the foreground colour and the ASCII character to show on it (`' '` for none).
pub fn cell_colors(legend: &BTreeMap<u8, String>, c: u8) -> (Rgb, Rgb, char) {
    let style = tile_style(legend, c);
    let (bg, mark) = match style.shape {
        Shape::None => (style.background, None),
        Shape::Circle { color, .. } => (style.background, Some((color, 'o'))),
        Shape::Square { color, .. } => (color, None),
        Shape::Diamond { color } => (style.background, Some((color, '*'))),
        Shape::Arrow { color, dir } => (
            style.background,
            Some((
                color,
                match dir {
                    Dir::Up => '^',
                    Dir::Down => 'v',
                    Dir::Left => '<',
                    Dir::Right => '>',
                },
            )),
        ),
    };
    match (style.glyph, mark) {
        (Glyph::MapChar, _) => (bg, contrast(bg), c as char),
        (Glyph::None, Some((fg, ch))) => (bg, fg, ch),
        (Glyph::None, None) => {
            if matches!(style.shape, Shape::Square { .. }) {
                (bg, contrast(bg), c as char)
            } else {
                (bg, contrast(bg), ' ')
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_unknown_and_repainted_characters() {
        let legend: BTreeMap<u8, String> = [
            (b'#', "wall"),
            (b' ', "floor"),
            (b'T', "tomato"),
            (b'Q', "quicksand"),
        ]
        .into_iter()
        .map(|(c, r)| (c, r.to_string()))
        .collect();
        assert_eq!(tile_style(&legend, b'#').background, WALL);
        // An unknown role gets a stable hashed colour and its letter.
        let q = tile_style(&legend, b'Q');
        assert_eq!(q.background, hashed_color("quicksand"));
        assert_eq!(q.glyph, Glyph::MapChar);
        // A repaint in the other case borrows the role's colours.
        let t = tile_style(&legend, b't');
        assert_eq!(t.background, tile_style(&legend, b'T').background);
        assert_eq!(t.glyph, Glyph::MapChar);
        // Anything else is neutral, with its character shown.
        let colon = tile_style(&legend, b':');
        assert_eq!(colon.background, NEUTRAL);
        assert_eq!(colon.glyph, Glyph::MapChar);
    }

    #[test]
    fn glyphs_contrast_with_their_tile() {
        assert_eq!(contrast(WALL), [250, 250, 250]);
        assert_eq!(contrast(FLOOR), [24, 24, 27]);
    }
}
