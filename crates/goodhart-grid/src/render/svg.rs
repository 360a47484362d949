//! The SVG back end: a [`Scene`] as `<rect>`, `<circle>`, `<polygon>` and `<text>` elements.
//!
//! Board cells are `<rect class="cell">`, one per cell, in row-major order.

use std::fmt::Write;

use super::palette::Rgb;
use super::scene::{Anchor, Prim, Scene};

fn hex(c: Rgb) -> String {
    format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2])
}

/// Numbers without needless decimals.
fn num(v: f32) -> String {
    let r = (v * 100.0).round() / 100.0;
    if r == r.trunc() {
        format!("{}", r as i64)
    } else {
        format!("{r}")
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

/// Writes a scene as a standalone SVG document.
pub(crate) fn to_svg(scene: &Scene) -> String {
    let mut s = String::with_capacity(64 * scene.prims.len() + 512);
    let (w, h) = (scene.width, scene.height);
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" shape-rendering="crispEdges">"#
    );
    let _ = writeln!(
        s,
        "<style>text {{ font-family: 'DejaVu Sans Mono', Menlo, Consolas, monospace; font-weight: bold; }}</style>"
    );
    let _ = writeln!(
        s,
        r#"<rect class="background" x="0" y="0" width="{w}" height="{h}" fill="{}"/>"#,
        hex(scene.background)
    );
    for p in &scene.prims {
        match p {
            Prim::Rect {
                x,
                y,
                w,
                h,
                fill,
                cell,
            } => {
                // Cells get a hairline outline in their own colour, so renderers that
                // anti-alias edges show no seams between neighbours.
                let (class, stroke) = if *cell {
                    (
                        r#" class="cell""#,
                        format!(r#" stroke="{}" stroke-width="0.5""#, hex(*fill)),
                    )
                } else {
                    ("", String::new())
                };
                let _ = writeln!(
                    s,
                    r#"<rect{class} x="{}" y="{}" width="{}" height="{}" fill="{}"{stroke}/>"#,
                    num(*x),
                    num(*y),
                    num(*w),
                    num(*h),
                    hex(*fill)
                );
            }
            Prim::Circle { cx, cy, r, fill } => {
                let _ = writeln!(
                    s,
                    r#"<circle cx="{}" cy="{}" r="{}" fill="{}" shape-rendering="geometricPrecision"/>"#,
                    num(*cx),
                    num(*cy),
                    num(*r),
                    hex(*fill)
                );
            }
            Prim::Polygon { points, fill } => {
                let pts: Vec<String> = points
                    .iter()
                    .map(|(x, y)| format!("{},{}", num(*x), num(*y)))
                    .collect();
                let _ = writeln!(
                    s,
                    r#"<polygon points="{}" fill="{}" shape-rendering="geometricPrecision"/>"#,
                    pts.join(" "),
                    hex(*fill)
                );
            }
            Prim::Text {
                x,
                y,
                scale,
                text,
                fill,
                anchor,
            } => {
                // The bitmap font's capitals are 7 units tall with the baseline under row 7;
                // a monospace font of 10 units per scale has about the same cap height.
                let size = 10 * scale;
                let baseline = y + 7.0 * *scale as f32;
                let anchor = match anchor {
                    Anchor::Start => "",
                    Anchor::Middle => r#" text-anchor="middle""#,
                };
                let _ = writeln!(
                    s,
                    r#"<text x="{}" y="{}" font-size="{size}" fill="{}"{anchor} xml:space="preserve">{}</text>"#,
                    num(*x),
                    num(baseline),
                    hex(*fill),
                    escape(text)
                );
            }
        }
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_formats_numbers() {
        assert_eq!(escape("a<b&\"c\""), "a&lt;b&amp;&quot;c&quot;");
        assert_eq!(num(32.0), "32");
        assert_eq!(num(11.52), "11.52");
    }
}
