//! The page shell of the report: escaping, the stylesheet and the table-sorting script, both
//! inline so that every page works from the file system with no network.

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A file-name-safe slug (`boat_race`, `distributional_shift`).
pub fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A complete page: `title`, then `body` inside the layout.
pub fn page(title: &str, body: &str, footer: &str) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{STYLE}</style>
</head>
<body>
<main>
{body}
</main>
<footer>{footer}</footer>
<script>{SCRIPT}</script>
</body>
</html>
"#,
        title = escape(title),
    )
}

const STYLE: &str = r#"
:root {
  --ink: #1f2328; --muted: #5b636d; --line: #d8dee4; --bg: #ffffff; --panel: #f6f8fa;
  --proxy: #c2410c; --true: #0f766e; --gap: #b91c1c; --accent: #6d28d9;
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1240px; margin: 0 auto; padding: 28px 24px 8px; }
footer { max-width: 1240px; margin: 0 auto; padding: 16px 24px 32px; color: var(--muted); font-size: 13px;
  border-top: 1px solid var(--line); }
h1 { font-size: 28px; margin: 0 0 4px; letter-spacing: -0.01em; }
h1 .sub { color: var(--muted); font-weight: 400; }
h2 { font-size: 20px; margin: 36px 0 8px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
h3 { font-size: 16px; margin: 22px 0 8px; }
p.lead { color: var(--muted); margin: 4px 0 16px; max-width: 880px; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
pre { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 12px; overflow: auto; }
.stats { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0 8px; }
.stat { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 8px 14px; min-width: 120px; }
.stat b { display: block; font-size: 22px; }
.stat span { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: 0.04em; }
.legend-line { color: var(--muted); font-size: 13px; margin: 6px 0 10px; }
.proxy { color: var(--proxy); } .true { color: var(--true); }
.table-wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: 8px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { padding: 6px 10px; text-align: left; border-bottom: 1px solid var(--line); white-space: nowrap; }
thead th { position: sticky; top: 0; background: var(--panel); font-weight: 600; user-select: none; }
table.sortable thead th { cursor: pointer; }
table.sortable thead th::after { content: " \2195"; color: #aab1ba; font-weight: 400; }
table.sortable thead th[aria-sort="ascending"]::after { content: " \25B2"; color: var(--ink); }
table.sortable thead th[aria-sort="descending"]::after { content: " \25BC"; color: var(--ink); }
tbody tr:hover { background: #fbfcfd; }
tbody tr:last-child td { border-bottom: none; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.gap { font-weight: 600; }
td.gap.pos { color: var(--gap); }
td.ci { color: var(--muted); font-size: 12px; }
td.bar { min-width: 130px; }
.barbox { display: inline-block; width: 70px; height: 9px; background: #eef1f4; border-radius: 5px; vertical-align: middle;
  margin-right: 8px; overflow: hidden; }
.barbox i { display: block; height: 100%; background: var(--gap); border-radius: 5px; }
.badge { display: inline-block; font-size: 11px; padding: 1px 7px; border-radius: 10px; background: #eef1f4; color: var(--muted);
  margin-left: 6px; vertical-align: 1px; }
.badge.exact { background: #e6f4f1; color: var(--true); }
.badge.fail { background: #fde8e8; color: var(--gap); }
.badge.gaming { background: #fff1e6; color: var(--proxy); }
.gallery { display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr)); gap: 16px; margin-top: 12px; }
figure { margin: 0; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 12px; }
figure img { display: block; max-width: 100%; height: auto; margin: 0 auto 8px; image-rendering: pixelated; }
figcaption { font-size: 13px; color: var(--muted); }
figcaption b { color: var(--ink); }
.pair { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
.pair figure { flex: 0 1 auto; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(460px, 1fr)); gap: 16px; }
svg.chart { width: 100%; height: auto; background: #fff; border: 1px solid var(--line); border-radius: 8px; }
svg.chart .grid { stroke: #eef1f4; } svg.chart .zero { stroke: #aab1ba; stroke-dasharray: 4 3; }
svg.chart .axis { stroke: #aab1ba; } svg.chart .frame { fill: none; stroke: var(--line); }
svg.chart text { font: 11px system-ui, sans-serif; fill: var(--muted); }
svg.chart .chart-title { font-size: 13px; font-weight: 600; fill: var(--ink); }
svg.chart .label { font-size: 12px; } svg.chart .legend { font-size: 12px; fill: var(--ink); }
details { margin: 8px 0; } summary { cursor: pointer; color: var(--accent); }
.note { color: var(--muted); font-style: italic; }
dl.objectives { display: grid; grid-template-columns: max-content 1fr; gap: 4px 14px; margin: 12px 0; }
dl.objectives dt { font-weight: 600; } dl.objectives dd { margin: 0; }
nav.crumbs { font-size: 13px; margin-bottom: 10px; }
"#;

const SCRIPT: &str = r#"
(function () {
  "use strict";
  function key(cell) {
    var v = cell.getAttribute("data-v");
    if (v === null) { return cell.textContent.trim().toLowerCase(); }
    if (v === "") { return null; }
    return parseFloat(v);
  }
  function sortBy(table, index, th) {
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    var heads = table.tHead.rows[0].cells;
    for (var h = 0; h < heads.length; h++) { heads[h].removeAttribute("aria-sort"); }
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a.cells[index]), y = key(b.cells[index]);
      if (x === null && y === null) { return 0; }
      if (x === null) { return 1; }
      if (y === null) { return -1; }
      var c = (typeof x === "number" && typeof y === "number") ? x - y : String(x).localeCompare(String(y));
      return ascending ? c : -c;
    });
    for (var r = 0; r < rows.length; r++) { body.appendChild(rows[r]); }
  }
  var tables = document.querySelectorAll("table.sortable");
  for (var t = 0; t < tables.length; t++) {
    (function (table) {
      var heads = table.tHead.rows[0].cells;
      for (var i = 0; i < heads.length; i++) {
        (function (th, index) {
          th.tabIndex = 0;
          th.addEventListener("click", function () { sortBy(table, index, th); });
          th.addEventListener("keydown", function (e) {
            if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortBy(table, index, th); }
          });
        })(heads[i], i);
      }
    })(tables[t]);
  }
})();
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(slug("a:b/c d"), "a_b_c_d");
    }
}
