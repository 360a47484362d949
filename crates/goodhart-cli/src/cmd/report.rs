//! `goodhart report`: the static HTML report of a results store.

use std::path::PathBuf;

use goodhart_lab::Store;
use goodhart_lab::report::{self, ReportOptions};

/// Arguments of `report`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The results store.
    #[arg(default_value = goodhart_lab::DEFAULT_STORE)]
    pub store: PathBuf,
    /// Output directory (index.html, one page per scenario, img/).
    #[arg(long, default_value = "report")]
    pub out: PathBuf,
    /// Only this experiment's runs.
    #[arg(long)]
    pub experiment: Option<String>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let store = Store::open_existing(&args.store)?;
    let summary = report::write(
        &store,
        &args.out,
        &ReportOptions {
            experiment: args.experiment,
        },
    )?;
    println!(
        "report: {} ({} pages, {} images, {} table rows)",
        summary.index.display(),
        summary.pages,
        summary.images,
        summary.rows
    );
    Ok(())
}
