//! The export as CSV: a header row, then one line per run; empty fields for nulls.

use super::{Column, Values};

/// The CSV bytes of `columns`.
pub fn encode(columns: &[Column]) -> Vec<u8> {
    let rows = columns.first().map_or(0, |c| len(&c.values));
    let mut out = String::new();
    let header: Vec<String> = columns.iter().map(|c| field(&c.name)).collect();
    out.push_str(&header.join(","));
    out.push('\n');
    for i in 0..rows {
        let line: Vec<String> = columns.iter().map(|c| field(&cell(&c.values, i))).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out.into_bytes()
}

fn len(v: &Values) -> usize {
    match v {
        Values::Text(x) => x.len(),
        Values::Float(x) => x.len(),
        Values::Int(x) => x.len(),
        Values::Bool(x) => x.len(),
    }
}

fn cell(v: &Values, i: usize) -> String {
    match v {
        Values::Text(x) => x[i].clone().unwrap_or_default(),
        Values::Float(x) => x[i].map(|v| v.to_string()).unwrap_or_default(),
        Values::Int(x) => x[i].map(|v| v.to_string()).unwrap_or_default(),
        Values::Bool(x) => x[i].map(|v| v.to_string()).unwrap_or_default(),
    }
}

/// RFC 4180 quoting.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_nulls() {
        let cols = vec![
            Column {
                name: "a".into(),
                values: Values::Text(vec![Some("x,\"y\"".into()), None]),
            },
            Column {
                name: "b".into(),
                values: Values::Float(vec![None, Some(1.5)]),
            },
        ];
        assert_eq!(
            String::from_utf8(encode(&cols)).unwrap(),
            "a,b\n\"x,\"\"y\"\"\",\n,1.5\n"
        );
    }
}
