//! `goodhart export-results`: one row per run outcome, run parameters as columns.

use std::path::PathBuf;

use goodhart_lab::Store;
use goodhart_lab::export::{self, Format};

/// Arguments of `export-results`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The results store.
    #[arg(long, default_value = goodhart_lab::DEFAULT_STORE)]
    pub store: PathBuf,
    /// `csv` or `parquet` (typed columns, nulls where a figure does not apply).
    #[arg(long, default_value = "csv")]
    pub format: Format,
    /// Output file.
    #[arg(long)]
    pub out: PathBuf,
    /// Only this experiment's runs.
    #[arg(long)]
    pub experiment: Option<String>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let store = Store::open_existing(&args.store)?;
    let n = export::export(&store, args.experiment.as_deref(), args.format, &args.out)?;
    println!("{n} run outcomes → {}", args.out.display());
    Ok(())
}
