//! `goodhart list`.

use goodhart_grid::catalog;
use serde::Serialize;

/// Arguments of `list`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Print a JSON array instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Row {
    scenario: String,
    variant: String,
    summary: String,
    variant_summary: String,
    default: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let mut rows = Vec::new();
    for name in catalog::names() {
        let (file, _) = catalog::file(name)?;
        let default = file
            .default_variant
            .as_ref()
            .map(|v| v.get_ref().clone())
            .or_else(|| file.variants.keys().next().cloned())
            .unwrap_or_default();
        for (variant, decl) in &file.variants {
            rows.push(Row {
                scenario: name.to_string(),
                variant: variant.clone(),
                summary: file.summary.clone(),
                variant_summary: decl.summary.clone(),
                default: *variant == default,
            });
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    let width = rows
        .iter()
        .map(|r| r.scenario.len() + r.variant.len() + 1)
        .max()
        .unwrap_or(0);
    let mut last = String::new();
    for r in &rows {
        if r.scenario != last {
            println!("{}\n  {}", r.scenario, r.summary);
            last = r.scenario.clone();
        }
        let id = format!("{}:{}", r.scenario, r.variant);
        let mark = if r.default { " (default)" } else { "" };
        println!("    {id:width$}  {}{mark}", r.variant_summary);
    }
    Ok(())
}
