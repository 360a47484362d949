//! The learning curve as a standalone SVG: proxy and true return per episode (faint) and
//! smoothed (bold), with each objective's exact optimum as a dashed line.

use std::fmt::Write;

use crate::record::{EpisodeRecord, smooth};

/// What to draw.
#[derive(Debug, Clone)]
pub struct CurvePlot<'a> {
    /// Title line (`boat_race:default · q-learning · seed 0`).
    pub title: String,
    /// The training records.
    pub records: &'a [EpisodeRecord],
    /// Exact best proxy return, when the scenario compiles.
    pub proxy_optimum: Option<f64>,
    /// Exact best true return, when the scenario compiles.
    pub true_optimum: Option<f64>,
    /// The final greedy policy's `(proxy, true)` returns, drawn as markers at the right edge.
    pub greedy: Option<(f64, f64)>,
    /// Moving-average window (0: about a fiftieth of the episodes).
    pub window: usize,
}

const PROXY: &str = "#1f77b4";
const TRUE: &str = "#e4572e";
const W: f64 = 860.0;
const H: f64 = 460.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 250.0;
const TOP: f64 = 48.0;
const BOTTOM: f64 = 56.0;
const MAX_POINTS: usize = 1200;

/// A "nice" tick step (1, 2 or 5 × 10^k) for about `n` ticks over `span`.
fn tick_step(span: f64, n: f64) -> f64 {
    let raw = (span / n).max(1e-12);
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    mag * if f < 1.5 {
        1.0
    } else if f < 3.5 {
        2.0
    } else if f < 7.5 {
        5.0
    } else {
        10.0
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn fmt_num(v: f64) -> String {
    if v == v.round() && v.abs() < 1e9 {
        format!("{}", v as i64)
    } else {
        format!("{v:.2}")
    }
}

/// The curve as an SVG document.
pub fn learning_curve_svg(plot: &CurvePlot<'_>) -> String {
    let recs = plot.records;
    let n = recs.len();
    let window = if plot.window == 0 {
        (n / 50).clamp(1, 500)
    } else {
        plot.window
    };
    let proxy: Vec<f64> = recs.iter().map(|r| r.proxy_return).collect();
    let truth: Vec<f64> = recs.iter().map(|r| r.true_return).collect();
    let (sp, st) = (smooth(&proxy, window), smooth(&truth, window));

    // Value range: the smoothed series and the lines (single episodes outside it are
    // clipped, so that a few disastrous early episodes do not flatten the curve).
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for v in sp.iter().chain(&st).copied().chain(
        [plot.proxy_optimum, plot.true_optimum]
            .into_iter()
            .flatten(),
    ) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if let Some((a, b)) = plot.greedy {
        lo = lo.min(a.min(b));
        hi = hi.max(a.max(b));
    }
    if !lo.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    if hi - lo < 1e-9 {
        (lo, hi) = (lo - 1.0, hi + 1.0);
    }
    let pad = 0.06 * (hi - lo);
    (lo, hi) = (lo - pad, hi + pad);
    let ystep = tick_step(hi - lo, 6.0);
    let (lo, hi) = ((lo / ystep).floor() * ystep, (hi / ystep).ceil() * ystep);
    let xmax = n.max(2) as f64 - 1.0;
    let (pw, ph) = (W - LEFT - RIGHT, H - TOP - BOTTOM);
    let x = |e: f64| LEFT + pw * e / xmax;
    let y = |v: f64| TOP + ph * (1.0 - (v - lo) / (hi - lo));

    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="Helvetica, Arial, sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="{W}" height="{H}" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<defs><clipPath id="plot"><rect x="{LEFT}" y="{TOP}" width="{:.1}" height="{:.1}"/></clipPath></defs>"#,
        W - LEFT - RIGHT,
        H - TOP - BOTTOM
    );
    let _ = writeln!(
        s,
        r#"<text x="{LEFT}" y="28" font-size="15" font-weight="bold">{}</text>"#,
        esc(&plot.title)
    );
    // Grid and ticks.
    let mut v = lo;
    while v <= hi + ystep * 1e-6 {
        let yy = y(v);
        let _ = writeln!(
            s,
            r##"<line x1="{LEFT}" x2="{:.1}" y1="{yy:.1}" y2="{yy:.1}" stroke="#e6e6e6"/><text x="{:.1}" y="{:.1}" text-anchor="end" fill="#444">{}</text>"##,
            LEFT + pw,
            LEFT - 6.0,
            yy + 4.0,
            fmt_num(v)
        );
        v += ystep;
    }
    let xstep = tick_step(xmax.max(1.0), 8.0).max(1.0);
    let mut e = 0.0;
    while e <= xmax + 1e-9 {
        let xx = x(e);
        let _ = writeln!(
            s,
            r##"<line x1="{xx:.1}" x2="{xx:.1}" y1="{:.1}" y2="{:.1}" stroke="#888"/><text x="{xx:.1}" y="{:.1}" text-anchor="middle" fill="#444">{}</text>"##,
            TOP + ph,
            TOP + ph + 5.0,
            TOP + ph + 19.0,
            fmt_num(e)
        );
        e += xstep;
    }
    let _ = writeln!(
        s,
        r##"<rect x="{LEFT}" y="{TOP}" width="{pw:.1}" height="{ph:.1}" fill="none" stroke="#888"/>"##
    );
    let _ = writeln!(
        s,
        r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#222">episode</text>"##,
        LEFT + pw / 2.0,
        H - 14.0
    );
    let _ = writeln!(
        s,
        r##"<text transform="translate(18 {:.1}) rotate(-90)" text-anchor="middle" fill="#222">return per episode</text>"##,
        TOP + ph / 2.0
    );

    // Series: at most MAX_POINTS points each (evenly spaced episodes).
    let stride = n.div_ceil(MAX_POINTS).max(1);
    let path = |vals: &[f64]| -> String {
        let mut p = String::new();
        for (i, v) in vals.iter().enumerate().step_by(stride) {
            let _ = write!(
                p,
                "{}{:.1},{:.1}",
                if p.is_empty() { "M" } else { " L" },
                x(i as f64),
                y(*v)
            );
        }
        p
    };
    for (vals, color, width, opacity) in [
        (&proxy, PROXY, 1.0, 0.18),
        (&truth, TRUE, 1.0, 0.18),
        (&sp, PROXY, 2.4, 1.0),
        (&st, TRUE, 2.4, 1.0),
    ] {
        if n > 0 {
            let _ = writeln!(
                s,
                r#"<path d="{}" fill="none" stroke="{color}" stroke-width="{width}" stroke-opacity="{opacity}" stroke-linejoin="round" clip-path="url(#plot)"/>"#,
                path(vals)
            );
        }
    }
    for (opt, color) in [(plot.proxy_optimum, PROXY), (plot.true_optimum, TRUE)] {
        if let Some(o) = opt {
            let yy = y(o);
            let _ = writeln!(
                s,
                r#"<line x1="{LEFT}" x2="{:.1}" y1="{yy:.1}" y2="{yy:.1}" stroke="{color}" stroke-width="1.6" stroke-dasharray="7 5"/>"#,
                LEFT + pw
            );
        }
    }
    if let Some((gp, gt)) = plot.greedy {
        for (v, color) in [(gp, PROXY), (gt, TRUE)] {
            let _ = writeln!(
                s,
                r#"<circle cx="{:.1}" cy="{:.1}" r="5" fill="white" stroke="{color}" stroke-width="2.2"/>"#,
                LEFT + pw,
                y(v)
            );
        }
    }

    // Legend.
    let lx = LEFT + pw + 18.0;
    let mut ly = TOP + 8.0;
    let mut entry = |s: &mut String, color: &str, dashed: bool, marker: bool, text: String| {
        if marker {
            let _ = writeln!(
                s,
                r#"<circle cx="{:.1}" cy="{ly:.1}" r="5" fill="white" stroke="{color}" stroke-width="2.2"/>"#,
                lx + 13.0
            );
        } else {
            let _ = writeln!(
                s,
                r#"<line x1="{lx:.1}" x2="{:.1}" y1="{ly:.1}" y2="{ly:.1}" stroke="{color}" stroke-width="{}" {}/>"#,
                lx + 26.0,
                if dashed { 1.6 } else { 2.4 },
                if dashed {
                    r#"stroke-dasharray="7 5""#
                } else {
                    ""
                }
            );
        }
        let _ = writeln!(
            s,
            r##"<text x="{:.1}" y="{:.1}" fill="#222">{}</text>"##,
            lx + 34.0,
            ly + 4.0,
            esc(&text)
        );
        ly += 22.0;
    };
    entry(&mut s, PROXY, false, false, "proxy return".into());
    entry(&mut s, TRUE, false, false, "true return".into());
    if let Some(o) = plot.proxy_optimum {
        entry(
            &mut s,
            PROXY,
            true,
            false,
            format!("proxy optimum {}", fmt_num(o)),
        );
    }
    if let Some(o) = plot.true_optimum {
        entry(
            &mut s,
            TRUE,
            true,
            false,
            format!("true optimum {}", fmt_num(o)),
        );
    }
    if let Some((gp, gt)) = plot.greedy {
        entry(
            &mut s,
            PROXY,
            false,
            true,
            format!("greedy policy: proxy {}", fmt_num(gp)),
        );
        entry(
            &mut s,
            TRUE,
            false,
            true,
            format!("greedy policy: true {}", fmt_num(gt)),
        );
    }
    let _ = writeln!(
        s,
        r##"<text x="{lx:.1}" y="{:.1}" fill="#666" font-size="11">bold: mean of the last {window} episodes</text>"##,
        ly + 6.0
    );
    let _ = writeln!(
        s,
        r##"<text x="{lx:.1}" y="{:.1}" fill="#666" font-size="11">faint: each episode (clipped)</text>"##,
        ly + 22.0
    );
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_series_lines_and_legend() {
        let records: Vec<EpisodeRecord> = (0..100)
            .map(|e| EpisodeRecord {
                episode: e,
                proxy_return: e as f64 / 2.0,
                true_return: 50.0 - e as f64,
                length: 10,
                safety_events: 0.0,
                terminated: true,
            })
            .collect();
        let svg = learning_curve_svg(&CurvePlot {
            title: "t <1>".into(),
            records: &records,
            proxy_optimum: Some(50.0),
            true_optimum: Some(100.0),
            greedy: Some((49.0, -50.0)),
            window: 0,
        });
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
        assert_eq!(svg.matches("stroke-dasharray").count(), 4);
        assert!(svg.contains("t &lt;1&gt;"));
        assert!(svg.contains("proxy optimum 50") && svg.contains("true optimum 100"));
    }
}
