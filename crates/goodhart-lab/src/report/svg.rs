//! Hand-built inline SVG line charts (learning curves): no plotting dependency, no script, no
//! network; the picture scales with the page.

use std::fmt::Write;

use super::html::escape;

/// One line of a chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend text.
    pub label: String,
    /// CSS colour.
    pub color: &'static str,
    /// Points `(x, y)`, x increasing.
    pub points: Vec<(f64, f64)>,
}

/// Averages `points` into at most `bins` buckets of consecutive x (a learning curve of many
/// thousand episodes becomes a readable line).
pub fn bin(points: &[(f64, f64)], bins: usize) -> Vec<(f64, f64)> {
    if points.len() <= bins || bins == 0 {
        return points.to_vec();
    }
    let size = points.len().div_ceil(bins);
    points
        .chunks(size)
        .map(|c| {
            let n = c.len() as f64;
            (
                c.iter().map(|p| p.0).sum::<f64>() / n,
                c.iter().map(|p| p.1).sum::<f64>() / n,
            )
        })
        .collect()
}

/// A step of 1, 2 or 5 × 10^k giving about `target` intervals over `span`.
fn nice_step(span: f64, target: f64) -> f64 {
    if span <= 0.0 || !span.is_finite() {
        return 1.0;
    }
    let raw = span / target;
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let m = if f < 1.5 {
        1.0
    } else if f < 3.5 {
        2.0
    } else if f < 7.5 {
        5.0
    } else {
        10.0
    };
    m * mag
}

fn tick_label(v: f64) -> String {
    if v.abs() >= 10_000.0 {
        format!("{:.0}k", v / 1000.0)
    } else {
        super::table::num(v)
    }
}

/// A line chart as an `<svg>` element (`viewBox` sized `width × height`).
pub fn line_chart(
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
    width: f64,
    height: f64,
) -> String {
    let (ml, mr, mt, mb) = (62.0, 16.0, 34.0, 44.0);
    let pw = width - ml - mr;
    let ph = height - mt - mb;
    let all = series.iter().flat_map(|s| s.points.iter());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in all {
        if x.is_finite() && y.is_finite() {
            x0 = x0.min(x);
            x1 = x1.max(x);
            y0 = y0.min(y);
            y1 = y1.max(y);
        }
    }
    if x0 > x1 {
        (x0, x1, y0, y1) = (0.0, 1.0, 0.0, 1.0);
    }
    if x1 - x0 < 1e-12 {
        x1 = x0 + 1.0;
    }
    if y1 - y0 < 1e-12 {
        y0 -= 1.0;
        y1 += 1.0;
    }
    let ystep = nice_step(y1 - y0, 5.0);
    let (y0, y1) = ((y0 / ystep).floor() * ystep, (y1 / ystep).ceil() * ystep);
    let xstep = nice_step(x1 - x0, 6.0);
    let sx = |x: f64| ml + (x - x0) / (x1 - x0) * pw;
    let sy = |y: f64| mt + (y1 - y) / (y1 - y0) * ph;

    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"#,
        escape(title)
    );
    let _ = write!(
        s,
        r#"<text class="chart-title" x="{ml}" y="18">{}</text>"#,
        escape(title)
    );
    // Grid and y ticks.
    let mut y = y0;
    while y <= y1 + ystep * 1e-9 {
        let py = sy(y);
        let _ = write!(
            s,
            r#"<line class="grid" x1="{ml}" x2="{:.1}" y1="{py:.1}" y2="{py:.1}"/><text class="tick" x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            ml + pw,
            ml - 6.0,
            py + 4.0,
            tick_label(y)
        );
        y += ystep;
    }
    if y0 < 0.0 && y1 > 0.0 {
        let _ = write!(
            s,
            r#"<line class="zero" x1="{ml}" x2="{:.1}" y1="{:.1}" y2="{:.1}"/>"#,
            ml + pw,
            sy(0.0),
            sy(0.0)
        );
    }
    // X ticks.
    let mut x = (x0 / xstep).ceil() * xstep;
    while x <= x1 + xstep * 1e-9 {
        let px = sx(x);
        let _ = write!(
            s,
            r#"<line class="axis" x1="{px:.1}" x2="{px:.1}" y1="{:.1}" y2="{:.1}"/><text class="tick" x="{px:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            mt + ph,
            mt + ph + 4.0,
            mt + ph + 17.0,
            tick_label(x)
        );
        x += xstep;
    }
    let _ = write!(
        s,
        r#"<rect class="frame" x="{ml}" y="{mt}" width="{pw:.1}" height="{ph:.1}"/>"#
    );
    let _ = write!(
        s,
        r#"<text class="label" x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
        ml + pw / 2.0,
        height - 8.0,
        escape(x_label)
    );
    let _ = write!(
        s,
        r#"<text class="label" transform="translate(14 {:.1}) rotate(-90)" text-anchor="middle">{}</text>"#,
        mt + ph / 2.0,
        escape(y_label)
    );
    // Lines.
    for se in series {
        let pts: Vec<String> = se
            .points
            .iter()
            .filter(|p| p.0.is_finite() && p.1.is_finite())
            .map(|&(x, y)| format!("{:.1},{:.1}", sx(x), sy(y)))
            .collect();
        if pts.is_empty() {
            continue;
        }
        let _ = write!(
            s,
            r#"<polyline fill="none" stroke="{}" stroke-width="2" stroke-linejoin="round" points="{}"/>"#,
            se.color,
            pts.join(" ")
        );
    }
    // Legend, top right.
    let mut lx = width - mr;
    for se in series.iter().rev() {
        let w = 26.0 + 7.0 * se.label.chars().count() as f64;
        lx -= w;
        let _ = write!(
            s,
            r#"<line x1="{lx:.1}" x2="{:.1}" y1="14" y2="14" stroke="{}" stroke-width="3"/><text class="legend" x="{:.1}" y="18">{}</text>"#,
            lx + 16.0,
            se.color,
            lx + 20.0,
            escape(&se.label)
        );
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chart_is_one_svg_with_a_line_per_series() {
        let series = vec![
            Series {
                label: "proxy".into(),
                color: "#d97706",
                points: (0..50).map(|i| (i as f64, i as f64)).collect(),
            },
            Series {
                label: "true".into(),
                color: "#0f766e",
                points: (0..50).map(|i| (i as f64, -(i as f64))).collect(),
            },
        ];
        let svg = line_chart("t <1>", "episode", "return", &series, 640.0, 300.0);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(svg.contains("t &lt;1&gt;"));
    }

    #[test]
    fn binning_averages_consecutive_points() {
        let p: Vec<(f64, f64)> = (0..10).map(|i| (i as f64, i as f64)).collect();
        assert_eq!(
            bin(&p, 5),
            vec![(0.5, 0.5), (2.5, 2.5), (4.5, 4.5), (6.5, 6.5), (8.5, 8.5)]
        );
        assert_eq!(bin(&p, 20).len(), 10);
    }
}
